"""Coordinators' workflows: enrol people, import address lists, invitations, reminders, audit."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from lms.accounts.models import User
from lms.mail import queue_templated_mail

from .. import services as learning
from ..models import CoursePage, Enrollment, Invitation

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 2000
_EMAIL_SPLIT = re.compile(r"[\s,;]+")


def log_export(*, user, report: str, query) -> None:
    log(
        instance=user,
        action="lms.export",
        user=user,
        data={"report": report, "filters": {k: v for k, v in query.items() if k != "export"}},
    )


def _check_may_manage(*, by, people) -> None:
    visible = set(
        User.objects.visible_to(by)
        .filter(pk__in=[p.pk for p in people])
        .values_list("pk", flat=True)
    )
    if len(visible) != len({p.pk for p in people}):
        raise PermissionDenied(_("Sie dürfen nur Personen Ihrer eigenen Organisation bearbeiten."))


@dataclass
class EnrolSummary:
    enrolled: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)


@transaction.atomic
def enrol_people(*, people: list[User], course: CoursePage, enrolled_by: User) -> EnrolSummary:
    """Enrol several people at once; people already enrolled are left as they are."""
    _check_may_manage(by=enrolled_by, people=people)
    existing = set(
        Enrollment.objects.active()
        .filter(course=course, user__in=people)
        .values_list("user_id", flat=True)
    )
    summary = EnrolSummary()
    for person in people:
        if person.pk in existing:
            summary.already.append(person)
            continue
        enrollment = learning.enrol(user=person, course=course, enrolled_by=enrolled_by)
        log(instance=enrollment, action="lms.enrol", user=enrolled_by)
        summary.enrolled.append(person)
    return summary


# --- Import of address lists ----------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    email: str
    action: str = ""  # "enrol", "already", "invite", "invited", "error"
    message: str = ""
    person: User | None = None


def read_addresses(*, text: str = "", upload=None) -> list[tuple[int, str]]:
    """Addresses from pasted text or an uploaded CSV/XLSX file: (line number, raw value)."""
    if upload is not None:
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("Die Datei ist zu groß (höchstens %(mb)s MB).")
                % {"mb": MAX_IMPORT_BYTES // 1024 // 1024}
            )
        name = upload.name.lower()
        if name.endswith(".xlsx"):
            return _read_xlsx(upload)
        if name.endswith((".csv", ".txt")):
            text = upload.read().decode("utf-8-sig", errors="replace")
        else:
            raise ValidationError(_("Bitte laden Sie eine CSV- oder XLSX-Datei hoch."))
    values = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        for cell in _cells(line, line_number):
            for part in _EMAIL_SPLIT.split(cell.strip()):
                # A quoted CSV cell with a line break inside (Alt+Enter in Excel) arrives split
                # over two lines, each with a stray quote: the quotes are not part of an address.
                part = part.strip('"').strip()
                if part:
                    values.append((line_number, part))
    if len(values) > MAX_IMPORT_ROWS:
        raise ValidationError(_("Höchstens %(n)s Adressen auf einmal.") % {"n": MAX_IMPORT_ROWS})
    return values


def _cells(line: str, line_number: int) -> list[str]:
    if ";" not in line:
        return [line]
    try:
        return next(csv.reader([line], delimiter=";"))
    except csv.Error as error:  # e.g. a cell longer than the csv module's field limit
        raise ValidationError(
            _("Zeile %(line)s kann nicht gelesen werden (zu lang oder beschädigt).")
            % {"line": line_number}
        ) from error


def _read_xlsx(upload) -> list[tuple[int, str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
    except Exception as error:
        raise ValidationError(_("Die XLSX-Datei konnte nicht gelesen werden.")) from error
    values = []
    for line_number, row in enumerate(workbook.active.iter_rows(values_only=True), start=1):
        for cell in row:
            if isinstance(cell, str) and "@" in cell:
                values.append((line_number, cell.strip()))
        if len(values) > MAX_IMPORT_ROWS:
            raise ValidationError(
                _("Höchstens %(n)s Adressen auf einmal.") % {"n": MAX_IMPORT_ROWS}
            )
    return values


def _is_valid_address(email: str) -> bool:
    """A deliverable address that fits the e-mail columns (254 characters, RFC 5321)."""
    if len(email) > Invitation._meta.get_field("email").max_length:
        return False
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def preview_import(
    *, addresses: list[tuple[int, str]], course: CoursePage, by: User
) -> list[ImportRow]:
    """What an import would do, row by row; nothing is saved."""
    rows, seen = [], set()
    normalised = [(line, value.strip().lower()) for line, value in addresses]
    valid = {email for _, email in normalised if _is_valid_address(email)}
    # Only valid addresses go into the query: anything else (NUL bytes, overlong values) is
    # reported as an error row and never reaches the database.
    people = {
        user.email.lower(): user
        # Stored addresses keep their capitals; the lookup uses the case-insensitive unique index.
        for user in User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=sorted(valid))
        .select_related("organisation")
    }
    visible = set(
        User.objects.visible_to(by)
        .filter(pk__in=[u.pk for u in people.values()])
        .values_list("pk", flat=True)
    )
    enrolled = set(
        Enrollment.objects.active()
        .filter(course=course, user__in=people.values())
        .values_list("user_id", flat=True)
    )
    invited = {
        email.lower()
        for email in Invitation.objects.filter(course=course, accepted_at__isnull=True).values_list(
            "email", flat=True
        )
    }
    for line, email in normalised:
        row = ImportRow(line=line, email=email)
        if email not in valid:
            row.action, row.message = "error", _("keine gültige E-Mail-Adresse")
            rows.append(row)
            continue
        if email in seen:
            row.action, row.message = "error", _("doppelt in der Liste")
            rows.append(row)
            continue
        seen.add(email)
        person = people.get(email)
        if person is not None:
            row.person = person
            if person.pk not in visible:
                row.action, row.message = "error", _("gehört zu einer anderen Organisation")
            elif person.pk in enrolled:
                row.action, row.message = "already", _("bereits eingeschrieben")
            else:
                row.action, row.message = "enrol", _("wird eingeschrieben")
        elif email in invited:
            row.action, row.message = "invited", _("bereits eingeladen")
        else:
            row.action, row.message = "invite", _("erhält eine Einladung zur Registrierung")
        rows.append(row)
    return rows


@transaction.atomic
def apply_import(
    *, addresses: list[tuple[int, str]], course: CoursePage, by: User, base_url: str
) -> list[ImportRow]:
    """Carry out an import: all or nothing, and running it twice changes nothing more."""
    rows = preview_import(addresses=addresses, course=course, by=by)
    organisation = by.organisation if by.is_provider_coordinator and not by.is_coordinator else None
    for row in rows:
        if row.action == "enrol":
            enrollment = learning.enrol(user=row.person, course=course, enrolled_by=by)
            log(instance=enrollment, action="lms.enrol", user=by, data={"source": "import"})
        elif row.action == "invite":
            invitation = Invitation.objects.create(
                email=row.email, course=course, organisation=organisation, invited_by=by
            )
            queue_templated_mail(
                to=[row.email],
                template="courses/coordination/email/invitation",
                context={
                    "course": course,
                    "invited_by": by,
                    "url": f"{base_url}{reverse('follow_invitation', args=[invitation.token])}",
                },
            )
    log(
        instance=course,
        action="lms.import",
        user=by,
        data={
            "enrolled": sum(row.action == "enrol" for row in rows),
            "invited": sum(row.action == "invite" for row in rows),
            "errors": sum(row.action == "error" for row in rows),
        },
    )
    return rows


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Enrollment | None:
    """Called once a person who was invited has signed up: enrol them in the course."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(token=token, accepted_at__isnull=True, email__iexact=user.email)
        .first()
    )
    if invitation is None:
        return None
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return learning.enrol(user=user, course=invitation.course, enrolled_by=invitation.invited_by)


# --- Reminders ------------------------------------------------------------------------------


def send_reminders(*, enrollments: list[Enrollment], sent_by: User | None, base_url: str) -> int:
    """Remind people of their open course (plain e-mail after commit); returns the count."""
    if sent_by is not None:
        _check_may_manage(by=sent_by, people=[e.user for e in enrollments])
    count = 0
    for enrollment in enrollments:
        if not enrollment.is_active or enrollment.completed_at:
            continue
        queue_templated_mail(
            to=[enrollment.user.email],
            template="courses/coordination/email/reminder",
            context={
                "person": enrollment.user,
                "course": enrollment.course,
                "url": f"{base_url}{enrollment.course.url}",
            },
        )
        if sent_by is not None:
            log(instance=enrollment, action="lms.reminder", user=sent_by)
        count += 1
    return count
