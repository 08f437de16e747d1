import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.a11y import assert_accessible
from tests.factories import TeamFactory

pytestmark = pytest.mark.e2e


def test_sign_up_verify_log_in_and_out(page: Page, live_site):
    team = TeamFactory(name="Bezirk 3", organisation__name="Jugendamt Hildesheim")
    page.goto(f"{live_site.url}/accounts/signup/")
    assert_accessible(page)

    page.get_by_label("Vorname").fill("Jana")
    page.get_by_label("Nachname").fill("Özdemir")
    page.get_by_label("Organisation").select_option(label="Jugendamt Hildesheim")
    page.get_by_label("Team / Bezirk").select_option(label="Bezirk 3")
    page.get_by_label("E-Mail").fill("jana@example.org")
    page.get_by_label("Passwort", exact=True).fill("Leinebergland-2026")
    page.get_by_label("Passwort (Wiederholung)").fill("Leinebergland-2026")
    page.get_by_role("button", name="Registrieren").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("E-Mail")
    assert_accessible(page)
    link = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body)[1]

    page.goto(f"{live_site.url}{link}")
    assert_accessible(page)
    page.get_by_role("button", name="Bestätigen").click()

    page.goto(f"{live_site.url}/accounts/login/")
    assert_accessible(page)
    page.get_by_label("E-Mail").fill("jana@example.org")
    page.get_by_label("Passwort").fill("Leinebergland-2026")
    page.get_by_role("button", name="Anmelden").click()

    expect(page.get_by_text("Angemeldet als Jana Özdemir")).to_be_visible()
    assert_accessible(page)
    assert team.members.filter(email="jana@example.org").exists()

    page.get_by_role("button", name="Abmelden").first.click()
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()


def test_layout_works_at_360_px(page: Page, live_site):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_site.url}/accounts/login/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Zum Inhalt springen")).to_be_focused()
    assert_accessible(page)
