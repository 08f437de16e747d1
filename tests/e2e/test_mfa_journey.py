"""A coordinator's first sign-in: set up the authenticator app, then work; sessions overview."""

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from lms.accounts.roles import Role
from tests.a11y import assert_accessible
from tests.e2e.helpers import PASSWORD, log_in
from tests.factories import UserFactory, current_totp_code

pytestmark = pytest.mark.e2e


def test_new_coordinator_sets_up_the_app_before_reaching_the_admin(page: Page, live_site):
    person = UserFactory(
        roles=[Role.COORDINATOR], email="neu.koordination@example.org", second_factor=False
    )
    page.goto(f"{live_site.url}/accounts/login/?next=/admin/")
    page.get_by_label("E-Mail").fill(person.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    # Straight to the set-up, with the reason; the admin stays closed until it is done.
    expect(page.get_by_role("heading", level=1)).to_have_text("Authenticator-App aktivieren")
    expect(page.get_by_text("Für Ihre Rolle ist die Zwei-Faktor-Authentifizierung")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_site.url}/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Authenticator-App aktivieren")

    # The secret is shown for typing into the app (as well as the QR code).
    secret = page.get_by_label("Authentifizierungsgeheimnis").input_value()
    page.get_by_label("Authentifizierungscode").fill("000000")
    page.get_by_role("button", name="Aktivieren").click()
    expect(page.get_by_text("Falscher Code")).to_be_visible()
    assert not Authenticator.objects.filter(user=person).exists()

    page.get_by_label("Authentifizierungscode").fill(current_totp_code(secret))
    page.get_by_role("button", name="Aktivieren").click()
    # Recovery codes come with it, for a lost phone.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wiederherstellungscodes")
    assert_accessible(page)
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()

    page.goto(f"{live_site.url}/admin/")
    expect(page.get_by_role("button", name="Auswertungen")).to_be_visible()


def test_participant_sees_and_ends_other_sessions(page: Page, browser, live_site):
    person = UserFactory(email="geraete@example.org")
    phone = browser.new_context(user_agent="Telefon-Browser/1.0 (Android)")
    phone_page = phone.new_page()
    log_in(phone_page, live_site.url, person.email)

    log_in(page, live_site.url, person.email)
    page.goto(f"{live_site.url}/accounts/profile/")
    page.get_by_role("link", name="Angemeldete Geräte").click()
    expect(page.get_by_text("Telefon-Browser/1.0")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Andere Sitzungen abmelden").click()
    expect(page.get_by_text("Telefon-Browser/1.0")).to_have_count(0)

    phone_page.goto(f"{live_site.url}/lernbereich/")
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    phone.close()
