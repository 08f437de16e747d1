import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from wagtail.models import ModelLogEntry

from certificates import rendering, services
from certificates.models import Certificate, CertificateTemplate
from courses import services as course_services
from lms.accounts.roles import Role
from tests.certificates.conftest import complete_course
from tests.factories import TeamFactory, UserFactory

# The real worker calls close_old_connections(), which closes a PostgreSQL connection that is
# inside a test transaction; tests that run it therefore use real transactions.
worker_test = pytest.mark.django_db(transaction=True)


def issue(enrollment, by, capture):
    with capture(execute=True):
        return services.issue_certificate(enrollment=enrollment, issued_by=by)


def test_issuing_creates_a_pending_certificate_with_frozen_snapshot(
    completed, coordinator, django_capture_on_commit_callbacks
):
    certificate = issue(completed, coordinator, django_capture_on_commit_callbacks)

    year = timezone.localdate().year
    assert certificate.status == Certificate.Status.PENDING
    assert re.fullmatch(rf"LC-{year}-\d{{4}}", certificate.number)
    assert certificate.number.endswith("0001")
    assert len(certificate.verification_code) >= 22  # ≥ 128 bits of base64
    snapshot = certificate.snapshot
    assert snapshot["holder_name"] == completed.user.get_full_name()
    assert snapshot["course_title"] == "Fachkraft Leaving Care"
    assert [m["title"] for m in snapshot["modules"]] == ["Modul 1", "Modul 2"]
    assert snapshot["modules"][0]["hours"] == "1 Std."
    assert snapshot["workload_units"] == 12
    assert snapshot["verification_url"].endswith(f"/verify/{certificate.verification_code}/")
    assert completed.user.get_full_name() in snapshot["paragraphs"][0]
    assert ModelLogEntry.objects.filter(action="certificates.issue", user=coordinator).exists()
    # The render task is queued after the commit.
    assert DBTaskResult.objects.filter(task_path__endswith="render_certificate_task").count() == 1


def test_issuing_twice_returns_the_same_certificate(
    completed, coordinator, django_capture_on_commit_callbacks
):
    first = issue(completed, coordinator, django_capture_on_commit_callbacks)
    second = issue(completed, coordinator, django_capture_on_commit_callbacks)
    assert first.pk == second.pk
    assert Certificate.objects.count() == 1


