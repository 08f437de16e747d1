"""iCalendar output: parsed back with the icalendar library and checked against RFC 5545."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from courses.models import CalendarFeed, WorkshopRegistration
from courses.workshops import ics, services

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def _parse(text: str) -> Calendar:
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "lines are folded"
    calendar = Calendar.from_ical(text)
    assert calendar["VERSION"] == "2.0"
    assert "Fachkraft Leaving Care" in calendar["PRODID"]
    (timezone_component,) = calendar.walk("VTIMEZONE")
    assert timezone_component["TZID"] == "Europe/Berlin"
    return calendar


def test_single_date_download_is_valid_and_in_berlin_time(client, make_date):
    summer_start = timezone.make_aware(datetime(2031, 7, 1, 9, 0), BERLIN)
    date = make_date(starts_at=summer_start, online_url="https://konferenz.example.org/raum")

    response = client.get(reverse("workshop_date_ics", args=[date.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert "DTSTART;TZID=Europe/Berlin:20310701T090000" in text
    calendar = _parse(text)
    assert calendar["METHOD"] == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "Praxistag Übergangsmodell"
    assert event.decoded("DTSTART") == summer_start
    assert event.decoded("DTSTART").utcoffset() == timedelta(hours=2)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=6)
    assert "Raum 2.14" in event["LOCATION"]
    assert str(event["URL"]).endswith(date.get_absolute_url())
    assert "DTSTAMP" in event and "UID" in event
    # Only people with a place see the online link.
    assert "konferenz.example.org" not in text


def test_personal_feed_lists_only_dates_with_a_place(client, learner, make_date, learners):
    mine = make_date(
        module=None, title="Mein Termin", online_url="https://konferenz.example.org/raum"
    )
    waiting_date = make_date(module=None, title="Voll", capacity=1)
    other = make_date(module=None, title="Fremder Termin")
    services.register(user=learner, date=mine)
    services.register(user=learners(1)[0], date=waiting_date)
    services.register(user=learner, date=waiting_date)
    services.register(user=learners(1)[0], date=other)
    feed = services.renew_calendar_feed(user=learner)

    response = client.get(reverse("workshop_calendar_feed", args=[feed.token]))

    assert response.status_code == 200
    calendar = _parse(response.content.decode())
    assert calendar["X-WR-CALNAME"].startswith("Meine Präsenztermine")
    events = calendar.walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == ["Mein Termin"]
    assert "konferenz.example.org" in str(events[0]["DESCRIPTION"])


def test_renewing_the_feed_revokes_the_old_address(client, learner):
    old = services.renew_calendar_feed(user=learner).token
    new = services.renew_calendar_feed(user=learner).token
    assert old != new
    assert client.get(reverse("workshop_calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("workshop_calendar_feed", args=[new])).status_code == 200
    services.revoke_calendar_feed(user=learner)
    assert client.get(reverse("workshop_calendar_feed", args=[new])).status_code == 404


def test_unknown_feed_token_is_not_found(client, db):
    assert client.get(reverse("workshop_calendar_feed", args=["geraten"])).status_code == 404


def test_sequence_never_goes_down_across_cancel_and_re_register(learner, date):
    registration = services.register(user=learner, date=date)
    sequences = [registration.ical_sequence]
    registration = services.cancel_registration(user=learner, date=date)
    sequences.append(registration.ical_sequence)
    registration = services.register(user=learner, date=date)
    sequences.append(registration.ical_sequence)
    date.title = "Neuer Titel"
    services.save_workshop_date(date=date, changed_by=date.trainers.get())
    registration.refresh_from_db()
    sequences.append(WorkshopRegistration.objects.get(pk=registration.pk).ical_sequence)
    assert sequences == sorted(sequences) and len(set(sequences)) == 4
    event = _parse(ics.invitation(registration)).walk("VEVENT")[0]
    assert event["SEQUENCE"] == sequences[-1]
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert str(event["ORGANIZER"]).startswith("mailto:")


def test_profile_shows_and_manages_the_feed(participant_client, participant):
    page = participant_client.get(reverse("account_profile"))
    assert "Kalenderadresse einrichten" in page.content.decode()

    participant_client.post(reverse("workshop_calendar_renew"))
    feed = CalendarFeed.objects.get(user=participant)
    page = participant_client.get(reverse("account_profile")).content.decode()
    assert f"http://testserver/kalender/{feed.token}/termine.ics" in page
    assert f"webcal://testserver/kalender/{feed.token}/termine.ics" in page

    participant_client.post(reverse("workshop_calendar_revoke"))
    assert not CalendarFeed.objects.filter(user=participant).exists()
