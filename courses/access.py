"""Who may read module and lesson pages: enrolled participants and the staff roles."""

from django.contrib.auth.views import redirect_to_login
from django.template.response import TemplateResponse

from .models import CoursePage, Enrollment


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
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    # One query for enrolment and course together; the course alone only when not enrolled.
    enrollment = (
        Enrollment.objects.active()
        .select_related("course")
        .filter(user=request.user, course__path=course_path_of(page))
        .first()
    )
    course = enrollment.course if enrollment else course_of(page)
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
