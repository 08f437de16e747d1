"""Reminders are task rows with run_after, executed by the real database worker."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from courses.workshops import services

pytestmark = pytest.mark.django_db
# The real worker calls close_old_connections(), which closes a PostgreSQL connection that is
# inside a test transaction; tests that run it therefore use real transactions.
worker_test = pytest.mark.django_db(transaction=True)
REMINDER_TASK = "courses.workshops.tasks.send_workshop_reminder"


def _reminders():
    return DBTaskResult.objects.filter(task_path=REMINDER_TASK).order_by("enqueued_at")


def _make_due():
    DBTaskResult.objects.filter(task_path=REMINDER_TASK).update(
        run_after=timezone.now() - timedelta(seconds=1)
    )


def test_registration_schedules_a_reminder_n_days_before(learner, make_date):
    date = make_date(reminder_days=5)
    services.register(user=learner, date=date)
    (task,) = _reminders()
    assert task.run_after == date.starts_at - timedelta(days=5)
    assert task.queue_name == "email"


@worker_test
def test_due_reminder_is_sent_once_by_the_worker(
    learner, date, run_tasks, django_capture_on_commit_callbacks
):
    services.register(user=learner, date=date)
    run_tasks()  # what earlier steps queued
    mail.outbox.clear()
    run_tasks()
    assert mail.outbox == []  # not due yet

    _make_due()
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    run_tasks()  # the e-mail task queued by the reminder

    (message,) = mail.outbox
    assert message.subject.startswith("Erinnerung: Praxistag Übergangsmodell am ")
    assert "wir erinnern Sie an Ihren Präsenztermin" in message.body
    assert message.attachments[0][0] == "termin.ics"
    assert _reminders().get().return_value == "gesendet"


@pytest.mark.parametrize("change", ["cancel_registration", "cancel_date", "move_date"])
@worker_test
def test_stale_reminders_send_nothing(
    learner, date, coordinator, run_tasks, change, django_capture_on_commit_callbacks
):
    services.register(user=learner, date=date)
    first = _reminders().get()
    if change == "cancel_registration":
        services.cancel_registration(user=learner, date=date)
    elif change == "cancel_date":
        services.cancel_workshop_date(date=date, cancelled_by=coordinator)
    else:
        date.starts_at += timedelta(days=2)
        date.ends_at += timedelta(days=2)
        services.save_workshop_date(date=date, changed_by=coordinator)
    run_tasks()  # what earlier steps queued
    mail.outbox.clear()
    DBTaskResult.objects.filter(pk=first.pk).update(run_after=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    run_tasks()

    first.refresh_from_db()
    assert first.return_value == "veraltet"
    assert not [m for m in mail.outbox if m.subject.startswith("Erinnerung")]
    if change == "move_date":
        newer = _reminders().exclude(pk=first.pk).get()
        assert newer.run_after == date.starts_at - timedelta(days=3)


def test_no_reminder_when_it_would_be_too_late_or_is_switched_off(learner, make_date):
    soon = make_date(starts_at=timezone.now() + timedelta(days=1))
    off = make_date(module=None, reminder_days=0)
    services.register(user=learner, date=soon)
    services.register(user=learner, date=off)
    assert not _reminders().exists()


@worker_test
def test_failed_sending_is_retried(learner, run_tasks, monkeypatch):
    """The e-mail task re-queues itself after an SMTP failure; nothing is lost."""
    from django.core.mail.backends.locmem import EmailBackend

    calls = {"count": 0}
    original = EmailBackend.send_messages

    def flaky(self, messages):
        calls["count"] += 1
        if calls["count"] == 1:
            raise OSError("SMTP nicht erreichbar")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    from lms.mail import send_mail_task

    send_mail_task.enqueue(to=[learner.email], subject="Test", text_body="Hallo")
    run_tasks()
    assert mail.outbox == []
    retry = DBTaskResult.objects.filter(task_path="lms.mail.send_mail_task", status="READY").get()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_tasks()
    assert [m.subject for m in mail.outbox] == ["Test"]
