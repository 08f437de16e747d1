import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from courses import services as learning
from courses.models import Enrollment, LessonPage, WorkshopDate
from courses.workshops import services as workshops
from lms.accounts.roles import Role
from tests.a11y import assert_accessible
from tests.e2e.helpers import log_in
from tests.factories import UserFactory, build_course, workshop_date

pytestmark = pytest.mark.e2e
PASSWORD = "demo-lms-2026"


def test_register_mark_attendance_on_a_phone_and_complete_the_module(
    page: Page, browser: Browser, live_site
):
    course = build_course(modules=1, lessons_per_module=1, workshop_modules=(1,))
    module = course.get_modules().first()
    participant = UserFactory(email="jana@example.org", first_name="Jana", last_name="Özdemir")
    trainer = UserFactory(roles=[Role.TRAINER], email="rita@example.org", first_name="Rita")
    Enrollment.objects.create(user=participant, course=course)
    learning.complete_lesson(user=participant, lesson=LessonPage.objects.get())
    date = workshop_date(
        course=course,
        trainers=[trainer],
        starts_at=timezone.now() + timedelta(days=2),
        location="Jugendamt Hildesheim, Bischof-Janssen-Straße 31",
        room="Raum 2.14",
        capacity=12,
    )

    # The participant registers on the course page.
    log_in(page, live_site.url, participant.email)
    page.goto(f"{live_site.url}{course.url}")
    expect(page.get_by_role("heading", name="Präsenztermine")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"^Anmelden\W+Praxistag")).click()
    expect(page.get_by_text("Sie sind für „Praxistag Übergangsmodell“ angemeldet.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Praxistag Übergangsmodell").first.click()
    expect(page.get_by_text("Sie haben einen Platz.")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_site.url}{module.url}")
    expect(page.locator(".lc-status").first).to_have_text("begonnen")

    # The day has come: the trainer marks attendance on a phone.
    WorkshopDate.objects.filter(pk=date.pk).update(
        starts_at=timezone.now() - timedelta(minutes=15),
        ends_at=timezone.now() + timedelta(hours=5),
    )
    phone = browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="de-DE",
        timezone_id="Europe/Berlin",
    )
    trainer_page = phone.new_page()
    log_in(trainer_page, live_site.url, trainer.email)
    trainer_page.goto(f"{live_site.url}/termine/meine/")
    assert_accessible(trainer_page)
    trainer_page.get_by_role("link", name=re.compile(r"^Anwesenheit\W+Praxistag")).click()
    expect(trainer_page.get_by_role("heading", name="Anwesenheit", level=1)).to_be_visible()
    expect(trainer_page.get_by_role("group", name=re.compile("Jana Özdemir"))).to_be_visible()
    assert_accessible(trainer_page)
    assert trainer_page.evaluate("document.documentElement.scrollWidth") <= 360
    trainer_page.get_by_role("button", name="Alle anwesend").tap()
    expect(trainer_page.get_by_text("Anwesenheit gespeichert (1 Änderungen).")).to_be_visible()
    expect(trainer_page.get_by_label("anwesend", exact=True)).to_be_checked()
    expect(trainer_page.get_by_text("1 von 1 als anwesend gespeichert.")).to_be_visible()
    assert_accessible(trainer_page)
    phone.close()

    # The participant's module (and with it the course) is now complete.
    page.goto(f"{live_site.url}{module.url}")
    expect(page.locator(".lc-status").first).to_have_text("abgeschlossen")
    expect(page.get_by_text("besucht")).to_be_visible()
    assert Enrollment.objects.get(user=participant).completed_at is not None
    page.goto(f"{live_site.url}/lernbereich/")
    expect(page.get_by_role("heading", name="Meine Präsenztermine")).to_be_visible()
    assert_accessible(page)


# The visually hidden part of a link's name comes after a space in Chromium's computation.
STORNIEREN_JANA = re.compile(r"^Stornieren\W+Jana Özdemir")


def test_coordination_releases_a_place_and_the_next_person_moves_up(page: Page, live_site):
    course = build_course(modules=1, lessons_per_module=1, workshop_modules=(1,))
    ill = UserFactory(first_name="Jana", last_name="Özdemir")
    waiting = UserFactory(first_name="Kim", last_name="Albers")
    coordinator = UserFactory(roles=[Role.COORDINATOR], email="koordination@example.org")
    date = workshop_date(
        course=course,
        starts_at=timezone.now() + timedelta(days=2),
        location="Jugendamt Hildesheim, Bischof-Janssen-Straße 31",
        capacity=1,
    )
    for person in (ill, waiting):
        Enrollment.objects.create(user=person, course=course)
        workshops.register(user=person, date=date)

    log_in(page, live_site.url, coordinator.email)
    page.goto(f"{live_site.url}/termine/{date.pk}/anwesenheit/")
    assert_accessible(page)
    page.get_by_role("link", name=STORNIEREN_JANA).click()
    expect(page.get_by_role("heading", name="Anmeldung stornieren")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Anmeldung stornieren").click()  # without a reason
    expect(page.get_by_text("Bitte geben Sie einen Grund an.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Grund").fill("Krank gemeldet (Anruf am Morgen)")
    page.get_by_role("button", name="Anmeldung stornieren").click()
    expect(page.get_by_text("Die Anmeldung von Jana Özdemir ist storniert.")).to_be_visible()
    assert_accessible(page)
    # Kim moved up from the waiting list and is now on the list of people with a place.
    expect(page.get_by_role("link", name=re.compile(r"^Stornieren\W+Kim Albers"))).to_be_visible()
    expect(page.get_by_role("link", name=STORNIEREN_JANA)).to_have_count(0)
