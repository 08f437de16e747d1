"""Reminders before a workshop date, run by the background worker at the scheduled time.

A reminder carries what the registration looked like when it was scheduled (the date's
sequence, the registration's revision, start and reminder days). If anything changed since,
the date was moved, cancelled or the person cancelled, and the task does nothing: a newer
reminder (if any) was scheduled with the change.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from courses.models import WorkshopDate, WorkshopRegistration

from . import notifications

logger = logging.getLogger(__name__)


def _key(registration: WorkshopRegistration) -> dict:
    date = registration.date
    return {
        "date_sequence": date.sequence,
        "revision": registration.revision,
        "starts_at": int(date.starts_at.timestamp()),
        "reminder_days": date.reminder_days,
    }


def schedule_reminder(registration: WorkshopRegistration) -> None:
    """Queue the reminder in the caller's transaction (the task row commits with the change)."""
    date = registration.date
    if not date.reminder_days:
        return
    run_after = date.starts_at - timedelta(days=date.reminder_days)
    if run_after <= timezone.now():
        return  # too late for a reminder: the confirmation has just been sent
    send_workshop_reminder.using(run_after=run_after).enqueue(
        registration_id=registration.pk, **_key(registration)
    )


@task(backend="background", queue_name="email")
def send_workshop_reminder(
    *, registration_id: int, date_sequence: int, revision: int, starts_at: int, reminder_days: int
) -> str:
    with transaction.atomic():
        registration = (
            WorkshopRegistration.objects.select_for_update(of=("self",))
            .select_related("date", "date__course", "user")
            .filter(pk=registration_id)
            .first()
        )
        expected = {
            "date_sequence": date_sequence,
            "revision": revision,
            "starts_at": starts_at,
            "reminder_days": reminder_days,
        }
        if (
            registration is None
            or registration.status != WorkshopRegistration.Status.REGISTERED
            or registration.date.status != WorkshopDate.Status.SCHEDULED
            or registration.date.has_started()
            or registration.reminder_sent_at is not None
            or _key(registration) != expected
        ):
            logger.info("Erinnerung für Anmeldung %s entfällt (veraltet)", registration_id)
            return "veraltet"
        registration.reminder_sent_at = timezone.now()
        registration.save(update_fields=["reminder_sent_at"])
        notifications.reminder(registration)
    return "gesendet"