def test_database_allows_only_one_valid_certificate_per_person_and_course(
    completed, coordinator, django_capture_on_commit_callbacks
):
    certificate = issue(completed, coordinator, django_capture_on_commit_callbacks)
    duplicate = Certificate(
        user=certificate.user,
        course=certificate.course,
        year=certificate.year,
        sequence=999,
        number="LC-X-999",
        issued_at=timezone.now(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_numbers_count_up_per_year(course, coordinator, django_capture_on_commit_callbacks):
    numbers = []
    for _ in range(3):
        enrollment = complete_course(user=UserFactory(), course=course)
        numbers.append(issue(enrollment, coordinator, django_capture_on_commit_callbacks).number)
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003"]


def test_an_unfinished_course_gets_no_certificate(participant, course, coordinator):
    enrollment = course_services.enrol(user=participant, course=course)
    with pytest.raises(services.CertificateError, match="noch nicht abgeschlossen"):
        services.issue_certificate(enrollment=enrollment, issued_by=coordinator)


def test_provider_coordination_issues_only_for_its_own_organisation(
    course, provider_coordinator, participant, django_capture_on_commit_callbacks
):
    own = complete_course(user=participant, course=course)
    other = complete_course(user=UserFactory(team=TeamFactory()), course=course)

    assert issue(own, provider_coordinator, django_capture_on_commit_callbacks).pk
    with pytest.raises(services.CertificateError, match="kein Zertifikat ausstellen"):
        services.issue_certificate(enrollment=other, issued_by=provider_coordinator)


@pytest.mark.parametrize("role", [None, Role.TRAINER])
def test_participants_and_trainers_cannot_issue(completed, role):
    person = UserFactory(roles=[role] if role else [])
    with pytest.raises(services.CertificateError):
        services.issue_certificate(enrollment=completed, issued_by=person)


def test_bulk_issue_reports_created_existing_and_refused(
    course, coordinator, participant, django_capture_on_commit_callbacks
):
    first = complete_course(user=participant, course=course)
    issue(first, coordinator, django_capture_on_commit_callbacks)
    second = complete_course(user=UserFactory(), course=course)
    unfinished = course_services.enrol(user=UserFactory(), course=course)

    with django_capture_on_commit_callbacks(execute=True):
        summary = services.issue_certificates(
            enrollments=[first, second, unfinished], issued_by=coordinator
        )
    assert len(summary.created) == 1
    assert len(summary.existing) == 1
    assert len(summary.refused) == 1


@worker_test
def test_worker_renders_stores_and_mails(
    completed, coordinator, run_tasks, django_capture_on_commit_callbacks
):
    certificate = issue(completed, coordinator, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()  # the e-mail task queued by the render

    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED
    assert certificate.pdf.name.endswith(".pdf")
    data = certificate.pdf.read()
    assert data.startswith(b"%PDF")
    assert len(certificate.pdf_sha256) == 64
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [completed.user.email]
    assert certificate.number in mail.outbox[0].body
    assert "/zertifikate/" in mail.outbox[0].body


@worker_test
def test_render_failure_keeps_the_certificate_pending_and_retries(
    completed, coordinator, run_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    certificate = issue(completed, coordinator, django_capture_on_commit_callbacks)

    def broken(snapshot):
        raise OSError("Pango fehlt")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()

    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.PENDING
    assert certificate.render_attempts == 1
    assert "Pango fehlt" in certificate.render_error
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after > timezone.now()
    assert retry.args_kwargs["kwargs"]["attempt"] == 2

    # The retry runs once its time has come and the renderer works again.
    monkeypatch.undo()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now() - timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED
    assert certificate.render_error == ""


@worker_test
def test_last_failed_attempt_fails_the_task_visibly(
    completed, coordinator, run_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    certificate = issue(completed, coordinator, django_capture_on_commit_callbacks)
    monkeypatch.setattr(rendering, "render_pdf", lambda snapshot: 1 / 0)
    DBTaskResult.objects.update(
        args_kwargs={
            "args": [],
            "kwargs": {
                "certificate_id": certificate.pk,
                "attempt": services.MAX_RENDER_ATTEMPTS,
            },
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    assert DBTaskResult.objects.get().status == "FAILED"
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.PENDING
    assert not DBTaskResult.objects.filter(status="READY").exists()


@worker_test
def test_coordination_can_request_a_new_render_only_while_pending(
    completed, coordinator, run_tasks, django_capture_on_commit_callbacks
):
    certificate = issue(completed, coordinator, django_capture_on_commit_callbacks)
    Certificate.objects.filter(pk=certificate.pk).update(render_attempts=5, render_error="x")
    DBTaskResult.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.rerender_certificate(certificate=certificate, requested_by=coordinator)
    assert DBTaskResult.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED
    with pytest.raises(services.CertificateError):
        services.rerender_certificate(certificate=certificate, requested_by=coordinator)


@worker_test
def test_reissue_replaces_the_old_certificate(
    completed, coordinator, run_tasks, django_capture_on_commit_callbacks
):
    old = issue(completed, coordinator, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    person = completed.user
    person.last_name = "Neuname"
    person.save()

    with django_capture_on_commit_callbacks(execute=True):
        new = services.reissue_certificate(
            certificate=old, issued_by=coordinator, reason="Namensänderung"
        )
    old.refresh_from_db()
    assert old.status == Certificate.Status.REPLACED
    assert new.replaces == old
    assert new.number != old.number
    assert "Neuname" in new.holder_name
    assert "Neuname" not in old.holder_name  # the old snapshot stays as it was
    assert new.reissue_reason == "Namensänderung"
    assert ModelLogEntry.objects.filter(action="certificates.reissue").exists()
    with pytest.raises(services.CertificateError, match="Grund"):
        services.reissue_certificate(certificate=new, issued_by=coordinator, reason=" ")


def test_revoke_needs_a_reason_and_is_logged(
    completed, coordinator, provider_coordinator, django_capture_on_commit_callbacks
):
    certificate = issue(completed, coordinator, django_capture_on_commit_callbacks)
    with pytest.raises(services.CertificateError, match="Grund"):
        services.revoke_certificate(certificate=certificate, revoked_by=coordinator, reason="")
    outsider = UserFactory(roles=[Role.PROVIDER_COORDINATOR], team=TeamFactory())
    with pytest.raises(services.CertificateError):
        services.revoke_certificate(certificate=certificate, revoked_by=outsider, reason="x")

    services.revoke_certificate(
        certificate=certificate, revoked_by=provider_coordinator, reason="Täuschung"
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revocation_reason == "Täuschung"
    assert ModelLogEntry.objects.filter(
        action="certificates.revoke", user=provider_coordinator
    ).exists()
    # A revoked certificate frees the slot: a new one can be issued later.
    assert issue(completed, coordinator, django_capture_on_commit_callbacks).pk != certificate.pk


@worker_test
def test_revoked_certificate_is_not_rendered(
    completed, coordinator, run_tasks, django_capture_on_commit_callbacks
):
    certificate = issue(completed, coordinator, django_capture_on_commit_callbacks)
    services.revoke_certificate(certificate=certificate, revoked_by=coordinator, reason="Irrtum")
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert not certificate.pdf


@worker_test
def test_deleting_the_person_keeps_the_certificate(
    completed, coordinator, run_tasks, django_capture_on_commit_callbacks
):
    certificate = issue(completed, coordinator, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    name = certificate.holder_name
    completed.user.delete()
    certificate.refresh_from_db()
    assert certificate.user is None
    assert certificate.holder_name == name
    assert certificate.status == Certificate.Status.ISSUED


@worker_test
def test_course_with_automatic_issue_issues_on_completion(
    participant, course, run_tasks, django_capture_on_commit_callbacks
):
    CertificateTemplate.objects.create(
        name="Auto", course=course, issue_automatically=True, signatory_name="Kim Hoffmann"
    )
    course_services.enrol(user=participant, course=course)
    lessons = list(course.get_descendants().type(*_lesson_type()).specific())
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in lessons:
            course_services.complete_lesson(user=participant, lesson=lesson)
    certificate = Certificate.objects.get(user=participant)
    assert certificate.issued_by is None
    assert certificate.snapshot["signatory_name"] == "Kim Hoffmann"
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED


def test_course_without_automatic_issue_waits_for_coordination(
    participant, course, django_capture_on_commit_callbacks
):
    course_services.enrol(user=participant, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in course.get_descendants().type(*_lesson_type()).specific():
            course_services.complete_lesson(user=participant, lesson=lesson)
    assert not Certificate.objects.exists()


def _lesson_type():
    from courses.models import LessonPage

    return (LessonPage,)


def test_template_placeholders_are_validated():
    from django.core.exceptions import ValidationError

    template = CertificateTemplate(name="x", signatory_name="y", body="Hallo {vorname}")
    with pytest.raises(ValidationError, match="vorname"):
        template.full_clean()


def test_attended_workshop_dates_are_printed_and_searchable(
    completed, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    from dataclasses import dataclass
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from courses import attendance

    @dataclass
    class Attended:
        title: str
        starts_at: datetime
        place: str

    berlin = ZoneInfo("Europe/Berlin")
    monkeypatch.setattr(
        attendance,
        "attended_dates",
        lambda *, user, course: [
            Attended("Übergangsmodell", datetime(2026, 5, 7, 9, tzinfo=berlin), "Kreishaus"),
            Attended("Auftakt", datetime(2026, 3, 12, 9, tzinfo=berlin), ""),
        ],
    )
    certificate = issue(completed, coordinator, django_capture_on_commit_callbacks)
    assert certificate.snapshot["workshops"] == [
        {"title": "Auftakt", "date": "2026-03-12", "date_text": "12. März 2026", "place": ""},
        {
            "title": "Übergangsmodell",
            "date": "2026-05-07",
            "date_text": "7. Mai 2026",
            "place": "Kreishaus",
        },
    ]
    assert Certificate.objects.filter(workshop_dates__contains="2026-05-07").exists()
