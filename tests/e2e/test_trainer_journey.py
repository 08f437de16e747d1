import pytest
from playwright.sync_api import Page, expect

from content.curriculum import grant_trainer_permissions
from courses.models import CourseIndexPage, LessonPage
from lms.accounts.roles import Role
from tests.a11y import assert_accessible
from tests.e2e.helpers import log_in
from tests.factories import UserFactory, build_course

pytestmark = pytest.mark.e2e


def test_trainer_edits_a_lesson_and_sees_it_after_publishing(page: Page, live_site):
    course = build_course(modules=1, lessons_per_module=1)
    grant_trainer_permissions(CourseIndexPage.objects.get())
    lesson = LessonPage.objects.descendant_of(course).get()
    UserFactory(email="referentin@example.org", roles=[Role.TRAINER])
    log_in(page, live_site.url, "referentin@example.org")

    page.goto(f"{live_site.url}/admin/pages/{lesson.pk}/edit/")
    page.locator("#id_title").fill("Lerneinheit 1.1 – überarbeitet")
    page.locator("button.dropdown-toggle, [data-w-dropdown-target='toggle']").last.click()
    page.get_by_role("button", name="Veröffentlichen").click()
    expect(page.get_by_text("veröffentlicht", exact=False).first).to_be_visible()

    page.goto(f"{live_site.url}{lesson.url}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lerneinheit 1.1 – überarbeitet")
    assert_accessible(page)


def test_trainer_has_no_access_to_users_or_settings(page: Page, live_site):
    build_course(modules=1, lessons_per_module=1)
    grant_trainer_permissions(CourseIndexPage.objects.get())
    UserFactory(email="referent@example.org", roles=[Role.TRAINER])
    log_in(page, live_site.url, "referent@example.org")
    for path in ["/admin/users/", "/admin/groups/", "/admin/sites/"]:
        page.goto(f"{live_site.url}{path}")
        assert not page.url.endswith(path), page.url  # redirected away
        expect(page.get_by_text("keinen Zugang zu diesem Bereich")).to_be_visible()
