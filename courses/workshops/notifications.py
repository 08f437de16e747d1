"""E-mails about workshop dates (German, text and HTML), queued to send after the commit."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from courses.models import WorkshopRegistration
from lms.mail import queue_templated_mail

from . import ics

TEMPLATES = "courses/workshops/email/"
ICS_NAME = "termin.ics"
ICS_TYPE = "text/calendar"


def _send(registration: WorkshopRegistration, template: str, attachment: str | None, **extra):
    date = registration.date
    context = {
        "registration": registration,
        "person": registration.user,
        "date": date,
        "course": date.course,
        "date_url": ics.absolute_url(date.get_absolute_url()),
        "site_name": settings.WAGTAIL_SITE_NAME,
        **extra,
    }
    attachments = [(ICS_NAME, attachment, ICS_TYPE)] if attachment else None
    # The series is run in German; the worker sends reminders outside any request.
    with translation.override("de"):
        queue_templated_mail(
            to=[registration.user.email],
            template=TEMPLATES + template,
            context=context,
            attachments=attachments,
        )


def registered(registration: WorkshopRegistration) -> None:
    _send(registration, "registered", ics.invitation(registration))


def waitlisted(registration: WorkshopRegistration, *, position: int) -> None:
    _send(registration, "waitlisted", None, position=position)


def promoted(registration: WorkshopRegistration) -> None:
    _send(registration, "promoted", ics.invitation(registration))


def registration_cancelled(registration: WorkshopRegistration, *, had_place: bool) -> None:
    _send(
        registration,
        "registration_cancelled",
        ics.cancellation(registration) if had_place else None,
    )


def place_released(registration: WorkshopRegistration, *, had_place: bool, reason: str) -> None:
    _send(
        registration,
        "place_released",
        ics.cancellation(registration) if had_place else None,
        had_place=had_place,
        reason=reason,
    )


def date_changed(registration: WorkshopRegistration, *, changes: list[str]) -> None:
    has_place = registration.status == WorkshopRegistration.Status.REGISTERED
    _send(
        registration,
        "changed",
        ics.invitation(registration) if has_place else None,
        changes=changes,
    )


def date_cancelled(registration: WorkshopRegistration) -> None:
    has_place = registration.status == WorkshopRegistration.Status.REGISTERED
    _send(registration, "cancelled", ics.cancellation(registration) if has_place else None)


def reminder(registration: WorkshopRegistration) -> None:
    _send(registration, "reminder", ics.invitation(registration))
