import pytest
from django.utils import timezone

from courses import services
from courses.models import Enrollment, LessonCompletion, LessonPage, QuizAttempt, ReflectionAnswer
from courses.progress import ModuleStatus, course_progress
from tests.factories import UserFactory, build_course, lessons_of

RIGHT = {"q0": ["1"], "q1": ["0", "2"]}
HALF_RIGHT = {"q0": ["1"], "q1": ["0"]}


@pytest.fixture
def course(home_page):
    return build_course(modules=2, lessons_per_module=2)


@pytest.fixture
def enrolled(participant, course):
    services.enrol(user=participant, course=course)
    return participant


def test_enrol_is_idempotent_and_unique(participant, course):
    first = services.enrol(user=participant, course=course)
    second = services.enrol(user=participant, course=course)
    assert first.pk == second.pk
    assert Enrollment.objects.filter(user=participant, course=course).count() == 1


def test_self_enrolment_refused_when_course_is_closed(participant, home_page):
    closed = build_course(title="Geschlossen", self_enrolment=False)
    with pytest.raises(services.LearningError, match="Koordination"):
        services.enrol(user=participant, course=closed)
    assert not Enrollment.objects.exists()


def test_coordinator_can_enrol_into_a_closed_course(participant, coordinator, home_page):
    closed = build_course(title="Geschlossen", self_enrolment=False)
    enrollment = services.enrol(user=participant, course=closed, enrolled_by=coordinator)
    assert enrollment.enrolled_by == coordinator


def test_leaving_and_returning_keeps_progress(enrolled, course):
    lesson = lessons_of(course)[0]
    services.complete_lesson(user=enrolled, lesson=lesson)
    services.withdraw(user=enrolled, course=course)

    with pytest.raises(services.LearningError):
        services.complete_lesson(user=enrolled, lesson=lessons_of(course)[1])

    enrollment = services.enrol(user=enrolled, course=course)
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert course_progress(user=enrolled, course=course).done_count == 1


def test_complete_lesson_twice_creates_one_record(enrolled, course):
    lesson = lessons_of(course)[0]
    services.complete_lesson(user=enrolled, lesson=lesson)
    services.complete_lesson(user=enrolled, lesson=lesson)
    assert LessonCompletion.objects.filter(user=enrolled, lesson=lesson).count() == 1


def test_completing_a_lesson_of_another_course_is_refused(participant, course, home_page):
    other = build_course(title="Anderer Kurs")
    services.enrol(user=participant, course=course)
    with pytest.raises(services.LearningError, match="nicht eingeschrieben"):
        services.complete_lesson(user=participant, lesson=lessons_of(other)[0])
    assert not LessonCompletion.objects.exists()


def test_course_completion_is_recorded_once(enrolled, course):
    for lesson in lessons_of(course):
        services.complete_lesson(user=enrolled, lesson=lesson)
    enrollment = Enrollment.objects.get(user=enrolled, course=course)
    assert enrollment.status == Enrollment.Status.COMPLETED
    first_date = enrollment.completed_at
    assert first_date is not None

    services.complete_lesson(user=enrolled, lesson=lessons_of(course)[0])
    enrollment.refresh_from_db()
    assert enrollment.completed_at == first_date


def test_optional_modules_are_not_needed_for_completion(participant, home_page):
    course = build_course(modules=2, lessons_per_module=1, optional_modules=(2,))
    services.enrol(user=participant, course=course)
    services.complete_lesson(user=participant, lesson=lessons_of(course)[0])
    assert Enrollment.objects.get(user=participant).completed_at is not None


def test_module_requiring_a_workshop_stays_open_without_attendance(participant, home_page):
    course = build_course(modules=1, lessons_per_module=1, workshop_modules=(1,))
    services.enrol(user=participant, course=course)
    services.complete_lesson(user=participant, lesson=lessons_of(course)[0])

    progress = course_progress(user=participant, course=course)
    assert progress.modules[0].status == ModuleStatus.STARTED
    assert progress.missing() == ["Präsenztermin Modul 1"]
    assert Enrollment.objects.get(user=participant).completed_at is None


def test_lesson_added_later_reopens_module_but_keeps_course_completion(enrolled, course):
    for lesson in lessons_of(course):
        services.complete_lesson(user=enrolled, lesson=lesson)
    module = course.get_modules().first()
    module.add_child(instance=LessonPage(title="Neu", body=[("heading", "Neu")]))

    progress = course_progress(user=enrolled, course=course)
    assert progress.modules[0].status == ModuleStatus.STARTED
    assert "Neu" in " ".join(progress.missing())
    assert Enrollment.objects.get(user=enrolled).completed_at is not None


def test_unpublished_or_deleted_lesson_no_longer_counts(enrolled, course):
    lessons = lessons_of(course)
    for lesson in lessons[1:]:
        services.complete_lesson(user=enrolled, lesson=lesson)
    lessons[0].unpublish()
    progress = course_progress(user=enrolled, course=course)
    assert progress.lesson_count == 3 and progress.done_count == 3

    lessons[1].delete()
    progress = course_progress(user=enrolled, course=course)
    assert progress.lesson_count == 2 and progress.percent == 100


