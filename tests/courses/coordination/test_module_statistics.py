from datetime import timedelta

from django.utils import timezone

from courses.coordination.module_stats import module_statistics
from courses.models import LessonCompletion, LessonPage, QuizAttempt
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


def test_started_completed_and_median_days_per_module(home_page):
    course = build_course(modules=2, lessons_per_module=2)
    first_module, second_module = (module.specific for module in course.get_modules())
    lessons = {
        module.pk: list(LessonPage.objects.descendant_of(module).order_by("path"))
        for module in (first_module, second_module)
    }
    ana, ben, cara, outsider = (UserFactory() for _ in range(4))
    start = timezone.now() - timedelta(days=30)

    def complete(person, module, lesson_index, day):
        LessonCompletion.objects.create(
            user=person,
            lesson=lessons[module.pk][lesson_index],
            completed_at=start + timedelta(days=day),
        )

    complete(ana, first_module, 0, 0)
    complete(ana, first_module, 1, 2)  # module 1 done in 2 days
    complete(cara, first_module, 1, 1)
    complete(cara, first_module, 0, 5)  # done in 4 days (order of lessons doesn't matter)
    complete(ben, first_module, 0, 3)  # started only
    complete(ana, second_module, 0, 6)  # started only
    complete(outsider, first_module, 0, 0)
    complete(outsider, first_module, 1, 20)  # not among the people asked

    people = User.objects.filter(pk__in=[ana.pk, ben.pk, cara.pk])
    stats = module_statistics(modules=[first_module, second_module], people=people)

    first, second = stats[first_module.pk], stats[second_module.pk]
    assert (first["lesson_count"], first["started"], first["completed"]) == (2, 3, 2)
    assert first["median_days"] == 3.0 and first["median_days_label"] == "3,0 Tage"
    assert (second["started"], second["completed"], second["median_days"]) == (1, 0, None)
    assert second["median_days_label"] == "–"
