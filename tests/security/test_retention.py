"""Retention: unconfirmed sign-ups, finished task results and old invitations expire daily."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from courses.models import Invitation
from lms.privacy.retention import apply_retention
from lms.privacy.tasks import apply_retention_daily
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def _signup(email, *, days_ago, verified=False, **fields):
    user = User.objects.create_user(
        email=email, password="x" * 12, first_name="Ute", last_name="Ungeprüft", **fields
    )
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days_ago))
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def test_unconfirmed_signups_expire_after_the_period(settings, home_page):
    settings.PRIVACY_UNVERIFIED_ACCOUNT_DAYS = 14
    old = _signup("alt@example.org", days_ago=15)
    recent = _signup("neu@example.org", days_ago=13)
    confirmed = _signup("bestaetigt@example.org", days_ago=400, verified=True)
    staff = _signup("staff@example.org", days_ago=400, is_staff=True)
    created_by_coordination = User.objects.create_user(
        email="angelegt@example.org", password=None, first_name="A", last_name="B"
    )
    User.objects.filter(pk=created_by_coordination.pk).update(
        date_joined=timezone.now() - timedelta(days=400)
    )

    counts = apply_retention()

    assert counts["accounts"] == 1
    assert not User.objects.filter(pk=old.pk).exists()
    assert not EmailAddress.objects.filter(email="alt@example.org").exists()
    remaining = {recent.pk, confirmed.pk, staff.pk, created_by_coordination.pk}
    assert remaining <= set(User.objects.values_list("pk", flat=True))


def test_setting_changes_the_period(settings, home_page):
    settings.PRIVACY_UNVERIFIED_ACCOUNT_DAYS = 30
    user = _signup("alt@example.org", days_ago=20)
    apply_retention()
    assert User.objects.filter(pk=user.pk).exists()


def test_finished_task_results_expire(settings):
    settings.PRIVACY_TASK_RESULT_DAYS = 30
    now = timezone.now()

    def result(status, finished_days_ago):
        finished = (
            now - timedelta(days=finished_days_ago) if finished_days_ago is not None else None
        )
        return DBTaskResult.objects.create(
            status=status,
            args_kwargs={"args": [], "kwargs": {}},
            task_path="lms.mail.send_mail_task",
            queue_name="email",
            backend_name="background",
            run_after=now,
            finished_at=finished,
            exception_class_path="",
            traceback="",
        )

    old_ok = result("SUCCESSFUL", 31)
    old_failed = result("FAILED", 45)
    fresh = result("SUCCESSFUL", 29)
    waiting = result("READY", None)

    counts = apply_retention()

    assert counts["task_results"] == 2
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert old_ok.pk not in left and old_failed.pk not in left
    assert {fresh.pk, waiting.pk} <= left


def test_old_invitations_expire(settings, coordinator):
    from tests.factories import build_course

    settings.PRIVACY_INVITATION_DAYS = 90
    course = build_course(modules=1, lessons_per_module=1)
    now = timezone.now()

    def invitation(email, *, created_days_ago, accepted_days_ago=None):
        return Invitation.objects.create(
            email=email,
            course=course,
            invited_by=coordinator,
            created_at=now - timedelta(days=created_days_ago),
            accepted_at=now - timedelta(days=accepted_days_ago) if accepted_days_ago else None,
        )

    accepted_long_ago = invitation("a@example.org", created_days_ago=200, accepted_days_ago=91)
    accepted_recently = invitation("b@example.org", created_days_ago=200, accepted_days_ago=10)
    open_expired = invitation("c@example.org", created_days_ago=91)
    open_fresh = invitation("d@example.org", created_days_ago=5)

    counts = apply_retention()

    assert counts["invitations"] == 2
    left = set(Invitation.objects.values_list("pk", flat=True))
    assert left == {accepted_recently.pk, open_fresh.pk}
    assert accepted_long_ago.pk not in left and open_expired.pk not in left


def test_daily_task_runs_on_the_worker_and_schedules_its_successor(
    run_tasks, django_capture_on_commit_callbacks, home_page, settings
):
    settings.PRIVACY_UNVERIFIED_ACCOUNT_DAYS = 14
    old = _signup("alt@example.org", days_ago=20)
    with django_capture_on_commit_callbacks(execute=True):
        apply_retention_daily.enqueue()
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()
    assert not User.objects.filter(pk=old.pk).exists()
    successors = DBTaskResult.objects.filter(
        task_path=apply_retention_daily.module_path, status="READY"
    )
    assert successors.count() == 1
    assert successors.get().run_after > timezone.now() + timedelta(hours=23)


def test_schedule_command_is_idempotent(capsys):
    from django.core.management import call_command

    call_command("schedule_privacy_retention")
    call_command("schedule_privacy_retention")
    waiting = DBTaskResult.objects.filter(task_path=apply_retention_daily.module_path)
    assert waiting.count() == 1
    assert "bereits eingeplant" in capsys.readouterr().out


def test_participants_with_certificates_are_never_removed_automatically(settings, home_page):
    user = UserFactory(email="zert@example.org")
    EmailAddress.objects.filter(user=user).update(verified=False)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=400))
    from certificates.models import Certificate

    Certificate.objects.create(
        user=user, year=2026, sequence=99, number="LC-2026-0099", issued_at=timezone.now()
    )
    apply_retention()
    assert User.objects.filter(pk=user.pk).exists()
