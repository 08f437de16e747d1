"""Who may do what with workshop dates; the single place for these rules."""

from __future__ import annotations

from courses.models import WorkshopDate


def can_manage_dates(user) -> bool:
    """Create dates and see "Meine Termine": trainers and coordinators."""
    return user.is_authenticated and user.is_active and (user.is_coordinator or user.is_trainer)


def can_run(user, date: WorkshopDate) -> bool:
    """See the roster, record attendance, print the sign-in sheet, edit the date."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_coordinator or (user.is_trainer and date.is_led_by(user))


def can_cancel(user) -> bool:
    """Cancel a date (everyone registered is told): the coordination of the series."""
    return user.is_authenticated and user.is_active and user.is_coordinator
