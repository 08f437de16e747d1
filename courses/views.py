from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from content import page_cache

from . import services
from .access import active_enrollment, course_of
from .models import CoursePage, Enrollment, LessonPage, QuizAttempt, ReflectionAnswer
from .progress import (
    course_outline,
    course_progress,
    learner_courses,
    lesson_reader_state,
    outline_progress,
)

# --- Page contexts (called from the pages' get_context) ----------------------------------
#
# Everything that is the same for every reader (the course outline, page addresses, rendered
# lesson blocks) comes from the content cache (content/page_cache.py); what belongs to the
# person (enrolment, completions, check results, notes) is read on every request.

# Lesson blocks whose output depends on the reader; all others are rendered once per version.
INTERACTIVE_BLOCKS = frozenset({"knowledge_check", "reflection"})


@dataclass(frozen=True)
class BodySegment:
    """A run of non-interactive blocks as HTML, or one interactive block."""

    html: str = ""
    block: Any = None


def lesson_body(*, request: HttpRequest, lesson: LessonPage) -> tuple[BodySegment, ...]:
    """The lesson's blocks, the non-interactive ones rendered once per content version and
    language (with no person in their context: block templates can't show personal data)."""

    def build():
        segments, static = [], []
        for block in lesson.body:
            if block.block_type in INTERACTIVE_BLOCKS:
                if static:
                    segments.append(BodySegment(html=mark_safe("".join(static))))
                    static = []
                segments.append(BodySegment(block=block))
            else:
                static.append(block.render(context={"page": lesson}))
        if static:
            segments.append(BodySegment(html=mark_safe("".join(static))))
        return tuple(segments)

    if not page_cache.shareable(request, lesson):  # a preview (a draft) or an unrouted copy
        return build()
    return page_cache.cached(("lesson-body", lesson.pk), build, request=request)


def _enrollment_for(request: HttpRequest, course: CoursePage) -> Enrollment | None:
    """The reader's active enrolment: found by serve_for_learners, or looked up here."""
    if hasattr(request, "lms_enrollment"):
        return request.lms_enrollment
    return active_enrollment(user=request.user, course=course)


def course_page_context(*, request: HttpRequest, course: CoursePage) -> dict:
    outline = course_outline(course.pk, request=request)
    enrollment = _enrollment_for(request, course)
    context = {"enrollment": enrollment, "modules": outline.modules, "outline": outline}
    if enrollment:
        progress = course_progress(user=request.user, course=course, request=request)
        context.update(progress=progress, missing=progress.missing())
    return context


def module_page_context(*, request: HttpRequest, module) -> dict:
    course = getattr(request, "lms_course", None) or course_of(module)
    progress = course_progress(user=request.user, course=course, request=request)
    return {
        "course": progress.course,
        "progress": progress,
        "module_state": progress.module_state_for(module.pk),
        "enrollment": getattr(request, "lms_enrollment", None),
    }


def lesson_page_context(*, request: HttpRequest, lesson: LessonPage) -> dict:
    course = getattr(request, "lms_course", None) or course_of(lesson)
    outline = course_outline(course.pk, request=request)
    state = getattr(request, "lms_reader_state", None)
    if state is None:  # not served through serve_for_learners (e.g. a preview)
        state = lesson_reader_state(user=request.user, outline=outline, lesson_id=lesson.pk)
    # The lesson page shows no workshop attendance: progress without it, no extra query.
    progress = outline_progress(outline, state.done_ids)
    lessons = progress.lessons
    position = next((i for i, s in enumerate(lessons) if s.lesson.pk == lesson.pk), None)
    module_state = next(
        (module for module in progress.modules if lesson.path.startswith(module.module.path)),
        None,
    )
    body = lesson_body(request=request, lesson=lesson)
    has_checks = any(
        segment.block is not None and segment.block.block_type == "knowledge_check"
        for segment in body
    )
    shown_attempt = _attempt_to_show(request=request, lesson=lesson) if has_checks else None
    return {
        "course": outline.course,
        "module_state": module_state,
        "enrollment": getattr(request, "lms_enrollment", state.enrollment),
        "body": body,
        "is_done": lesson.pk in state.done_ids,
        "previous_lesson": lessons[position - 1].lesson if position else None,
        "next_lesson": lessons[position + 1].lesson
        if position is not None and position + 1 < len(lessons)
        else None,
        "latest_attempts": state.latest_attempts,
        "shown_attempt": shown_attempt,
        # Notes are personal text: loaded only when the person wrote one here.
        "reflection_answers": {
            answer.block_id: answer
            for answer in ReflectionAnswer.objects.filter(user=request.user, lesson=lesson)
        }
        if state.answered_blocks
        else {},
    }


