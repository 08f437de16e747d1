"""Demo Präsenztermine for the demo course (`manage.py load_demo`; never used in production).

Idempotent: dates are found by a stable UID and moved relative to today on every run, so the
demo always has upcoming dates (one nearly full, one full with a waiting list, one online) and
past dates with recorded attendance. Registrations for the demo are written directly (the
services refuse past dates); attendance goes through the service, so history and completion
are recorded as in real use.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from courses.models import CoursePage, Enrollment, ModulePage, WorkshopDate, WorkshopRegistration
from lms.accounts.demo import JUGENDAMT, PROVIDER_OF_DEMO_COORDINATOR, ensure_demo_person
from lms.accounts.models import User

from . import services

COURSE_SLUG = "fachkraft-leaving-care"
TRAINER = "referentin@example.org"
PARTICIPANT = "teilnehmende@example.org"
UID_NAMESPACE = uuid.UUID("0b7f6a52-8f0e-4a7c-9d55-3c1c2f6d9e41")
HQ = "Jugendamt Hildesheim, Bischof-Janssen-Straße 31, 31134 Hildesheim"

DEMO_PEOPLE = [
    # first name, last name, organisation, team
    ("Jana", "Özdemir", JUGENDAMT, "Bezirk 1"),
    ("Lukas", "Brandt", JUGENDAMT, "Bezirk 2"),
    ("Mira", "Schäfer", JUGENDAMT, "Bezirk 4"),
    ("Tobias", "Wendt", JUGENDAMT, "Bezirk 5"),
    ("Aylin", "Kaya", JUGENDAMT, "Bezirk 6"),
    ("Sven", "Lindner", JUGENDAMT, "Pflegekinderdienst"),
    ("Paula", "Reimann", PROVIDER_OF_DEMO_COORDINATOR, "Wohngruppe Nord"),
    ("Jonas", "Kraft", PROVIDER_OF_DEMO_COORDINATOR, "Verselbstständigungsgruppe"),
    ("Lea", "Vogt", PROVIDER_OF_DEMO_COORDINATOR, "Ambulante Hilfen"),
    ("Emre", "Yilmaz", "Kinder- und Jugendhaus Leinebergland e. V. (Demo)", "Intensivgruppe"),
    ("Hanna", "Seidel", "Kinder- und Jugendhaus Leinebergland e. V. (Demo)", "Mädchenwohngruppe"),
    (
        "Nils",
        "Hartmann",
        "Diakonische Jugendhilfe Hildesheimer Börde (Demo)",
        "Betreutes Jugendwohnen",
    ),
    (
        "Sophie",
        "Krüger",
        "Diakonische Jugendhilfe Hildesheimer Börde (Demo)",
        "Nachbetreuung junge Volljährige",
    ),
    ("Ben", "Albrecht", JUGENDAMT, "Bezirk 3"),
]


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _people(password: str) -> list[User]:
    return [
        ensure_demo_person(
            email=f"{first.lower()}.{last.lower()}@example.org".replace("ö", "oe")
            .replace("ä", "ae")
            .replace("ü", "ue"),
            first_name=first,
            last_name=last,
            organisation_name=organisation,
            team_name=team,
            password=password,
        )
        for first, last, organisation, team in DEMO_PEOPLE
    ]


def _date(key: str, *, course, module, trainer, **fields) -> WorkshopDate:
    date, _created = WorkshopDate.objects.update_or_create(
        uid=uuid.uuid5(UID_NAMESPACE, key),
        defaults={"course": course, "module": module, **fields},
    )
    date.trainers.add(trainer)
    return date


def _register(date: WorkshopDate, people, status=WorkshopRegistration.Status.REGISTERED):
    for offset, person in enumerate(people):
        WorkshopRegistration.objects.get_or_create(
            date=date,
            user=person,
            defaults={
                "status": status,
                "queued_at": date.created_at + timedelta(minutes=offset),
            },
        )


@transaction.atomic
def create_demo_workshops(*, password: str | None = None) -> list[WorkshopDate]:
    course = CoursePage.objects.filter(slug=COURSE_SLUG).first()
    trainer = User.objects.filter(email=TRAINER).first()
    participant = User.objects.filter(email=PARTICIPANT).first()
    if course is None or trainer is None or participant is None:
        return []
    modules = {module.slug: module for module in ModulePage.objects.child_of(course)}
    module_2 = modules.get("hildesheimer-uebergangsmodell")
    module_3 = modules.get("fachstandard-stationaere-hilfen")
    people = _people(password or settings.DEMO_PASSWORD)
    for person in [participant, *people]:
        Enrollment.objects.get_or_create(user=person, course=course)
    common = {"status": WorkshopDate.Status.SCHEDULED, "reminder_days": 3}

    kickoff = _date(
        "kickoff",
        course=course,
        module=None,
        trainer=trainer,
        title="Auftakt der Reihe „Fachkraft Leaving Care“",
        starts_at=_at(-42, 9),
        ends_at=_at(-42, 15, 30),
        location=HQ,
        room="Großer Sitzungssaal",
        capacity=30,
        notes="Kennenlernen, Ziele der Reihe, Hildesheimer Übergangsmodell im Überblick.",
        **common,
    )
    practice_2 = _date(
        "module-2-practice",
        course=course,
        module=module_2,
        trainer=trainer,
        title="Praxistag Hildesheimer Übergangsmodell",
        starts_at=_at(-21, 9),
        ends_at=_at(-21, 16),
        location=HQ,
        room="Raum 2.14",
        capacity=16,
        notes="Fallarbeit in Kleingruppen: Übergangsplanung ab 16.",
        **common,
    )
    nearly_full = _date(
        "module-3-a",
        course=course,
        module=module_3,
        trainer=trainer,
        title="Fachstandard stationäre Hilfen in der Praxis",
        starts_at=_at(10, 9),
        ends_at=_at(10, 16),
        location="Diakonische Jugendhilfe Hildesheimer Börde, Am Markt 4, 31177 Harsum",
        room="Seminarraum",
        capacity=12,
        registration_deadline=_at(7, 12),
        cancellation_deadline=_at(8, 12),
        notes="Bitte bringen Sie einen anonymisierten Fall aus Ihrer Praxis mit.",
        **common,
    )
    full = _date(
        "module-3-b",
        course=course,
        module=module_3,
        trainer=trainer,
        title="Fachstandard stationäre Hilfen in der Praxis (Zusatztermin)",
        starts_at=_at(17, 13),
        ends_at=_at(17, 17, 30),
        location=HQ,
        room="Raum 1.05",
        capacity=6,
        **common,
    )
    online = _date(
        "online-voucher",
        course=course,
        module=None,
        trainer=trainer,
        title="Online-Sprechstunde Betreuungsgutschein",
        starts_at=_at(24, 14),
        ends_at=_at(24, 15, 30),
        location="",
        room="",
        online_url="https://konferenz.example.org/leaving-care-sprechstunde",
        capacity=25,
        notes="Fragen aus der Praxis zur Nachbetreuung mit dem Betreuungsgutschein.",
        **common,
    )

    _register(kickoff, [participant, *people[:10]])
    _register(practice_2, [participant, *people[:7]])
    _register(nearly_full, people[:11])
    _register(full, people[5:11])
    _register(full, people[11:13], status=WorkshopRegistration.Status.WAITLISTED)
    _register(online, [participant, *people[2:6]])

    absent = {people[4].pk: WorkshopRegistration.Attendance.ABSENT}
    excused = {people[8].pk: WorkshopRegistration.Attendance.EXCUSED}
    for date in (kickoff, practice_2):
        roster = date.registrations.filter(status=WorkshopRegistration.Status.REGISTERED)
        if roster.exclude(attendance="").exists():
            continue  # attendance was recorded on an earlier run (or edited since)
        marks = {
            registration.pk: (
                absent.get(registration.user_id)
                or excused.get(registration.user_id)
                or WorkshopRegistration.Attendance.PRESENT,
                "krankgemeldet" if registration.user_id in excused else "",
            )
            for registration in roster
        }
        services.record_attendance(date=date, recorded_by=trainer, marks=marks)
    return [kickoff, practice_2, nearly_full, full, online]
