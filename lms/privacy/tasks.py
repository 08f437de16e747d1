"""Daily retention run on the background worker; each run schedules its successor."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .retention import apply_retention


@task(backend="background")
def apply_retention_daily(reschedule: bool = True) -> dict[str, int]:
    counts = apply_retention()
    if reschedule:
        transaction.on_commit(
            lambda: apply_retention_daily.using(
                run_after=timezone.now() + timedelta(days=1)
            ).enqueue()
        )
    return counts
