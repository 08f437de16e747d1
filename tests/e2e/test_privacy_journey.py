"""A participant looks at everything stored about them, downloads it, then deletes the account."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lms.accounts.models import User
from tests.a11y import assert_accessible
from tests.e2e.helpers import PASSWORD, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def test_see_download_and_delete_my_data(page: Page, live_site):
    person = UserFactory(email="loeschen@example.org", first_name="Mira", last_name="Quellenberg")
    log_in(page, live_site.url, person.email)

    page.goto(f"{live_site.url}/accounts/profile/")
    page.get_by_role("link", name="Meine Daten ansehen und herunterladen").click()
    expect(page.get_by_role("heading", name="Meine Daten", level=1)).to_be_visible()
    expect(page.get_by_text("loeschen@example.org").first).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Als JSON-Datei herunterladen").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["person"] == "loeschen@example.org"

    page.goto(f"{live_site.url}/accounts/profile/")
    page.get_by_role("link", name="Konto löschen").click()
    expect(page.get_by_role("heading", name="Konto löschen")).to_be_visible()
    assert_accessible(page)
    # Without ticking the box, and with a wrong password: nothing happens but a clear message.
    page.get_by_label("Ihr Passwort").fill("falsch")
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page.get_by_text("Das Passwort ist nicht richtig.")).to_be_visible()
    assert_accessible(page)
    assert User.objects.filter(pk=person.pk).exists()

    page.get_by_label("Ihr Passwort").fill(PASSWORD)
    page.get_by_label("Ich möchte mein Konto und meine Daten endgültig löschen.").check()
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page.get_by_role("heading", name="Ihr Konto wurde gelöscht")).to_be_visible()
    assert_accessible(page)
    assert not User.objects.filter(pk=person.pk).exists()
    # Signed out: the account area asks for a login again.
    page.goto(f"{live_site.url}/lernbereich/")
    expect(page).to_have_url(f"{live_site.url}/accounts/login/?next=/lernbereich/")
