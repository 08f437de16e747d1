"""The "Zertifikate" area of the Wagtail admin, from every role."""

import io
import zipfile

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from certificates import services
from certificates.models import Certificate, CertificateTemplate
from tests.certificates.conftest import complete_course
from tests.factories import TeamFactory, UserFactory

# The real worker (run_tasks) needs real transactions on PostgreSQL (see test_services.py).
pytestmark = pytest.mark.django_db(transaction=True)

ELIGIBLE = "/admin/zertifikate/ausstehend/"
CERTIFICATES = "/admin/zertifikate/liste/"
TEMPLATES = "/admin/zertifikate/vorlagen/"


@pytest.fixture
def other_completed(course):
    return complete_course(user=UserFactory(team=TeamFactory()), course=course)


def admin_menu_labels(client) -> str:
    return client.get("/admin/").content.decode()


@pytest.mark.parametrize(
    "fixture, sees_menu",
    [
        ("trainer", False),
        ("coordinator", True),
        ("provider_coordinator", True),
        ("superuser", True),
    ],
)
def test_menu_item_zertifikate_only_for_coordination(client, request, fixture, sees_menu):
    client.force_login(request.getfixturevalue(fixture))
    content = admin_menu_labels(client)
    assert ('"Zertifikate"' in content or "Zertifikate" in content) is sees_menu
    status = client.get(ELIGIBLE).status_code
    assert (status == 200) is sees_menu


def test_participant_has_no_admin_access(participant_client):
    assert participant_client.get(ELIGIBLE).status_code in (302, 403)


def test_eligible_list_is_scoped_by_organisation(
    client, completed, other_completed, provider_coordinator, coordinator
):
    client.force_login(provider_coordinator)
    content = client.get(ELIGIBLE).content.decode()
    assert completed.user.last_name in content
    assert other_completed.user.last_name not in content

    client.force_login(coordinator)
    content = client.get(ELIGIBLE).content.decode()
    assert completed.user.last_name in content
    assert other_completed.user.last_name in content


