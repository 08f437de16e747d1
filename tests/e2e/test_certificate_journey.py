import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from certificates.models import Certificate
from lms.accounts.roles import Role
from tests.a11y import assert_accessible
from tests.certificates.conftest import complete_course
from tests.conftest import run_background_tasks
from tests.e2e.helpers import log_in
from tests.factories import TeamFactory, UserFactory, build_course

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _certificates_root(settings, tmp_path):
    settings.CERTIFICATES_ROOT = tmp_path / "certificates"


def test_coordination_issues_participant_downloads_public_verifies(page: Page, live_site, browser):
    team = TeamFactory(name="Wohngruppe Nord", organisation__name="Jugendhilfe Innerstetal")
    graduate = UserFactory(
        team=team, first_name="Jana", last_name="Özdemir", email="jana@example.org"
    )
    UserFactory(roles=[Role.COORDINATOR], email="koordination@example.org")
    course = build_course(title="Fachkraft Leaving Care")
    complete_course(user=graduate, course=course)

    # Koordination issues from the list of completions without certificate.
    log_in(page, live_site.url, "koordination@example.org")
    page.goto(f"{live_site.url}/admin/zertifikate/ausstehend/")
    row = page.get_by_role("row").filter(has_text="Özdemir")
    row.get_by_role("button", name=re.compile("Zertifikat ausstellen")).click()
    expect(page.get_by_text("1 Zertifikat ausgestellt")).to_be_visible()
    run_background_tasks()
    certificate = Certificate.objects.get(user=graduate)
    assert certificate.status == Certificate.Status.ISSUED

    # The participant downloads it from "Meine Zertifikate".
    participant_context = browser.new_context(locale="de-DE")
    participant_page = participant_context.new_page()
    log_in(participant_page, live_site.url, "jana@example.org")
    participant_page.goto(f"{live_site.url}/zertifikate/")
    expect(participant_page.get_by_role("heading", name="Meine Zertifikate")).to_be_visible()
    assert_accessible(participant_page)
    with participant_page.expect_download() as download_info:
        participant_page.get_by_role("link", name=re.compile("PDF herunterladen")).click()
    download = download_info.value
    assert certificate.number in download.suggested_filename
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    participant_context.close()

    # Anyone with the certificate checks it, without logging in.
    visitor_context = browser.new_context(locale="de-DE")
    visitor = visitor_context.new_page()
    visitor.goto(f"{live_site.url}/verify/{certificate.verification_code}/")
    expect(visitor.get_by_text("Gültig", exact=True)).to_be_visible()
    expect(visitor.get_by_text("Jana Özdemir")).to_be_visible()
    assert_accessible(visitor)
    visitor.goto(f"{live_site.url}/verify/{'x' * 32}/")
    expect(visitor.get_by_role("heading", level=1)).to_be_visible()
    visitor_context.close()
