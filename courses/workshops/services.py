"""Workshop dates: registration, waiting list, cancellation, changes, attendance, calendar feed.

Every workflow locks the date's row first (SELECT … FOR UPDATE; on SQLite the write
transaction itself serialises), so places are counted and handed out one request at a time:
concurrent registrations never overbook and the waiting list keeps its order. E-mails are queued
for after the commit; reminders are queued as task rows inside the same transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from courses.models import (
    AttendanceChange,
    CalendarFeed,
    Enrollment,
    WorkshopDate,
    WorkshopRegistration,
)
from courses.services import record_course_completion

from . import notifications
from .permissions import can_cancel, can_run
from .tasks import schedule_reminder

Status = WorkshopRegistration.Status
Attendance = WorkshopRegistration.Attendance
HOLDING = (Status.REGISTERED, Status.WAITLISTED)
MAX_NOTE_LENGTH = 300
# Changes that move or rename the calendar entry; participants are told about these.
CALENDAR_FIELDS = {
    "title": gettext_lazy("Titel"),
    "starts_at": gettext_lazy("Beginn"),
    "ends_at": gettext_lazy("Ende"),
    "location": gettext_lazy("Adresse"),
    "room": gettext_lazy("Raum"),
    "online_url": gettext_lazy("Online-Link"),
}


class WorkshopError(Exception):
    """A request the workshop rules refuse; the message is shown to the person."""


def when(value) -> str:
    return formats.date_format(timezone.localtime(value), "j. F Y, H:i") + " " + _("Uhr")


def _locked(date: WorkshopDate) -> WorkshopDate:
    return (
        WorkshopDate.objects.select_for_update(of=("self",))
        .select_related("course", "module")
        .get(pk=date.pk)
    )


def _active_enrollment(*, user, date: WorkshopDate) -> Enrollment | None:
    return Enrollment.objects.active().filter(user=user, course_id=date.course_id).first()


def _registered_count(date: WorkshopDate) -> int:
    return date.registrations.filter(status=Status.REGISTERED).count()


def _waitlist(date: WorkshopDate):
    return date.registrations.filter(status=Status.WAITLISTED).order_by("queued_at", "pk")


# --- Participants -----------------------------------------------------------------------


@transaction.atomic
def register(*, user, date: WorkshopDate) -> WorkshopRegistration:
    """A place if one is free, otherwise the end of the waiting list."""
    date = _locked(date)
    now = timezone.now()
    if date.is_cancelled:
        raise WorkshopError(_("Dieser Termin wurde abgesagt."))
    if date.has_started(now):
        raise WorkshopError(
            _("Dieser Termin hat bereits stattgefunden; eine Anmeldung ist nicht mehr möglich.")
        )
    if now >= date.registration_closes_at:
        raise WorkshopError(
            _("Die Anmeldefrist für diesen Termin ist am %(deadline)s abgelaufen.")
            % {"deadline": when(date.registration_closes_at)}
        )
    if _active_enrollment(user=user, date=date) is None:
        raise WorkshopError(
            _(
                "Sie sind in den Kurs „%(course)s“ nicht eingeschrieben. "
                "Bitte schreiben Sie sich zuerst ein."
            )
            % {"course": date.course.title}
        )
    existing = WorkshopRegistration.objects.filter(date=date, user=user).first()
    if existing and existing.status == Status.REGISTERED:
        raise WorkshopError(_("Sie sind für diesen Termin bereits angemeldet."))
    if existing and existing.status == Status.WAITLISTED:
        raise WorkshopError(_("Sie stehen für diesen Termin bereits auf der Warteliste."))
    if date.module_id:
        other = (
            WorkshopRegistration.objects.filter(
                user=user,
                status__in=HOLDING,
                date__module_id=date.module_id,
                date__status=WorkshopDate.Status.SCHEDULED,
                date__starts_at__gt=now,
            )
            .exclude(date=date)
            .select_related("date")
            .first()
        )
        if other:
            raise WorkshopError(
                _(
                    "Sie sind bereits für einen anderen Termin dieses Moduls angemeldet "
                    "(%(date)s). Bitte melden Sie sich dort zuerst ab."
                )
                % {"date": when(other.date.starts_at)}
            )

    status = Status.REGISTERED if _registered_count(date) < date.capacity else Status.WAITLISTED
    if existing:
        registration = existing
        registration.status = status
        registration.queued_at = now
        registration.cancelled_at = registration.promoted_at = None
        registration.reminder_sent_at = None
        registration.walk_in = False
        registration.revision += 1
        registration.save()
    else:
        registration = WorkshopRegistration.objects.create(
            date=date, user=user, status=status, queued_at=now
        )
    registration.date = date
    if status == Status.REGISTERED:
        notifications.registered(registration)
        schedule_reminder(registration)
    else:
        notifications.waitlisted(registration, position=waitlist_position(registration))
    return registration


def waitlist_position(registration: WorkshopRegistration) -> int:
    ahead = _waitlist(registration.date).filter(queued_at__lt=registration.queued_at).count()
    same_time = (
        _waitlist(registration.date)
        .filter(queued_at=registration.queued_at, pk__lt=registration.pk)
        .count()
    )
    return ahead + same_time + 1


@transaction.atomic
def cancel_registration(*, user, date: WorkshopDate) -> WorkshopRegistration:
    """Give up a place (until the cancellation deadline) or leave the waiting list."""
    date = _locked(date)
    now = timezone.now()
    registration = WorkshopRegistration.objects.filter(
        date=date, user=user, status__in=HOLDING
    ).first()
    if registration is None:
        raise WorkshopError(_("Sie sind für diesen Termin nicht angemeldet."))
    if date.is_cancelled:
        raise WorkshopError(_("Dieser Termin wurde abgesagt; Sie müssen sich nicht abmelden."))
    if date.has_started(now):
        raise WorkshopError(
            _("Der Termin hat bereits begonnen; eine Abmeldung ist nicht mehr möglich.")
        )
    had_place = registration.status == Status.REGISTERED
    if had_place and now >= date.cancellation_closes_at:
        raise WorkshopError(
            _(
                "Die Abmeldefrist ist am %(deadline)s abgelaufen. Bitte wenden Sie sich an "
                "die Koordination, wenn Sie nicht teilnehmen können."
            )
            % {"deadline": when(date.cancellation_closes_at)}
        )
    _mark_cancelled(registration, date=date, now=now)
    notifications.registration_cancelled(registration, had_place=had_place)
    if had_place:
        _fill_places(date)
    return registration


def _mark_cancelled(registration: WorkshopRegistration, *, date: WorkshopDate, now) -> None:
    """The person no longer holds a place or a waiting-list entry; a planned reminder sees the
    new revision and stays silent."""
    registration.status = Status.CANCELLED
    registration.cancelled_at = now
    registration.revision += 1
    registration.reminder_sent_at = None
    registration.save()
    registration.date = date


def _fill_places(date: WorkshopDate) -> list[WorkshopRegistration]:
    """Promote waiting people in order while places are free (caller holds the date's lock)."""
    if date.is_cancelled or date.has_started():
        return []
    free = date.capacity - _registered_count(date)
    promoted = []
    for registration in list(_waitlist(date).select_related("user")[: max(free, 0)]):
        registration.status = Status.REGISTERED
        registration.promoted_at = timezone.now()
        registration.reminder_sent_at = None
        registration.save(update_fields=["status", "promoted_at", "reminder_sent_at"])
        registration.date = date
        notifications.promoted(registration)
        schedule_reminder(registration)
        promoted.append(registration)
    return promoted


# --- Coordination and trainers ----------------------------------------------------------


@dataclass
class DateChange:
    date: WorkshopDate
    changed_fields: list[str]
    promoted: list[WorkshopRegistration]


@transaction.atomic
def save_workshop_date(*, date: WorkshopDate, changed_by, trainers=None) -> DateChange:
    """Create or change a date; people with a place or on the waiting list hear of moves."""
    if date.pk is None:
        date.save()
        if trainers is not None:
            date.trainers.set(trainers)
        return DateChange(date=date, changed_fields=[], promoted=[])

    before = _locked(date)
    if not can_run(changed_by, before):
        raise WorkshopError(_("Sie dürfen diesen Termin nicht ändern."))
    if before.is_cancelled:
        raise WorkshopError(_("Ein abgesagter Termin kann nicht mehr geändert werden."))
    registered = _registered_count(before)
    if date.capacity < before.capacity and date.capacity < registered:
        raise WorkshopError(
            _(
                "Für diesen Termin sind bereits %(count)s Personen angemeldet. Die Zahl der "
                "Plätze kann nicht darunter sinken."
            )
            % {"count": registered}
        )
    changed = [name for name in CALENDAR_FIELDS if getattr(date, name) != getattr(before, name)]
    reschedule = bool(changed) or date.reminder_days != before.reminder_days
    # Fields only the services change are taken from the locked row, never from a form.
    date.status, date.sequence = before.status, before.sequence + (1 if changed else 0)
    date.cancelled_at, date.cancellation_reason = before.cancelled_at, before.cancellation_reason
    date.save()
    if trainers is not None:
        date.trainers.set(trainers)

    if reschedule and not date.is_over():
        people = list(
            date.registrations.filter(status__in=HOLDING).select_related("user").order_by("pk")
        )
        labels = [str(CALENDAR_FIELDS[name]) for name in changed]
        for registration in people:
            registration.date = date
            if registration.status == Status.REGISTERED:
                registration.reminder_sent_at = None
                registration.save(update_fields=["reminder_sent_at"])
                schedule_reminder(registration)
            if changed:
                notifications.date_changed(registration, changes=labels)
    promoted = _fill_places(date) if date.capacity > before.capacity else []
    return DateChange(date=date, changed_fields=changed, promoted=promoted)


@transaction.atomic
def cancel_workshop_date(*, date: WorkshopDate, cancelled_by, reason: str = "") -> WorkshopDate:
    """Cancel a date: everyone with a place or on the waiting list is told."""
    if not can_cancel(cancelled_by):
        raise WorkshopError(_("Nur die Koordination kann Termine absagen."))
    date = _locked(date)
    if date.is_cancelled:
        raise WorkshopError(_("Dieser Termin ist bereits abgesagt."))
    if date.is_over():
        raise WorkshopError(_("Ein vergangener Termin kann nicht abgesagt werden."))
    date.status = WorkshopDate.Status.CANCELLED
    date.cancelled_at = timezone.now()
    date.cancellation_reason = reason.strip()[:2000]
    date.sequence += 1
    date.save(
        update_fields=["status", "cancelled_at", "cancellation_reason", "sequence", "updated_at"]
    )
    for registration in date.registrations.filter(status__in=HOLDING).select_related("user"):
        registration.date = date
        notifications.date_cancelled(registration)
    return date


def _check_roster_access(*, date: WorkshopDate, user) -> None:
    if not can_run(user, date):
        raise WorkshopError(
            _(
                "Sie sind für diesen Termin nicht als Referent*in eingetragen und können "
                "keine Anwesenheit erfassen."
            )
        )
    if date.is_cancelled:
        raise WorkshopError(_("Für einen abgesagten Termin wird keine Anwesenheit erfasst."))
    if timezone.localdate() < timezone.localtime(date.starts_at).date():
        raise WorkshopError(_("Die Anwesenheit kann erst ab dem Tag des Termins erfasst werden."))


def _set_attendance(
    registration: WorkshopRegistration, *, attendance: str, note: str, by, now
) -> bool:
    if attendance == registration.attendance and note == registration.attendance_note:
        return False
    AttendanceChange.objects.create(
        registration=registration,
        changed_by=by,
        changed_at=now,
        attendance_before=registration.attendance,
        attendance_after=attendance,
        note_before=registration.attendance_note,
        note_after=note,
    )
    registration.attendance = attendance
    registration.attendance_note = note
    registration.attendance_recorded_at = now
    registration.attendance_recorded_by = by
    registration.save(
        update_fields=[
            "attendance",
            "attendance_note",
            "attendance_recorded_at",
            "attendance_recorded_by",
        ]
    )
    return True


def _update_completion(*, date: WorkshopDate, users) -> None:
    enrollments = Enrollment.objects.active().filter(
        course_id=date.course_id, user__in=users, completed_at__isnull=True
    )
    for enrollment in enrollments.select_related("user", "course"):
        record_course_completion(enrollment=enrollment)


@transaction.atomic
def record_attendance(
    *,
    date: WorkshopDate,
    recorded_by,
    marks: dict[int, tuple[str, str]],
    all_present: bool = False,
) -> int:
    """Save the roster: `marks` maps registration ids to (attendance, note).

    An empty attendance keeps what was saved before; with `all_present`, everyone still
    without a mark is recorded as present. Returns the number of changed entries.
    """
    date = _locked(date)
    _check_roster_access(date=date, user=recorded_by)
    roster = {
        registration.pk: registration
        for registration in date.registrations.filter(status=Status.REGISTERED)
    }
    if set(marks) - set(roster):
        raise WorkshopError(_("Mindestens eine Person steht nicht auf der Liste dieses Termins."))
    valid = set(Attendance.values) | {""}
    now = timezone.now()
    changed_users = []
    for pk, registration in roster.items():
        attendance, note = marks.get(pk, ("", registration.attendance_note))
        if attendance not in valid:
            raise WorkshopError(_("Bitte wählen Sie anwesend, entschuldigt oder abwesend."))
        note = " ".join(note.split())
        if len(note) > MAX_NOTE_LENGTH:
            raise WorkshopError(
                _("Eine Notiz ist zu lang (höchstens %(max)s Zeichen).") % {"max": MAX_NOTE_LENGTH}
            )
        attendance = attendance or registration.attendance
        if not attendance and all_present:
            attendance = Attendance.PRESENT
        if _set_attendance(registration, attendance=attendance, note=note, by=recorded_by, now=now):
            changed_users.append(registration.user_id)
    _update_completion(date=date, users=changed_users)
    return len(changed_users)


RELEASE_REASON_MAX_LENGTH = 500


@transaction.atomic
def release_place(
    *, date: WorkshopDate, registration_id: int, released_by, reason: str
) -> WorkshopRegistration:
    """Koordination takes a person off a date (their place or the waiting list), also after
    the cancellation deadline: e.g. after a call from someone who is ill. The person is told
    why by e-mail, a freed place goes to the waiting list, and the site history records it."""
    if not can_cancel(released_by):
        raise WorkshopError(_("Nur die Koordination kann Anmeldungen stornieren."))
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise WorkshopError(_("Bitte geben Sie einen Grund an. Die Person erhält ihn per E-Mail."))
    if len(reason) > RELEASE_REASON_MAX_LENGTH:
        raise WorkshopError(
            _("Der Grund darf höchstens %(max)s Zeichen lang sein.")
            % {"max": RELEASE_REASON_MAX_LENGTH}
        )
    date = _locked(date)
    registration = (
        WorkshopRegistration.objects.select_related("user")
        .filter(pk=registration_id, date=date)
        .first()
    )
    if registration is None:
        raise WorkshopError(_("Diese Anmeldung gibt es nicht."))
    if registration.status not in HOLDING:  # e.g. a second click on the button
        raise WorkshopError(
            _("%(name)s ist für diesen Termin nicht mehr angemeldet.")
            % {"name": registration.user.get_full_name()}
        )
    if date.is_cancelled:
        raise WorkshopError(_("Dieser Termin wurde abgesagt; alle Angemeldeten sind informiert."))
    now = timezone.now()
    if date.has_started(now):
        raise WorkshopError(
            _(
                "Der Termin hat bereits begonnen. Tragen Sie stattdessen die Anwesenheit ein "
                "(zum Beispiel „entschuldigt“)."
            )
        )
    had_place = registration.status == Status.REGISTERED
    _mark_cancelled(registration, date=date, now=now)
    notifications.place_released(registration, had_place=had_place, reason=reason)
    log(
        instance=registration,
        action="lms.release_place",
        user=released_by,
        data={"date": date.pk, "had_place": had_place, "reason": reason},
    )
    if had_place:
        _fill_places(date)
    return registration


@transaction.atomic
def add_walk_in(*, date: WorkshopDate, user, added_by) -> WorkshopRegistration:
    """Put someone who came without registering on the roster, recorded as present."""
    date = _locked(date)
    _check_roster_access(date=date, user=added_by)
    if _active_enrollment(user=user, date=date) is None:
        raise WorkshopError(
            _("%(name)s ist nicht in den Kurs „%(course)s“ eingeschrieben.")
            % {"name": user.get_full_name(), "course": date.course.title}
        )
    registration = WorkshopRegistration.objects.filter(date=date, user=user).first()
    if registration and registration.status == Status.REGISTERED:
        raise WorkshopError(
            _("%(name)s steht bereits auf der Liste.") % {"name": user.get_full_name()}
        )
    now = timezone.now()
    if registration is None:
        registration = WorkshopRegistration(date=date, user=user, queued_at=now)
    else:
        registration.revision += 1
    registration.status = Status.REGISTERED
    registration.walk_in = True
    registration.cancelled_at = None
    registration.save()
    _set_attendance(
        registration,
        attendance=Attendance.PRESENT,
        note=registration.attendance_note,
        by=added_by,
        now=now,
    )
    _update_completion(date=date, users=[user.pk])
    return registration


# --- Personal calendar feed -------------------------------------------------------------


@transaction.atomic
def renew_calendar_feed(*, user) -> CalendarFeed:
    """A new secret address; the previous one stops working at once."""
    feed, _created = CalendarFeed.objects.update_or_create(
        user=user,
        defaults={"token": secrets.token_urlsafe(32), "created_at": timezone.now()},
    )
    return feed


@transaction.atomic
def revoke_calendar_feed(*, user) -> None:
    CalendarFeed.objects.filter(user=user).delete()
