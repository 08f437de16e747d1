"""Retention rules: what is removed once its storage period (settings PRIVACY_*_DAYS) is over."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

logger = logging.getLogger(__name__)


def unverified_accounts(now=None):
    """Self-registered accounts whose address was never confirmed within the period.

    Only accounts that have an unconfirmed address and no confirmed one, never signed in, hold no
    staff role and no certificate: people created by the coordination (no address row yet) and
    anyone with a certificate are never removed automatically.
    """
    from allauth.account.models import EmailAddress

    from lms.accounts.models import User

    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PRIVACY_UNVERIFIED_ACCOUNT_DAYS)
    addresses = EmailAddress.objects.filter(user=OuterRef("pk"))
    return (
        User.objects.filter(date_joined__lt=cutoff, last_login__isnull=True)
        .filter(is_staff=False, is_superuser=False, certificates__isnull=True)
        .filter(Exists(addresses))
        .exclude(Exists(addresses.filter(verified=True)))
        .distinct()
    )


def old_task_results(now=None):
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PRIVACY_TASK_RESULT_DAYS)
    return DBTaskResult.objects.filter(status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=cutoff)


def old_invitations(now=None):
    """Accepted invitations, and open ones (which then expire), older than the period."""
    from courses.models import Invitation

    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PRIVACY_INVITATION_DAYS)
    return Invitation.objects.filter(
        Q(accepted_at__lt=cutoff) | Q(accepted_at__isnull=True, created_at__lt=cutoff)
    )


def apply_retention(now=None) -> dict[str, int]:
    from .services import delete_account

    accounts = 0
    for user in unverified_accounts(now):
        delete_account(user=user)
        accounts += 1
    task_results, _ = old_task_results(now).delete()
    invitations, _ = old_invitations(now).delete()
    counts = {"accounts": accounts, "task_results": task_results, "invitations": invitations}
    logger.info(
        "Retention: %(accounts)s unverified accounts, %(task_results)s task results, "
        "%(invitations)s invitations removed",
        counts,
    )
    return counts