def _attempt_to_show(*, request, lesson) -> QuizAttempt | None:
    """The attempt just submitted (PRG); another person's attempt id simply shows nothing."""
    attempt_id = request.GET.get("versuch", "")
    if not attempt_id.isdigit():
        return None
    return QuizAttempt.objects.filter(pk=attempt_id, user=request.user, lesson=lesson).first()


# --- Actions -----------------------------------------------------------------------------


MAX_ID = 2**63 - 1  # larger ids can't exist (and SQLite can't even compare them)


def _live_page(model, pk):
    if pk > MAX_ID:
        raise Http404
    return get_object_or_404(model.objects.live(), pk=pk)


@login_required
@require_POST
def enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _live_page(CoursePage, course_id)
    try:
        services.enrol(user=request.user, course=course)
    except services.LearningError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Sie sind jetzt in „%(course)s“ eingeschrieben.") % {"course": course.title}
        )
    return redirect(course.url)


@login_required
@require_POST
def withdraw(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _live_page(CoursePage, course_id)
    try:
        services.withdraw(user=request.user, course=course)
    except services.LearningError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Sie haben sich abgemeldet. Ihr Fortschritt bleibt gespeichert, "
                "falls Sie zurückkehren."
            ),
        )
    return redirect(course.url)


@login_required
@require_POST
def complete_lesson(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = _live_page(LessonPage, lesson_id)
    try:
        services.complete_lesson(user=request.user, lesson=lesson)
    except services.LearningError as error:
        messages.error(request, str(error))
        return redirect(lesson.url)
    messages.success(request, _("Lerneinheit als erledigt markiert."))
    next_state = course_progress(user=request.user, course=course_of(lesson)).next_lesson
    return redirect(next_state.url if next_state else lesson.url)


@login_required
@require_POST
def submit_check(request: HttpRequest, lesson_id: int, block_id: str) -> HttpResponse:
    lesson = _live_page(LessonPage, lesson_id)
    answers = {key: request.POST.getlist(key) for key in request.POST if key.startswith("q")}
    try:
        attempt = services.submit_knowledge_check(
            user=request.user, lesson=lesson, block_id=block_id, answers=answers
        )
    except services.LearningError as error:
        messages.error(request, str(error))
        return redirect(f"{lesson.url}#check-{block_id}")
    return redirect(f"{lesson.url}?versuch={attempt.pk}#check-{block_id}")


@login_required
@require_POST
def save_reflection(request: HttpRequest, lesson_id: int, block_id: str) -> HttpResponse:
    lesson = _live_page(LessonPage, lesson_id)
    try:
        services.save_reflection(
            user=request.user, lesson=lesson, block_id=block_id, text=request.POST.get("text", "")
        )
    except services.LearningError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Ihre Notiz wurde gespeichert. Nur Sie können sie lesen."))
    return redirect(f"{lesson.url}#reflection-{block_id}")


# --- The learner's own pages -------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    # One query for the enrolments and completions; courses, their lessons and addresses come
    # from the content cache. Nothing here shows workshop attendance, so it isn't looked up.
    mine = learner_courses(user=request.user)
    items = []
    for enrollment in mine.enrollments:
        outline = course_outline(enrollment.course_id, request=request)
        if not outline.course.live:
            continue
        enrollment.course = outline.course
        items.append(
            {
                "enrollment": enrollment,
                "course": outline.course,
                "progress": outline_progress(outline, mine.done_ids),
            }
        )
    context = {"items": items, "upcoming_registrations": mine.upcoming_registrations}
    return render(request, "courses/dashboard.html", context)


@login_required
def notes(request: HttpRequest) -> HttpResponse:
    """ "Meine Notizen": every reflection answer of the person, with its question, printable."""
    answers = list(
        ReflectionAnswer.objects.filter(user=request.user)
        .select_related("lesson")
        .order_by("lesson__path")
    )
    lessons = {answer.lesson_id: answer.lesson for answer in answers}
    prompts = {}
    for lesson in lessons.values():
        for block in lesson.body:
            if block.block_type == "reflection":
                prompts[(lesson.pk, block.id)] = block.value["prompt"]
    rows = [
        {
            "answer": answer,
            "lesson": answer.lesson,
            "prompt": prompts.get((answer.lesson_id, answer.block_id), ""),
        }
        for answer in answers
    ]
    return render(request, "courses/notes.html", {"rows": rows})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    # NUL can't reach the database (PostgreSQL refuses it); double quotes are query syntax for
    # SQLite's full-text search, and the search box offers no phrase syntax: words only.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    terms = query.replace('"', " ").strip()
    results = None
    if terms:
        results = Paginator(LessonPage.objects.live().search(terms), 20).get_page(
            request.GET.get("seite")
        )
    return render(request, "courses/search.html", {"query": query, "results": results})
