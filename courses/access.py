"""Who may read module and lesson pages: enrolled participants and the staff roles."""

from django.contrib.auth.views import redirect_to_login
from django.template.response import TemplateResponse

from .models import CoursePage, Enrollment, LessonPage


def course_path_of(page) -> str:
    """Modules sit directly below a course and lessons below a module (enforced page types)."""
    levels_below_course = {"modulepage": 1, "lessonpage": 2}[page._meta.model_name]
    return page.path[: -page.steplen * levels_below_course]


def course_of(page) -> CoursePage:
    if isinstance(page, CoursePage):
        return page
    return CoursePage.objects.get(path=course_path_of(page))


def active_enrollment(*, user, course: CoursePage) -> Enrollment | None:
    if not user.is_authenticated:
        return None
    return Enrollment.objects.active().filter(user=user, course=course).first()


def can_read_course_content(*, user, enrollment: Enrollment | None) -> bool:
    return enrollment is not None or (user.is_authenticated and user.has_staff_role)


def serve_for_learners(page, request, serve, *args, **kwargs):
    """Serve a module or lesson page, or explain how to get access (never a bare 403)."""
    from .progress import course_id_for_path, course_outline, lesson_reader_state

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    # The course comes from the content cache. On a lesson, one query brings the enrolment
    # together with everything else the page shows of the person (see lesson_reader_state).
    course_id = course_id_for_path(course_path_of(page), request=request)
    if course_id is None:  # a tree Wagtail's page types rule out; no one can be enrolled
        enrollment, course = None, course_of(page)
    else:
        outline = course_outline(course_id, request=request)
        course = outline.course
        if isinstance(page, LessonPage):
            state = lesson_reader_state(user=request.user, outline=outline, lesson_id=page.pk)
            request.lms_reader_state = state
            enrollment = state.enrollment
        else:
            enrollment = (
                Enrollment.objects.active().filter(user=request.user, course=course).first()
            )
    if not can_read_course_content(user=request.user, enrollment=enrollment):
        return TemplateResponse(
            request,
            "courses/enrolment_required.html",
            {"page": page, "course": course},
            status=403,
        )
    # Saved for get_context(), so the page does not look both up again.
    request.lms_course = course
    request.lms_enrollment = enrollment
    return serve(request, *args, **kwargs)
