"""Demo data: a default template and a graduate who holds a real, rendered certificate."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from courses.models import CoursePage, Enrollment, LessonCompletion, LessonPage
from lms.accounts.demo import ensure_demo_person

from . import services
from .models import Certificate, CertificateTemplate

GRADUATE_EMAIL = "absolventin@example.org"
GRADUATE = {
    "first_name": "Lena",
    "last_name": "Neumann",
    "organisation_name": "Jugendhilfe Innerstetal gGmbH (Demo)",
    "team_name": "Verselbstständigungsgruppe",
}
COURSE_SLUG = "fachkraft-leaving-care"
DEFAULT_TEMPLATE = {
    "name": "Fachkraft Leaving Care – Zertifikat",
    "heading": CertificateTemplate.Heading.CERTIFICATE,
    "issuer": "Jugendamt Stadt und Landkreis Hildesheim",
    "place": "Hildesheim",
    "signatory_name": "Kim Hoffmann",
    "signatory_function": "Koordination der Fortbildungsreihe, Erziehungshilfe",
    "accent_colour": "#2044AA",
    "orientation": CertificateTemplate.Orientation.LANDSCAPE,
}


def ensure_default_template(course: CoursePage) -> CertificateTemplate:
    template = CertificateTemplate.objects.filter(course=course).first()
    if template is None:
        template = CertificateTemplate.objects.create(course=course, **DEFAULT_TEMPLATE)
        template.save_revision(log_action=False)
    return template


@transaction.atomic
def _complete_course(*, user, course: CoursePage, enrolled_by) -> Enrollment:
    enrollment, _created = Enrollment.objects.get_or_create(
        user=user, course=course, defaults={"enrolled_by": enrolled_by}
    )
    lessons = LessonPage.objects.live().descendant_of(course)
    for lesson in lessons:
        LessonCompletion.objects.get_or_create(user=user, lesson=lesson)
    if enrollment.completed_at is None or enrollment.status != Enrollment.Status.COMPLETED:
        # Modules 2 and 3 need workshop attendance, which the demo cannot record yet, so the
        # completion is set directly instead of through courses.services.
        enrollment.completed_at = enrollment.completed_at or timezone.now()
        enrollment.status = Enrollment.Status.COMPLETED
        enrollment.save(update_fields=["completed_at", "status"])
    return enrollment


def create_demo_certificates(*, issued_by) -> Certificate:
    """Idempotent: the graduate, her completed course, and her issued certificate with PDF."""
    course = CoursePage.objects.get(slug=COURSE_SLUG)
    ensure_default_template(course)
    graduate = ensure_demo_person(email=GRADUATE_EMAIL, password=settings.DEMO_PASSWORD, **GRADUATE)
    enrollment = _complete_course(user=graduate, course=course, enrolled_by=issued_by)
    certificate = services.issue_certificate(enrollment=enrollment, issued_by=issued_by)
    if not certificate.pdf:
        # Rendered here rather than by the worker, so the demo shows a finished certificate
        # even before `make run` starts the worker (the queued task then finds it done).
        services.render_certificate(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    return certificate
