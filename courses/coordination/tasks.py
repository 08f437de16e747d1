"""Automatic reminders: a daily task on the background worker that schedules its successor."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


def due_reminders(now=None):
    """(enrollment, kind) pairs that are due now and were not sent before."""
    from ..models import Enrollment, ReminderLog, ReminderRule

    now = now or timezone.now()
    due = []
    for rule in ReminderRule.objects.select_related("course"):
        base = (
            Enrollment.objects.active()
            .filter(course=rule.course, completed_at__isnull=True)
            .select_related("user__organisation", "course")
        )
        if rule.not_started_days:
            not_started = base.filter(
                last_activity_at__isnull=True,
                enrolled_at__lte=now - timedelta(days=rule.not_started_days),
            ).exclude(reminders__kind=ReminderLog.Kind.NOT_STARTED)
            due += [(e, ReminderLog.Kind.NOT_STARTED, rule) for e in not_started]
        if rule.stalled_days:
            stalled = base.filter(
                last_activity_at__lte=now - timedelta(days=rule.stalled_days)
            ).exclude(reminders__kind=ReminderLog.Kind.STALLED)
            due += [(e, ReminderLog.Kind.STALLED, rule) for e in stalled]
    return due


def send_due_reminders_now(now=None) -> int:
    from lms.accounts.models import User
    from lms.accounts.roles import Role
    from lms.mail import queue_templated_mail

    from ..models import ReminderLog
    from .services import send_reminders

    base_url = settings.WAGTAILADMIN_BASE_URL
    sent = 0
    for enrollment, kind, rule in due_reminders(now):
        try:
            with transaction.atomic():
                ReminderLog.objects.create(enrollment=enrollment, kind=kind)
                sent += send_reminders(enrollments=[enrollment], sent_by=None, base_url=base_url)
                if rule.copy_to_provider_coordination and enrollment.user.organisation_id:
                    coordinators = User.objects.filter(
                        organisation_id=enrollment.user.organisation_id,
                        groups__name=Role.PROVIDER_COORDINATOR,
                        is_active=True,
                    )
                    recipients = [person.email for person in coordinators]
                    if recipients:
                        queue_templated_mail(
                            to=recipients,
                            template="courses/coordination/email/reminder_copy",
                            context={
                                "person": enrollment.user,
                                "course": enrollment.course,
                                "kind": ReminderLog.Kind(kind).label,
                            },
                        )
        except IntegrityError:  # another worker sent this one in the meantime
            continue
    return sent


@task(backend="background")
def send_due_reminders(reschedule: bool = True) -> int:
    sent = send_due_reminders_now()
    logger.info("Sent %s automatic reminders", sent)
    if reschedule:
        transaction.on_commit(
            lambda: send_due_reminders.using(run_after=timezone.now() + timedelta(days=1)).enqueue()
        )
    return sent
