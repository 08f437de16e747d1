"""Enrolment, lesson completion, knowledge checks and reflection answers."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    CoursePage,
    Enrollment,
    LessonCompletion,
    LessonPage,
    QuizAttempt,
    ReflectionAnswer,
)
from .progress import course_progress

MAX_REFLECTION_LENGTH = 10_000


class LearningError(Exception):
    """A request the learning rules refuse; the message is shown to the person."""


def _active_enrollment_for(*, user, lesson: LessonPage) -> Enrollment:
    course = CoursePage.objects.ancestor_of(lesson).first()
    enrollment = (
        Enrollment.objects.active().select_for_update().filter(user=user, course=course).first()
        if course
        else None
    )
    if enrollment is None:
        raise LearningError(_("Sie sind in diesen Kurs nicht eingeschrieben."))
    return enrollment


@transaction.atomic
def enrol(*, user, course: CoursePage, enrolled_by=None) -> Enrollment:
    """Enrol a person; re-enrolling after leaving keeps all earlier progress."""
    self_enrolment = enrolled_by is None or enrolled_by == user
    if self_enrolment and not course.self_enrolment:
        raise LearningError(
            _("In diesen Kurs schreibt die Koordination ein. Bitte wenden Sie sich an sie.")
        )
    if not course.live:
        raise LearningError(_("Dieser Kurs ist nicht veröffentlicht."))
    try:
        with transaction.atomic():
            enrollment, created = Enrollment.objects.get_or_create(
                user=user, course=course, defaults={"enrolled_by": enrolled_by}
            )
    except IntegrityError:  # a concurrent request enrolled the same person first
        enrollment, created = Enrollment.objects.get(user=user, course=course), False
    if not created and enrollment.status == Enrollment.Status.WITHDRAWN:
        enrollment.status = (
            Enrollment.Status.COMPLETED if enrollment.completed_at else Enrollment.Status.ACTIVE
        )
        enrollment.withdrawn_at = None
        enrollment.save(update_fields=["status", "withdrawn_at"])
    return enrollment


@transaction.atomic
def withdraw(*, user, course: CoursePage) -> Enrollment:
    enrollment = Enrollment.objects.active().filter(user=user, course=course).first()
    if enrollment is None:
        raise LearningError(_("Sie sind in diesen Kurs nicht eingeschrieben."))
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.withdrawn_at = timezone.now()
    enrollment.save(update_fields=["status", "withdrawn_at"])
    return enrollment


def _passed_all_checks(*, user, lesson: LessonPage) -> bool:
    required = set(lesson.knowledge_checks())
    if not required:
        return True
    passed = set(
        QuizAttempt.objects.filter(
            user=user, lesson=lesson, block_id__in=required, passed=True
        ).values_list("block_id", flat=True)
    )
    return required <= passed


def record_course_completion(*, enrollment: Enrollment) -> bool:
    """Store the completion date once, when every required module is complete."""
    if enrollment.completed_at:
        return False
    progress = course_progress(user=enrollment.user, course=enrollment.course.specific)
    if not progress.is_complete:
        return False
    now = timezone.now()
    updated = Enrollment.objects.filter(pk=enrollment.pk, completed_at__isnull=True).update(
        completed_at=now, status=Enrollment.Status.COMPLETED
    )
    if updated:
        enrollment.completed_at, enrollment.status = now, Enrollment.Status.COMPLETED
        from . import signals

        transaction.on_commit(
            lambda: signals.course_completed.send(Enrollment, enrollment=enrollment)
        )
    return bool(updated)


@transaction.atomic
def complete_lesson(*, user, lesson: LessonPage) -> LessonCompletion:
    """Mark a lesson done (idempotent); a lesson with a knowledge check needs it passed."""
    enrollment = _active_enrollment_for(user=user, lesson=lesson)
    if not lesson.live:
        raise LearningError(_("Diese Lerneinheit ist nicht veröffentlicht."))
    if not _passed_all_checks(user=user, lesson=lesson):
        raise LearningError(_("Bitte bestehen Sie zuerst den Wissenscheck dieser Lerneinheit."))
    completion, _created = LessonCompletion.objects.get_or_create(user=user, lesson=lesson)
    Enrollment.objects.filter(pk=enrollment.pk).update(last_activity_at=timezone.now())
    record_course_completion(enrollment=enrollment)
    return completion


def score_knowledge_check(*, check: dict, answers: dict[str, list[str]]) -> tuple[int, list[dict]]:
    """Score submitted answers against the block definition; raise on anything malformed.

    `answers` maps "q<question index>" to the chosen answer indices (as strings).
    """
    questions = list(check["questions"])
    expected_keys = {f"q{index}" for index in range(len(questions))}
    unknown = set(answers) - expected_keys
    if unknown:
        raise LearningError(_("Die Antworten passen nicht zu diesem Wissenscheck."))
    if set(answers) != expected_keys or any(not chosen for chosen in answers.values()):
        raise LearningError(_("Bitte beantworten Sie alle Fragen."))

    feedback, correct_count = [], 0
    for index, question in enumerate(questions):
        options = list(question["answers"])
        try:
            chosen = {int(value) for value in answers[f"q{index}"]}
        except (TypeError, ValueError):
            raise LearningError(_("Die Antworten passen nicht zu diesem Wissenscheck.")) from None
        if not chosen <= set(range(len(options))):
            raise LearningError(_("Die Antworten passen nicht zu diesem Wissenscheck."))
        if question["kind"] == "single" and len(chosen) != 1:
            raise LearningError(
                _("Bitte wählen Sie bei Frage %(n)s genau eine Antwort.") % {"n": index + 1}
            )
        right = {i for i, option in enumerate(options) if option["correct"]}
        is_correct = chosen == right
        correct_count += is_correct
        feedback.append({"chosen": sorted(chosen), "right": sorted(right), "correct": is_correct})
    return round(100 * correct_count / len(questions)), feedback


@transaction.atomic
def submit_knowledge_check(
    *, user, lesson: LessonPage, block_id: str, answers: dict[str, list[str]]
) -> QuizAttempt:
    """Score and store an attempt; passing the lesson's last open check completes the lesson."""
    _active_enrollment_for(user=user, lesson=lesson)
    check = lesson.knowledge_checks().get(block_id)
    if check is None:
        raise LearningError(_("Diesen Wissenscheck gibt es in dieser Lerneinheit nicht."))
    score, feedback = score_knowledge_check(check=check, answers=answers)
    attempt = QuizAttempt.objects.create(
        user=user,
        lesson=lesson,
        block_id=block_id,
        score=score,
        passed=score >= check["pass_mark"],
        answers={"feedback": feedback},
    )
    if attempt.passed and _passed_all_checks(user=user, lesson=lesson):
        complete_lesson(user=user, lesson=lesson)
    return attempt


@transaction.atomic
def save_reflection(*, user, lesson: LessonPage, block_id: str, text: str) -> ReflectionAnswer:
    _active_enrollment_for(user=user, lesson=lesson)
    if block_id not in lesson.reflection_block_ids():
        raise LearningError(_("Diese Reflexionsfrage gibt es in dieser Lerneinheit nicht."))
    text = text.replace("\x00", "").strip()
    if len(text) > MAX_REFLECTION_LENGTH:
        raise LearningError(
            _("Ihre Antwort ist zu lang (höchstens %(max)s Zeichen).")
            % {"max": MAX_REFLECTION_LENGTH}
        )
    answer, _created = ReflectionAnswer.objects.update_or_create(
        user=user, lesson=lesson, block_id=block_id, defaults={"text": text}
    )
    return answer
