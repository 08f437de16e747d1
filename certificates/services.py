"""Issuing, rendering, re-issuing and revoking certificates.

Each state change runs in one transaction; rendering and e-mail happen after the commit in the
background worker. Lock order is always: enrolments (by id) → certificate → number counter, so
concurrent single and bulk issues cannot deadlock.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from courses.models import Enrollment
from courses.progress import course_progress
from lms.mail import queue_templated_mail

from . import snapshots
from .models import Certificate, CertificateNumberCounter, CertificateTemplate
from .permissions import manages_person

logger = logging.getLogger(__name__)

NUMBER_PREFIX = "LC"
MAX_RENDER_ATTEMPTS = 5
MAX_REASON_LENGTH = 2000


class CertificateError(Exception):
    """A request the certificate rules refuse; the message is shown to the person."""


@dataclass
class IssueSummary:
    created: list[Certificate] = field(default_factory=list)
    existing: list[Certificate] = field(default_factory=list)
    refused: list[tuple[Enrollment, str]] = field(default_factory=list)


# --- Numbers and snapshots ------------------------------------------------------------------


def _allocate_number(*, year: int) -> tuple[int, str]:
    """Next number of the year; the counter row stays locked until the commit."""
    for _attempt in range(2):
        if CertificateNumberCounter.objects.filter(year=year).update(
            last_number=F("last_number") + 1
        ):
            sequence = CertificateNumberCounter.objects.get(year=year).last_number
            return sequence, f"{NUMBER_PREFIX}-{year}-{sequence:04d}"
        try:
            with transaction.atomic():
                CertificateNumberCounter.objects.create(year=year, last_number=0)
        except IntegrityError:  # another transaction created this year's counter first
            pass
    raise RuntimeError("certificate number counter unavailable")  # pragma: no cover


class _CourseData:
    """Template, its snapshot part and the module list per course, read once per bulk run."""

    def __init__(self):
        self._by_course: dict[int, tuple[CertificateTemplate | None, dict, list]] = {}

    def for_course(self, course) -> tuple[CertificateTemplate | None, dict, list]:
        if course.pk not in self._by_course:
            template = CertificateTemplate.objects.for_course(course)
            part = snapshots.template_values(template or default_template_for(course))
            modules = list(course.get_modules().only("title", "estimated_minutes", "required"))
            self._by_course[course.pk] = (template, part, modules)
        return self._by_course[course.pk]


def default_template_for(course) -> CertificateTemplate:
    """An unsaved template with the model defaults, for courses without any template."""
    return CertificateTemplate(name=_("Standard"), course=None, signatory_name="")


def _completed_modules(*, enrollment: Enrollment, modules: list) -> list:
    """The course is complete, so every required module was; optional ones count when done."""
    if all(module.required for module in modules):
        return modules
    progress = course_progress(user=enrollment.user, course=enrollment.course)
    done = {state.module.pk for state in progress.modules if state.is_complete}
    return [module for module in modules if module.required or module.pk in done]


def _snapshot_for(
    *, enrollment: Enrollment, number: str, code: str, template_part: dict, modules: list
) -> dict:
    user, course = enrollment.user, enrollment.course
    return snapshots.build_snapshot(
        holder_name=user.get_full_name() or user.email,
        course_title=course.title,
        workload_units=course.workload_units,
        completed_on=timezone.localtime(enrollment.completed_at).date(),
        issued_on=timezone.localdate(),
        number=number,
        code=code,
        modules=snapshots.module_entries(
            _completed_modules(enrollment=enrollment, modules=modules)
        ),
        workshops=snapshots.workshop_entries(snapshots.attended_dates(user=user, course=course)),
        template_part=template_part,
    )


# --- Issuing --------------------------------------------------------------------------------


def _check_may_issue(*, issued_by, enrollment: Enrollment) -> None:
    if issued_by is not None and not manages_person(issued_by, enrollment.user_id):
        raise CertificateError(_("Sie dürfen für diese Person kein Zertifikat ausstellen."))
    if not enrollment.completed_at or enrollment.status == Enrollment.Status.WITHDRAWN:
        raise CertificateError(
            _("%(name)s hat den Kurs „%(course)s“ noch nicht abgeschlossen.")
            % {"name": enrollment.user, "course": enrollment.course.title}
        )


def _create_certificate(
    *,
    enrollment: Enrollment,
    issued_by,
    courses: _CourseData,
    replaces: Certificate | None = None,
    reason: str = "",
) -> Certificate:
    template, template_part, modules = courses.for_course(enrollment.course)
    now = timezone.now()
    year = timezone.localtime(now).year
    sequence, number = _allocate_number(year=year)
    certificate = Certificate(
        user=enrollment.user,
        course=enrollment.course,
        year=year,
        sequence=sequence,
        number=number,
        template=template,
        issued_at=now,
        issued_by=issued_by,
        replaces=replaces,
        reissue_reason=reason,
    )
    certificate.snapshot = _snapshot_for(
        enrollment=enrollment,
        number=number,
        code=certificate.verification_code,
        template_part=template_part,
        modules=modules,
    )
    if replaces is not None:
        certificate.snapshot["replaces_number"] = replaces.number
    certificate.workshop_dates = " ".join(w["date"] for w in certificate.snapshot["workshops"])[
        :500
    ]
    certificate.save()
    return certificate


def _issue_locked(
    *, enrollment: Enrollment, issued_by, courses: _CourseData
) -> tuple[Certificate, bool]:
    """Issue for an enrolment whose row is already locked; returns (certificate, created)."""
    _check_may_issue(issued_by=issued_by, enrollment=enrollment)
    existing = Certificate.objects.valid().filter(
        user_id=enrollment.user_id, course_id=enrollment.course_id
    )
    if found := existing.first():
        return found, False
    try:
        with transaction.atomic():
            certificate = _create_certificate(
                enrollment=enrollment, issued_by=issued_by, courses=courses
            )
    except IntegrityError:
        # The conditional unique constraint caught a concurrent issue: that one stands.
        if found := existing.first():
            return found, False
        raise
    log(
        instance=certificate,
        action="certificates.issue",
        user=issued_by,
        data={"number": certificate.number, "automatic": issued_by is None},
    )
    return certificate, True


def _lock_enrollments(ids: Iterable[int]) -> list[Enrollment]:
    return list(
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("user", "course")
        .filter(pk__in=sorted(set(ids)))
        .order_by("pk")
    )


@transaction.atomic
def issue_certificate(*, enrollment: Enrollment, issued_by=None) -> Certificate:
    """Issue the certificate for a completed enrolment; returns the existing one if any.

    `issued_by=None` means the automatic issue on completion. The PDF is rendered by the
    worker after the commit.
    """
    locked = _lock_enrollments([enrollment.pk])
    if not locked:
        raise CertificateError(_("Diese Einschreibung gibt es nicht mehr."))
    certificate, created = _issue_locked(
        enrollment=locked[0], issued_by=issued_by, courses=_CourseData()
    )
    if created:
        queue_render([certificate.pk])
    return certificate


@transaction.atomic
def issue_certificates(*, enrollments: Iterable[Enrollment], issued_by) -> IssueSummary:
    """Bulk issue (a selection or everyone eligible); refusals are reported, not raised."""
    summary = IssueSummary()
    courses = _CourseData()
    for enrollment in _lock_enrollments(e.pk for e in enrollments):
        try:
            certificate, created = _issue_locked(
                enrollment=enrollment, issued_by=issued_by, courses=courses
            )
        except CertificateError as error:
            summary.refused.append((enrollment, str(error)))
            continue
        (summary.created if created else summary.existing).append(certificate)
    queue_render([certificate.pk for certificate in summary.created])
    return summary


@transaction.atomic
def reissue_certificate(*, certificate: Certificate, issued_by, reason: str) -> Certificate:
    """A new certificate with current data (e.g. after a name change); the old one is replaced."""
    reason = _clean_reason(reason)
    enrollment = Enrollment.objects.filter(
        user_id=certificate.user_id, course_id=certificate.course_id
    ).first()
    if certificate.user_id is None or certificate.course_id is None or enrollment is None:
        raise CertificateError(
            _("Person oder Kurs gibt es nicht mehr: keine Neuausstellung möglich.")
        )
    enrollment = _lock_enrollments([enrollment.pk])[0]
    _check_may_issue(issued_by=issued_by, enrollment=enrollment)
    old = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if old.status not in Certificate.VALID_STATUSES:
        raise CertificateError(_("Nur gültige Zertifikate können neu ausgestellt werden."))
    old.status = Certificate.Status.REPLACED
    old.save(update_fields=["status"])
    new = _create_certificate(
        enrollment=enrollment,
        issued_by=issued_by,
        courses=_CourseData(),
        replaces=old,
        reason=reason,
    )
    log(
        instance=new,
        action="certificates.reissue",
        user=issued_by,
        data={"number": new.number, "replaces": old.number, "reason": reason},
    )
    log(
        instance=old,
        action="certificates.replaced",
        user=issued_by,
        data={"number": old.number, "replaced_by": new.number, "reason": reason},
    )
    queue_render([new.pk])
    return new


@transaction.atomic
def revoke_certificate(*, certificate: Certificate, revoked_by, reason: str) -> Certificate:
    """Withdraw a certificate; its verification page shows "widerrufen" from now on."""
    reason = _clean_reason(reason)
    if not manages_person(revoked_by, certificate.user_id):
        raise CertificateError(_("Sie dürfen dieses Zertifikat nicht widerrufen."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status not in Certificate.VALID_STATUSES:
        raise CertificateError(_("Dieses Zertifikat ist bereits ungültig."))
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = revoked_by
    certificate.revocation_reason = reason
    certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
    log(
        instance=certificate,
        action="certificates.revoke",
        user=revoked_by,
        data={"number": certificate.number, "reason": reason},
    )
    return certificate


def _clean_reason(reason: str) -> str:
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise CertificateError(_("Bitte geben Sie einen Grund an."))
    if len(reason) > MAX_REASON_LENGTH:
        raise CertificateError(
            _("Der Grund ist zu lang (höchstens %(max)s Zeichen).") % {"max": MAX_REASON_LENGTH}
        )
    return reason


# --- Rendering ------------------------------------------------------------------------------


def queue_render(certificate_ids: list[int], *, attempt: int = 1) -> None:
    """Queue one render task per certificate once the surrounding transaction commits."""
    if not certificate_ids:
        return

    def enqueue():
        from .tasks import render_certificate_task

        with transaction.atomic():
            for certificate_id in certificate_ids:
                render_certificate_task.enqueue(certificate_id=certificate_id, attempt=attempt)

    transaction.on_commit(enqueue)


@transaction.atomic
def rerender_certificate(*, certificate: Certificate, requested_by) -> Certificate:
    """Try the PDF again (after a failure); an issued PDF is never replaced by a new one."""
    if not manages_person(requested_by, certificate.user_id):
        raise CertificateError(_("Sie dürfen dieses Zertifikat nicht bearbeiten."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != Certificate.Status.PENDING:
        raise CertificateError(
            _("Nur Zertifikate, die noch erstellt werden, können neu erzeugt werden.")
        )
    certificate.render_attempts = 0
    certificate.render_error = ""
    certificate.save(update_fields=["render_attempts", "render_error"])
    log(
        instance=certificate,
        action="certificates.rerender",
        user=requested_by,
        data={"number": certificate.number},
    )
    queue_render([certificate.pk])
    return certificate


def render_certificate(*, certificate_id: int, attempt: int = 1) -> Certificate | None:
    """Worker side: render from the snapshot, store the PDF, mark issued, e-mail the person.

    Idempotent: a certificate that already has its PDF (or is no longer pending) is skipped.
    On failure the certificate stays "wird erstellt", the error is recorded for the
    coordinators, and a retry is queued with a growing delay.
    """
    from . import rendering

    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None or certificate.status != Certificate.Status.PENDING or certificate.pdf:
        return None
    try:
        pdf = rendering.render_pdf(certificate.snapshot)
    except Exception as error:
        _record_render_failure(certificate_id=certificate_id, attempt=attempt, error=error)
        if attempt >= MAX_RENDER_ATTEMPTS:
            raise
        return None
    return _store_pdf(certificate_id=certificate_id, pdf=pdf)


def _record_render_failure(*, certificate_id: int, attempt: int, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:2000]
    with transaction.atomic():
        Certificate.objects.filter(pk=certificate_id).update(
            render_attempts=F("render_attempts") + 1, render_error=message
        )
        if attempt < MAX_RENDER_ATTEMPTS:
            from .tasks import render_certificate_task

            delay = timedelta(seconds=30 * 2**attempt)
            logger.warning(
                "Zertifikat %s: PDF fehlgeschlagen (%s), neuer Versuch in %s",
                certificate_id,
                message,
                delay,
            )
            transaction.on_commit(
                lambda: render_certificate_task.using(run_after=timezone.now() + delay).enqueue(
                    certificate_id=certificate_id, attempt=attempt + 1
                )
            )
        else:
            logger.error("Zertifikat %s: PDF nach %s Versuchen aufgegeben", certificate_id, attempt)


@transaction.atomic
def _store_pdf(*, certificate_id: int, pdf: bytes) -> Certificate | None:
    certificate = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=certificate_id)
    )
    if certificate.status != Certificate.Status.PENDING or certificate.pdf:
        return None  # revoked meanwhile, or another worker was faster
    certificate.pdf.save(f"{certificate.number}.pdf", ContentFile(pdf), save=False)
    certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    certificate.status = Certificate.Status.ISSUED
    certificate.rendered_at = timezone.now()
    certificate.render_error = ""
    certificate.save(update_fields=["pdf", "pdf_sha256", "status", "rendered_at", "render_error"])
    if certificate.user is not None and certificate.user.is_active:
        _queue_issued_mail(certificate)
    return certificate


def _queue_issued_mail(certificate: Certificate) -> None:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    queue_templated_mail(
        to=[certificate.user.email],
        template="certificates/email/issued",
        context={
            "certificate": certificate,
            "holder_name": certificate.holder_name,
            "course_title": certificate.course_title,
            "number": certificate.number,
            "heading": certificate.snapshot.get("heading", "Zertifikat"),
            "my_certificates_url": base + reverse("my_certificates"),
            "verification_url": certificate.verification_url,
        },
    )


# --- Reading --------------------------------------------------------------------------------


def record_download(*, certificate: Certificate, downloaded_by) -> None:
    """Downloads by staff go to the audit log; the holder's own downloads do not."""
    if downloaded_by.pk != certificate.user_id:
        log(
            instance=certificate,
            action="certificates.download",
            user=downloaded_by,
            data={"number": certificate.number},
        )


def public_facts(certificate: Certificate) -> dict:
    """What the public verification shows, and nothing more."""
    snapshot = certificate.snapshot
    return {
        "status": certificate.status,
        "status_label": str(certificate.get_status_display()),
        "valid": certificate.status == Certificate.Status.ISSUED,
        "holder_name": snapshot.get("holder_name", ""),
        "course_title": snapshot.get("course_title", ""),
        "issued_on": snapshot.get("issued_on", ""),
        "issuer": snapshot.get("issuer", ""),
    }


def issue_automatically_on_completion(*, enrollment: Enrollment) -> Certificate | None:
    """Called after a completion was committed: issue if the course's template says so."""
    template = CertificateTemplate.objects.for_course(enrollment.course)
    if template is None or not template.issue_automatically:
        return None
    return issue_certificate(enrollment=enrollment, issued_by=None)
