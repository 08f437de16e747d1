from courses.coordination.module_stats import module_statistics
from courses.models import LessonPage, QuizAttempt
from lms.accounts.models import User
from tests.factories import UserFactory, build_course


def _attempt(user, lesson, block_id, passed):
    return QuizAttempt.objects.create(
        user=user, lesson=lesson, block_id=block_id, score=100 if passed else 0, passed=passed
    )


def test_first_attempt_pass_rate_counts_each_persons_first_try_per_check(home_page):
    course = build_course(modules=1, lessons_per_module=2, with_check=True)
    module = course.get_modules().first().specific
    first_lesson, second_lesson = LessonPage.objects.descendant_of(module).order_by("path")
    ana, ben, outsider = UserFactory(), UserFactory(), UserFactory()

    _attempt(ana, first_lesson, "check-a", passed=False)  # first try failed …
    _attempt(ana, first_lesson, "check-a", passed=True)  # … the retry does not count
    _attempt(ana, second_lesson, "check-b", passed=True)
    _attempt(ben, first_lesson, "check-a", passed=True)
    _attempt(ben, first_lesson, "check-b", passed=False)  # another check of the same lesson
    _attempt(outsider, first_lesson, "check-a", passed=True)  # not among the people asked

    people = User.objects.filter(pk__in=[ana.pk, ben.pk])
    stats = module_statistics(modules=[module], people=people)[module.pk]

    assert stats["first_pass_rate"] == 50  # 2 of 4 first attempts passed
    assert stats["first_pass_label"] == "50 % (4)"
