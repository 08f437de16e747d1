import io

import pytest
from django.core import mail
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from courses import services
from lms.accounts.roles import Role
from tests.a11y import assert_accessible
from tests.e2e.helpers import log_in
from tests.factories import TeamFactory, UserFactory, build_course

pytestmark = pytest.mark.e2e
ADMIN_CONTENT = "main"


def test_provider_coordinator_filters_exports_opens_a_person_and_reminds(page: Page, live_site):
    course = build_course(modules=1, lessons_per_module=2)
    own_team = TeamFactory(name="Wohngruppe Nord", organisation__name="Jugendhilfe Innerstetal")
    other_team = TeamFactory(name="Bezirk 2", organisation__name="Jugendamt")
    UserFactory(email="traeger@example.org", team=own_team, roles=[Role.PROVIDER_COORDINATOR])
    mia = UserFactory(team=own_team, first_name="Mia", last_name="Mustermann")
    paul = UserFactory(team=own_team, first_name="Paul", last_name="Peters")
    other = UserFactory(team=other_team, first_name="Olga", last_name="Andere")
    for person in (mia, paul, other):
        services.enrol(user=person, course=course)

    log_in(page, live_site.url, "traeger@example.org")
    page.goto(f"{live_site.url}/admin/auswertungen/teilnahme/")
    expect(page.get_by_role("link", name="Mia Mustermann")).to_be_visible()
    expect(page.get_by_text("Olga Andere")).to_have_count(0)
    assert_accessible(page, within=ADMIN_CONTENT)

    page.goto(f"{live_site.url}/admin/auswertungen/teilnahme/?q=Mustermann")
    expect(page.get_by_role("link", name="Paul Peters")).to_have_count(0)
    # Signed in a moment ago: the export needs no further password confirmation
    # (tests/courses/coordination/test_reports.py covers the confirmation itself).
    export = page.request.get(
        f"{live_site.url}/admin/auswertungen/teilnahme/?q=Mustermann&export=xlsx"
    )
    assert export.ok
    sheet = load_workbook(io.BytesIO(export.body())).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert names == ["Mustermann"]

    page.goto(f"{live_site.url}/admin/auswertungen/teilnahme/")
    page.get_by_role("link", name="Mia Mustermann").click()
    expect(page.get_by_text("0 von 2 Lerneinheiten")).to_be_visible()
    assert_accessible(page, within=ADMIN_CONTENT)
    page.get_by_role("button", name="Erinnerung schicken").click()
    expect(page.get_by_text("Erinnerung an")).to_be_visible()

    from tests.conftest import run_background_tasks

    run_background_tasks()
    assert any(message.to == [mia.email] for message in mail.outbox)
