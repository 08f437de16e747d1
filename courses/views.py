from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .access import active_enrollment, course_of
from .models import CoursePage, Enrollment, LessonPage, QuizAttempt, ReflectionAnswer
from .progress import course_progress, progress_for_courses

# --- Page contexts (called from the pages' get_context) ----------------------------------


def course_page_context(*, request: HttpRequest, course: CoursePage) -> dict:
    enrollment = active_enrollment(user=request.user, course=course)
    context = {"enrollment": enrollment, "modules": course.get_modules()}
    if enrollment:
        progress = course_progress(user=request.user, course=course)
        context.update(progress=progress, missing=progress.missing())
    return context


def module_page_context(*, request: HttpRequest, module) -> dict:
    course = getattr(request, "lms_course", None) or course_of(module)
    progress = course_progress(user=request.user, course=course)
    return {
        "course": course,
        "progress": progress,
        "module_state": progress.module_state_for(module.pk),
        "enrollment": getattr(request, "lms_enrollment", None),
    }


def lesson_page_context(*, request: HttpRequest, lesson: LessonPage) -> dict:
    course = getattr(request, "lms_course", None) or course_of(lesson)
    progress = course_progress(user=request.user, course=course)
    lessons = progress.lessons
    position = next((i for i, state in enumerate(lessons) if state.lesson.pk == lesson.pk), None)
    module_state = next(
        (state for state in progress.modules if lesson.path.startswith(state.module.path)), None
    )
    has_checks = any(block.block_type == "knowledge_check" for block in lesson.body)
    has_reflections = any(block.block_type == "reflection" for block in lesson.body)
    attempts = _latest_attempts(user=request.user, lesson=lesson) if has_checks else {}
    shown_attempt = _attempt_to_show(request=request, lesson=lesson) if has_checks else None
    return {
        "course": course,
        "progress": progress,
        "module_state": module_state,
        "enrollment": getattr(request, "lms_enrollment", None),
        "is_done": position is not None and lessons[position].done,
        "previous_lesson": lessons[position - 1].lesson if position else None,
        "next_lesson": lessons[position + 1].lesson
        if position is not None and position + 1 < len(lessons)
        else None,
        "latest_attempts": attempts,
        "shown_attempt": shown_attempt,
        "reflection_answers": {
            answer.block_id: answer
            for answer in ReflectionAnswer.objects.filter(user=request.user, lesson=lesson)
        }
        if has_reflections
        else {},
    }


def _latest_attempts(*, user, lesson) -> dict[str, QuizAttempt]:
    latest: dict[str, QuizAttempt] = {}
    for attempt in QuizAttempt.objects.filter(user=user, lesson=lesson).order_by("submitted_at"):
        if attempt.passed or attempt.block_id not in latest or not latest[attempt.block_id].passed:
            latest[attempt.block_id] = attempt
    return latest


def _attempt_to_show(*, request, lesson) -> QuizAttempt | None:
    """The attempt just submitted (PRG); another person's attempt id simply shows nothing."""
    attempt_id = request.GET.get("versuch", "")
    if not attempt_id.isdigit():
        return None
    return QuizAttempt.objects.filter(pk=attempt_id, user=request.user, lesson=lesson).first()


# --- Actions -----------------------------------------------------------------------------


def _live_page(model, pk):
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
    enrollments = list(
        Enrollment.objects.active()
        .filter(user=request.user, course__live=True)
        .select_related("course")
        .order_by("-enrolled_at")
    )
    courses = [enrollment.course for enrollment in enrollments]
    progress = progress_for_courses(user=request.user, courses=courses)
    items = [
        {"enrollment": enrollment, "course": course, "progress": progress[course.pk]}
        for enrollment, course in zip(enrollments, courses, strict=True)
    ]
    return render(request, "courses/dashboard.html", {"items": items})


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
    query = request.GET.get("q", "").strip()[:200]
    results = None
    if query:
        results = Paginator(LessonPage.objects.live().search(query), 20).get_page(
            request.GET.get("seite")
        )
    return render(request, "courses/search.html", {"query": query, "results": results})
