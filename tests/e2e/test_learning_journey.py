import pytest
from playwright.sync_api import Page, expect

from courses.models import Enrollment, LessonCompletion
from tests.a11y import assert_accessible
from tests.e2e.helpers import log_in
from tests.factories import UserFactory, build_course

pytestmark = pytest.mark.e2e


def test_participant_enrols_fails_and_passes_a_check_and_sees_progress(page: Page, live_site):
    course = build_course(
        title="Fachkraft Leaving Care",
        modules=2,
        lessons_per_module=1,
        with_check=True,
        with_reflection=True,
    )
    person = UserFactory(email="lerner@example.org", first_name="Lea", last_name="Lernt")
    log_in(page, live_site.url, "lerner@example.org")

    page.goto(f"{live_site.url}{course.url}")
    assert_accessible(page)
    page.get_by_role("button", name="Jetzt einschreiben").click()
    expect(
        page.get_by_text("Sie sind jetzt in „Fachkraft Leaving Care“ eingeschrieben.")
    ).to_be_visible()
    expect(page.locator("progress")).to_have_attribute("value", "0")
    expect(page.get_by_text("Modul 1, Lerneinheit 1")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Mit der ersten Lerneinheit beginnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lerneinheit 1.1")
    assert_accessible(page)

    # A wrong answer first: the check says so and shows the right answers with explanations.
    page.get_by_label("ab 16").check()
    page.get_by_label("Beratung").check()
    page.get_by_role("button", name="Antworten prüfen").click()
    expect(page.get_by_text("Noch nicht bestanden")).to_be_visible()
    expect(page.get_by_text("Hilfe für junge Volljährige ab 18.")).to_be_visible()
    assert_accessible(page)
    assert not LessonCompletion.objects.exists()

    page.get_by_role("link", name="Neuer Versuch").click()
    page.get_by_label("ab 18").check()
    page.get_by_label("Beratung").check()
    page.get_by_label("Unterstützung").check()
    page.get_by_role("button", name="Antworten prüfen").click()
    expect(page.get_by_text("Bestanden: 100 % richtig.")).to_be_visible()
    expect(page.get_by_text("Diese Lerneinheit ist erledigt.")).to_be_visible()

    page.get_by_label("Ihre Notiz").fill("Übergänge früher planen.")
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.get_by_text("Ihre Notiz wurde gespeichert.")).to_be_visible()

    page.goto(f"{live_site.url}{course.url}")
    expect(page.locator("progress")).to_have_attribute("value", "1")
    expect(page.get_by_text("Modul 1, Lerneinheit 1")).to_have_count(0)
    expect(page.get_by_text("Modul 2, Lerneinheit 1")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Mein Lernbereich").click()
    expect(page.get_by_role("link", name="Weiter, wo Sie aufgehört haben")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Weiter, wo Sie aufgehört haben").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lerneinheit 2.1")

    page.get_by_role("link", name="Meine Notizen").click()
    expect(page.get_by_text("Übergänge früher planen.")).to_be_visible()
    assert_accessible(page)
    assert Enrollment.objects.get(user=person).completed_at is None


def test_lesson_works_with_keyboard_at_360_px(page: Page, live_site):
    course = build_course(modules=1, lessons_per_module=2)
    UserFactory(email="mobil@example.org")
    page.set_viewport_size({"width": 360, "height": 760})
    log_in(page, live_site.url, "mobil@example.org")
    page.goto(f"{live_site.url}{course.url}")
    page.get_by_role("button", name="Jetzt einschreiben").focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Mit der ersten Lerneinheit beginnen").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lerneinheit 1.1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Als erledigt markieren").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lerneinheit 1.2")
    assert_accessible(page)
