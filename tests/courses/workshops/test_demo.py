import pytest

from courses.models import CoursePage, WorkshopDate, WorkshopRegistration
from courses.workshops.demo import create_demo_workshops

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_course(home_page, settings):
    from content.curriculum import load_curriculum
    from lms.accounts.demo import create_demo_accounts

    create_demo_accounts(password=settings.DEMO_PASSWORD)
    load_curriculum()
    return CoursePage.objects.get(slug="fachkraft-leaving-care")


def test_demo_dates_cover_every_case_and_load_twice(
    demo_course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        dates = create_demo_workshops()
        create_demo_workshops()
    assert WorkshopDate.objects.count() == 5
    kickoff, practice, nearly_full, full, online = (
        WorkshopDate.objects.with_counts().get(pk=d.pk) for d in dates
    )
    assert kickoff.is_over() and practice.is_over()
    assert nearly_full.registered_count == nearly_full.capacity - 1
    assert full.registered_count == full.capacity and full.waitlist_count == 2
    assert online.is_online and not online.is_over()
    recorded = WorkshopRegistration.objects.exclude(attendance="")
    assert set(recorded.values_list("attendance", flat=True)) == {"present", "absent", "excused"}
    participant = WorkshopRegistration.objects.get(
        date=practice, user__email="teilnehmende@example.org"
    )
    assert participant.attendance == "present"