def test_progress_survives_moving_a_lesson(enrolled, course):
    lessons = lessons_of(course)
    services.complete_lesson(user=enrolled, lesson=lessons[0])
    second_module = course.get_modules().last()
    lessons[0].move(second_module, pos="last-child")

    progress = course_progress(user=enrolled, course=course)
    assert progress.done_count == 1
    assert progress.modules[1].done_count == 1


# --- Knowledge checks ---------------------------------------------------------------------


@pytest.fixture
def quiz_course(home_page):
    return build_course(modules=1, lessons_per_module=1, with_check=True, with_reflection=True)


@pytest.fixture
def quiz_lesson(participant, quiz_course):
    services.enrol(user=participant, course=quiz_course)
    return lessons_of(quiz_course)[0]


def test_lesson_with_check_cannot_be_marked_done_before_passing(participant, quiz_lesson):
    with pytest.raises(services.LearningError, match="Wissenscheck"):
        services.complete_lesson(user=participant, lesson=quiz_lesson)


def test_failed_then_passed_check_completes_the_lesson(participant, quiz_lesson):
    failed = services.submit_knowledge_check(
        user=participant, lesson=quiz_lesson, block_id="check-1-1", answers=HALF_RIGHT
    )
    assert (failed.score, failed.passed) == (50, False)
    assert not LessonCompletion.objects.exists()

    passed = services.submit_knowledge_check(
        user=participant, lesson=quiz_lesson, block_id="check-1-1", answers=RIGHT
    )
    assert (passed.score, passed.passed) == (100, True)
    assert LessonCompletion.objects.filter(user=participant, lesson=quiz_lesson).exists()
    assert QuizAttempt.objects.filter(user=participant).count() == 2


def test_pass_mark_is_configurable(participant, home_page):
    from tests.factories import knowledge_check_block

    course = build_course(modules=1, lessons_per_module=1)
    lesson = lessons_of(course)[0]
    lesson.body = [knowledge_check_block(block_id="half", pass_mark=50)]
    lesson.save_revision().publish()
    services.enrol(user=participant, course=course)
    attempt = services.submit_knowledge_check(
        user=participant, lesson=lesson, block_id="half", answers=HALF_RIGHT
    )
    assert attempt.passed


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"q0": ["1"], "q1": ["0"], "q7": ["1"]}, "passen nicht"),
        ({"q0": ["9"], "q1": ["0"]}, "passen nicht"),
        ({"q0": ["x"], "q1": ["0"]}, "passen nicht"),
        ({"q0": ["0", "1"], "q1": ["0"]}, "genau eine"),
        ({"q0": ["1"]}, "alle Fragen"),
        ({}, "alle Fragen"),
    ],
)
def test_tampered_answers_change_nothing(participant, quiz_lesson, answers, message):
    with pytest.raises(services.LearningError, match=message):
        services.submit_knowledge_check(
            user=participant, lesson=quiz_lesson, block_id="check-1-1", answers=answers
        )
    assert not QuizAttempt.objects.exists()


def test_unknown_check_or_other_lesson_is_refused(participant, quiz_lesson, home_page):
    with pytest.raises(services.LearningError, match="gibt es"):
        services.submit_knowledge_check(
            user=participant, lesson=quiz_lesson, block_id="erfunden", answers=RIGHT
        )
    other = build_course(title="Zweiter Kurs", modules=1, lessons_per_module=1, with_check=True)
    services.enrol(user=participant, course=other)
    other_lesson = lessons_of(other)[0]
    with pytest.raises(services.LearningError, match="gibt es"):
        services.submit_knowledge_check(
            user=participant, lesson=other_lesson, block_id="check-1-1-x", answers=RIGHT
        )
    assert not QuizAttempt.objects.exists()


def test_person_not_enrolled_cannot_submit(quiz_course, home_page):
    stranger = UserFactory()
    with pytest.raises(services.LearningError, match="nicht eingeschrieben"):
        services.submit_knowledge_check(
            user=stranger, lesson=lessons_of(quiz_course)[0], block_id="check-1-1", answers=RIGHT
        )
    assert not QuizAttempt.objects.exists()


# --- Reflection answers -------------------------------------------------------------------


def test_reflection_answer_is_saved_and_editable(participant, quiz_lesson):
    services.save_reflection(
        user=participant, lesson=quiz_lesson, block_id="refl-1-1", text="Erste Gedanken"
    )
    services.save_reflection(
        user=participant, lesson=quiz_lesson, block_id="refl-1-1", text="Überarbeitet"
    )
    answer = ReflectionAnswer.objects.get()
    assert answer.text == "Überarbeitet"


def test_reflection_refuses_unknown_block_and_overlong_text(participant, quiz_lesson):
    with pytest.raises(services.LearningError):
        services.save_reflection(user=participant, lesson=quiz_lesson, block_id="x", text="a")
    with pytest.raises(services.LearningError, match="zu lang"):
        services.save_reflection(
            user=participant, lesson=quiz_lesson, block_id="refl-1-1", text="a" * 10_001
        )
    assert not ReflectionAnswer.objects.exists()


def test_completion_timestamps_are_aware(enrolled, course):
    completion = services.complete_lesson(user=enrolled, lesson=lessons_of(course)[0])
    assert timezone.is_aware(completion.completed_at)