def test_issue_one_from_the_list(
    client, completed, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates_eligible:issue_one", args=[completed.pk]))
    assert response.status_code == 302
    assert Certificate.objects.get().user == completed.user
    assert completed.user.last_name not in client.get(ELIGIBLE).content.decode()


def test_provider_coordination_cannot_issue_for_other_organisations(
    client, other_completed, provider_coordinator
):
    client.force_login(provider_coordinator)
    response = client.post(reverse("certificates_eligible:issue_one", args=[other_completed.pk]))
    assert response.status_code == 404
    assert not Certificate.objects.exists()


def test_bulk_action_issues_for_the_selection(
    client, completed, other_completed, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    url = (
        "/admin/bulk/certificates/completionwithoutcertificate/issue_certificate/"
        f"?id={completed.pk}&id={other_completed.pk}&next={ELIGIBLE}"
    )
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert completed.user.last_name in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert Certificate.objects.count() == 2


def test_bulk_action_ignores_people_outside_the_scope(
    client, completed, other_completed, provider_coordinator, django_capture_on_commit_callbacks
):
    client.force_login(provider_coordinator)
    url = (
        "/admin/bulk/certificates/completionwithoutcertificate/issue_certificate/"
        f"?id={completed.pk}&id={other_completed.pk}"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert list(Certificate.objects.values_list("user", flat=True)) == [completed.user_id]


def test_issue_all_after_confirmation(
    client, completed, other_completed, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    url = reverse("certificates_eligible:issue_all")
    assert "2 Personen" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert Certificate.objects.count() == 2


@pytest.fixture
def two_issued(
    completed, other_completed, coordinator, run_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_certificates(enrollments=[completed, other_completed], issued_by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    return list(Certificate.objects.order_by("number"))


def test_zip_of_a_selection_is_built_from_the_stored_files(client, two_issued, coordinator):
    client.force_login(coordinator)
    ids = "&".join(f"id={c.pk}" for c in two_issued)
    response = client.get(f"/admin/bulk/certificates/certificate/download_zip/?{ids}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 2
    for certificate in two_issued:
        name = certificate.download_filename()
        certificate.pdf.open("rb")
        assert archive.read(name) == certificate.pdf.read()
    assert ModelLogEntry.objects.filter(action="certificates.download").count() == 2


def test_zip_leaves_out_certificates_outside_the_scope(client, two_issued, provider_coordinator):
    client.force_login(provider_coordinator)
    ids = "&".join(f"id={c.pk}" for c in two_issued)
    response = client.get(f"/admin/bulk/certificates/certificate/download_zip/?{ids}")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 1


def test_certificate_list_filters_by_workshop_date(client, two_issued, coordinator):
    Certificate.objects.filter(pk=two_issued[0].pk).update(workshop_dates="2026-03-12")
    client.force_login(coordinator)
    content = client.get(f"{CERTIFICATES}?workshop_date=2026-03-12").content.decode()
    assert two_issued[0].number in content
    assert two_issued[1].number not in content


def test_certificate_list_and_inspect_are_scoped(client, two_issued, provider_coordinator):
    client.force_login(provider_coordinator)
    content = client.get(CERTIFICATES).content.decode()
    own = next(c for c in two_issued if c.user.organisation == provider_coordinator.organisation)
    other = next(c for c in two_issued if c != own)
    assert own.number in content and other.number not in content
    inspect = reverse("certificates_certificate:inspect", args=[other.pk])
    assert client.get(inspect).status_code in (403, 404)


def test_render_failure_is_visible_to_coordination(client, completed, coordinator):
    certificate = services.issue_certificate(enrollment=completed, issued_by=coordinator)
    Certificate.objects.filter(pk=certificate.pk).update(render_attempts=2, render_error="Boom")
    client.force_login(coordinator)
    assert "PDF fehlgeschlagen" in client.get(CERTIFICATES).content.decode()
    inspect = client.get(reverse("certificates_certificate:inspect", args=[certificate.pk]))
    assert "Boom" in inspect.content.decode()
    assert "PDF neu erzeugen" in inspect.content.decode()
    assert "Boom" in client.get("/admin/").content.decode()


def reauthenticate(client, user):
    client.force_login(user)
    response = client.post("/accounts/reauthenticate/", {"password": "demo-lms-2026"})
    assert response.status_code == 302


def test_revoke_requires_reauthentication(client, two_issued, coordinator):
    certificate = two_issued[0]
    url = reverse("certificates_certificate:revoke", args=[certificate.pk])
    client.force_login(coordinator)  # a session without a recent password check
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/reauthenticate/" in response["Location"]
    response = client.post(url, {"reason": "Täuschung"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED


def test_revoke_after_reauthentication(client, two_issued, coordinator):
    certificate = two_issued[0]
    reauthenticate(client, coordinator)
    url = reverse("certificates_certificate:revoke", args=[certificate.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Täuschung"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert client.get(f"/verify/{certificate.verification_code}/").status_code == 200
    assert "Widerrufen" in client.get(f"/verify/{certificate.verification_code}/").content.decode()


def test_reissue_from_the_admin(
    client, two_issued, coordinator, django_capture_on_commit_callbacks
):
    certificate = two_issued[0]
    client.force_login(coordinator)
    url = reverse("certificates_certificate:reissue", args=[certificate.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Namensänderung"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REPLACED
    assert certificate.replaced_by.reissue_reason == "Namensänderung"


def test_templates_are_edited_by_koordination_only(client, coordinator, provider_coordinator):
    client.force_login(provider_coordinator)
    assert client.get(f"{TEMPLATES}add/").status_code in (302, 403)
    client.force_login(coordinator)
    assert client.get(f"{TEMPLATES}add/").status_code == 200


def test_template_edit_creates_revisions_and_preview_is_a_pdf(client, coordinator, course):
    template = CertificateTemplate.objects.create(
        name="Vorlage", course=course, signatory_name="Kim Hoffmann"
    )
    client.force_login(coordinator)
    edit_url = f"{TEMPLATES}edit/{template.pk}/"
    data = {
        "name": "Vorlage",
        "course": course.pk,
        "heading": "Teilnahmebescheinigung",
        "body": "{name} war dabei.",
        "show_modules": "on",
        "issuer": "Jugendamt",
        "place": "Hildesheim",
        "signatory_name": "Kim Hoffmann",
        "signatory_function": "Koordination",
        "accent_colour": "#006E5A",
        "orientation": "portrait",
    }
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    template.refresh_from_db()
    assert template.heading == "Teilnahmebescheinigung"
    assert template.revisions.count() == 1

    preview_url = f"{TEMPLATES}preview/{template.pk}/"
    client.post(preview_url, data)
    preview = client.get(preview_url)
    assert preview.status_code == 200
    assert preview["Content-Type"] == "application/pdf"
    assert preview.content.startswith(b"%PDF")


def test_trainer_cannot_reach_certificate_views(client, two_issued, trainer):
    client.force_login(trainer)
    certificate = two_issued[0]
    for url in [
        CERTIFICATES,
        TEMPLATES,
        reverse("certificates_certificate:reissue", args=[certificate.pk]),
        reverse("certificates_eligible:issue_all"),
    ]:
        assert client.get(url).status_code in (302, 403, 404), url


def test_certificate_history_shows_the_audit_log(client, two_issued, coordinator, trainer):
    certificate = two_issued[0]
    url = reverse("certificates_certificate:history", args=[certificate.pk])
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200
    assert "Zertifikat ausgestellt" in response.content.decode()
    client.force_login(trainer)
    assert client.get(url).status_code in (302, 403, 404)
