import pytest
from django.utils import timezone

from courses.models import Enrollment, LessonCompletion, LessonPage
from tests.factories import build_course


@pytest.fixture(autouse=True)
def _certificates_root(settings, tmp_path):
    """Stored PDFs go to a fresh folder per test (never into the project's var/)."""
    settings.CERTIFICATES_ROOT = tmp_path / "certificates"


@pytest.fixture
def course(home_page):
    return build_course(title="Fachkraft Leaving Care", modules=2, lessons_per_module=1)


def complete_course(*, user, course) -> Enrollment:
    """Record a finished course the quick way (the real flow is tested in tests/courses)."""
    enrollment, _created = Enrollment.objects.get_or_create(user=user, course=course)
    for lesson in LessonPage.objects.live().descendant_of(course):
        LessonCompletion.objects.get_or_create(user=user, lesson=lesson)
    enrollment.completed_at = timezone.now()
    enrollment.status = Enrollment.Status.COMPLETED
    enrollment.save()
    return enrollment


@pytest.fixture
def completed(participant, course):
    return complete_course(user=participant, course=course)
