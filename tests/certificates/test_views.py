"""Verification page, JSON, "Meine Zertifikate" and downloads, from every role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import ModelLogEntry

from certificates import rendering, services
from certificates.models import Certificate
from lms.accounts.roles import Role
from tests.factories import TeamFactory, UserFactory

# The real worker (run_tasks) needs real transactions on PostgreSQL (see test_services.py).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def issued(completed, coordinator, run_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.issue_certificate(enrollment=completed, issued_by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED
    return certificate


def verify_url(certificate, suffix="/"):
    return f"/verify/{certificate.verification_code}{suffix}"


def test_verification_page_shows_only_the_public_facts(client, issued):
    response = client.get(verify_url(issued))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Gültig" in content
    assert issued.holder_name in content
    assert "Fachkraft Leaving Care" in content
    assert "Jugendamt Stadt und Landkreis Hildesheim" in content
    assert issued.user.email not in content
    assert issued.number not in content
    assert 'name="robots" content="noindex' in content
    assert response["X-Robots-Tag"].startswith("noindex")


def test_verification_json_has_the_same_facts(client, issued):
    response = client.get(verify_url(issued, ".json"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "issued",
        "status_label": "ausgestellt",
        "valid": True,
        "holder_name": issued.holder_name,
        "course_title": "Fachkraft Leaving Care",
        "issued_on": issued.snapshot["issued_on"],
        "issuer": "Jugendamt Stadt und Landkreis Hildesheim",
    }
    assert response["X-Robots-Tag"].startswith("noindex")


def test_revoked_certificate_shows_revoked_at_once(client, issued, coordinator):
    services.revoke_certificate(certificate=issued, revoked_by=coordinator, reason="Irrtum")
    content = client.get(verify_url(issued)).content.decode()
    assert "Widerrufen" in content
    assert "Irrtum" not in content  # the reason is internal
    assert client.get(verify_url(issued, ".json")).json()["status"] == "revoked"


def test_replaced_certificate_says_so_and_links_nothing_private(
    client, issued, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = services.reissue_certificate(
            certificate=issued, issued_by=coordinator, reason="Namensänderung"
        )
    content = client.get(verify_url(issued)).content.decode()
    assert "Ersetzt" in content
    assert new.verification_code not in content
    assert new.number not in content
    assert "Namensänderung" not in content
    assert client.get(verify_url(issued, ".json")).json()["valid"] is False


def test_unknown_and_unrendered_codes_are_a_plain_404(
    client, completed, coordinator, django_capture_on_commit_callbacks
):
    assert client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/").status_code == 404
    assert client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.json").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        pending = services.issue_certificate(enrollment=completed, issued_by=coordinator)
    assert client.get(verify_url(pending)).status_code == 404


def test_verification_is_rate_limited(client, issued, settings):
    settings.CERTIFICATE_VERIFY_RATE = (3, 60)
    codes = [client.get(verify_url(issued)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get(verify_url(issued, ".json")).status_code == 429


# --- Downloads -----------------------------------------------------------------------------


def download(client, certificate):
    return client.get(reverse("certificate_download", args=[certificate.pk]))


def test_holder_downloads_the_stored_file(client, issued, monkeypatch):
    monkeypatch.setattr(rendering, "render_pdf", lambda snapshot: pytest.fail("re-rendered"))
    client.force_login(issued.user)
    response = download(client, issued)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    issued.pdf.open("rb")
    assert body == issued.pdf.read()
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert issued.number in disposition
    assert "Zertifikat" in disposition
    # The holder's own downloads are not audit-logged.
    assert not ModelLogEntry.objects.filter(action="certificates.download").exists()


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("anonymous", False),
        ("other_participant", False),
        ("trainer", False),
        ("provider_coordinator_same_org", True),
        ("provider_coordinator_other_org", False),
        ("coordinator", True),
        ("superuser", True),
    ],
)
def test_download_permissions_for_every_role(
    client, issued, who, allowed, provider_coordinator, coordinator, superuser, trainer
):
    people = {
        "other_participant": UserFactory(),
        "trainer": trainer,
        "provider_coordinator_same_org": provider_coordinator,
        "provider_coordinator_other_org": UserFactory(
            roles=[Role.PROVIDER_COORDINATOR], team=TeamFactory()
        ),
        "coordinator": coordinator,
        "superuser": superuser,
    }
    if who in people:
        client.force_login(people[who])
    response = download(client, issued)
    if who == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if allowed else 404)
    if allowed:
        assert ModelLogEntry.objects.filter(
            action="certificates.download", user=people[who]
        ).exists()


def test_holder_cannot_download_a_revoked_certificate_but_coordination_can(
    client, issued, coordinator
):
    services.revoke_certificate(certificate=issued, revoked_by=coordinator, reason="Irrtum")
    client.force_login(issued.user)
    assert download(client, issued).status_code == 404
    client.force_login(coordinator)
    assert download(client, issued).status_code == 200


def test_my_certificates_lists_own_certificates_only(client, issued):
    other = UserFactory()
    client.force_login(other)
    assert issued.number not in client.get(reverse("my_certificates")).content.decode()
    client.force_login(issued.user)
    response = client.get(reverse("my_certificates"))
    content = response.content.decode()
    assert issued.number in content
    assert reverse("certificate_download", args=[issued.pk]) in content


def test_dashboard_shows_the_certificate(client, issued):
    client.force_login(issued.user)
    content = client.get(reverse("learner_dashboard")).content.decode()
    assert "Meine Zertifikate" in content
    assert issued.number in content


@pytest.mark.parametrize("url_name", ["my_certificates", "learner_dashboard"])
def test_holder_sees_which_certificate_replaced_the_old_one(
    client, issued, coordinator, url_name, django_capture_on_commit_callbacks
):
    client.force_login(issued.user)
    client.get(reverse(url_name))
    with CaptureQueriesContext(connection) as one_certificate:
        client.get(reverse(url_name))
    queries_with_one = len(one_certificate)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.reissue_certificate(
            certificate=issued, issued_by=coordinator, reason="Namensänderung"
        )
    client.force_login(issued.user)
    client.get(reverse(url_name))  # warm the content cache
    with CaptureQueriesContext(connection) as two_certificates:
        content = client.get(reverse(url_name)).content.decode()
    assert len(two_certificates) == queries_with_one  # no deferred column loaded per row
    assert f"durch {new.number}" in content
    assert content.count(new.number) >= 2  # its own row, and named in the replaced one's
