"""iCalendar (RFC 5545) for workshop dates: downloads, the personal feed, e-mail invitations.

Times are written in Europe/Berlin with a VTIMEZONE, so calendars show the local time even
across the change to and from summer time. The UID is the date's; SEQUENCE combines the date's
changes with the person's own (cancel, re-register) so it never goes down.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from courses.models import WorkshopDate, WorkshopRegistration

BERLIN = ZoneInfo("Europe/Berlin")
PRODID = "-//Jugendamt Stadt und Landkreis Hildesheim//Fachkraft Leaving Care//DE"
UID_DOMAIN = "fachkraft-leaving-care"


def absolute_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _organizer() -> vCalAddress:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(name or settings.WAGTAIL_SITE_NAME)
    return organizer


def _event(
    date: WorkshopDate,
    *,
    sequence: int,
    cancelled: bool = False,
    attendee=None,
    show_online_link: bool = False,
) -> Event:
    url = absolute_url(date.get_absolute_url())
    event = Event()
    event.add("uid", f"{date.uid}@{UID_DOMAIN}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", date.starts_at.astimezone(BERLIN))
    event.add("dtend", date.ends_at.astimezone(BERLIN))
    event.add("summary", date.title)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled or date.is_cancelled else "CONFIRMED")
    event.add("last-modified", date.updated_at or timezone.now())
    location = date.place
    if show_online_link and date.online_url:
        location = f"{location} – {date.online_url}" if date.location else date.online_url
    if location:
        event.add("location", location)
    description = [date.course.title]
    if date.notes:
        description.append(date.notes)
    if show_online_link and date.online_url:
        description.append(f"Online: {date.online_url}")
    description.append(url)
    event.add("description", "\n\n".join(description))
    event.add("url", url)
    if attendee is not None:
        event.add("organizer", _organizer())
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params["cn"] = vText(attendee.get_full_name() or attendee.email)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("DECLINED" if cancelled else "ACCEPTED")
        address.params["rsvp"] = vText("FALSE")
        event.add("attendee", address)
    return event


def _calendar(events: Iterable[Event], *, method: str, name: str | None = None) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", "Europe/Berlin")
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def invitation(registration: WorkshopRegistration) -> str:
    """METHOD:REQUEST for a confirmed place: creates or updates the calendar entry."""
    event = _event(
        registration.date,
        sequence=registration.ical_sequence,
        attendee=registration.user,
        show_online_link=True,
    )
    return _calendar([event], method="REQUEST")


def cancellation(registration: WorkshopRegistration) -> str:
    """METHOD:CANCEL: removes the entry (date cancelled, or the person cancelled their place)."""
    event = _event(
        registration.date,
        sequence=registration.ical_sequence,
        cancelled=True,
        attendee=registration.user,
    )
    return _calendar([event], method="CANCEL")


def single_date(date: WorkshopDate, *, registration: WorkshopRegistration | None = None) -> str:
    """The download on the date's page (the online link only for people with a place)."""
    has_place = (
        registration is not None and registration.status == WorkshopRegistration.Status.REGISTERED
    )
    event = _event(
        date,
        sequence=registration.ical_sequence if registration else date.sequence,
        show_online_link=has_place,
    )
    return _calendar([event], method="PUBLISH")


def feed(registrations: Iterable[WorkshopRegistration], *, name: str) -> str:
    """A person's subscription: every date they have a place at."""
    events = [
        _event(
            registration.date,
            sequence=registration.ical_sequence,
            show_online_link=True,
        )
        for registration in registrations
    ]
    return _calendar(events, method="PUBLISH", name=name)
