"""A cohort of about 60 demo participants with varied progress, attendance and certificates.

So that every report and the coverage view show something meaningful after `make run`:
people spread over the Jugendamt's six Bezirke and the demo providers, some teams without a
certified Fachkraft. Deterministic (seeded) and idempotent.
"""

import random
import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lms.accounts.demo import DEMO_ORGANISATIONS, ensure_demo_person
from lms.accounts.models import User

from .. import services as learning
from ..models import (
    CoursePage,
    Enrollment,
    LessonCompletion,
    LessonPage,
    ModulePage,
    QuizAttempt,
    WorkshopDate,
    WorkshopRegistration,
)
from ..workshops import services as workshops

COHORT_SIZE = 48
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Carla",
    "Deniz",
    "Elif",
    "Finn",
    "Greta",
    "Hannes",
    "Ilka",
    "Jonas",
    "Katja",
    "Lukas",
    "Marta",
    "Noah",
    "Olivia",
    "Paul",
    "Rana",
    "Sven",
    "Tabea",
    "Umut",
    "Vera",
    "Wiebke",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Albers",
    "Brandt",
    "Cordes",
    "Dietrich",
    "Evers",
    "Fricke",
    "Gerdes",
    "Heine",
    "Jansen",
    "Kaiser",
    "Lange",
    "Meyer",
    "Nolte",
    "Otte",
    "Peters",
    "Quast",
    "Rohde",
    "Stolte",
    "Thiele",
    "Vogt",
    "Wendt",
    "Ziegler",
]
# Teams that stay without a certified person, so the coverage view shows real gaps.
UNCOVERED_TEAMS = {"Bezirk 5", "Mädchenwohngruppe", "Pflegekinderdienst"}
PAST_DATE_NAMESPACE = uuid.UUID("5d0f3c3e-2f57-4c61-9b1c-5a7e3d3f0c11")


def _teams() -> list[tuple[str, str]]:
    return [
        (organisation, team)
        for (organisation, _), teams in DEMO_ORGANISATIONS.items()
        for team, _kind in teams
    ]


def _cohort(password: str) -> list[User]:
    rng = random.Random(2026)
    teams = _teams()
    people = []
    for number in range(COHORT_SIZE):
        first, last = FIRST_NAMES[number % len(FIRST_NAMES)], rng.choice(LAST_NAMES)
        organisation, team = teams[number % len(teams)]
        people.append(
            ensure_demo_person(
                email=f"demo{number:02d}.{first.lower()}@example.org",
                first_name=first,
                last_name=last,
                organisation_name=organisation,
                team_name=team,
                password=password,
            )
        )
    return people


def _past_module_date(course, module, trainer) -> WorkshopDate:
    day = timezone.localdate() - timedelta(days=14)
    date, _ = WorkshopDate.objects.get_or_create(
        uid=uuid.uuid5(PAST_DATE_NAMESPACE, module.slug),
        defaults={
            "course": course,
            "module": module,
            "title": f"{module.title}: Praxistag",
            "starts_at": timezone.make_aware(datetime.combine(day, time(9))),
            "ends_at": timezone.make_aware(datetime.combine(day, time(16))),
            "location": "Jugendamt Hildesheim, Bischof-Janssen-Straße 31, 31134 Hildesheim",
            "room": "Raum 2.14",
            "capacity": 40,
        },
    )
    date.trainers.add(trainer)
    return date


@transaction.atomic
def create_demo_cohort(*, password: str | None = None) -> list[User]:
    course = CoursePage.objects.filter(slug="fachkraft-leaving-care").first()
    trainer = User.objects.filter(email="referentin@example.org").first()
    coordinator = User.objects.filter(email="koordination@example.org").first()
    if course is None or trainer is None:
        return []
    people = _cohort(password or settings.DEMO_PASSWORD)
    lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))
    workshop_modules = list(ModulePage.objects.child_of(course).filter(workshop_required=True))
    rng = random.Random(41)
    now = timezone.now()
    finishers = []
    for index, person in enumerate(people):
        enrollment, created = Enrollment.objects.get_or_create(
            user=person,
            course=course,
            defaults={
                "enrolled_at": now - timedelta(days=rng.randint(20, 120)),
                "enrolled_by": coordinator,
            },
        )
        # A third finish everything, the rest are spread from "not started" to "nearly done".
        done = len(lessons) if index % 3 == 0 else rng.randint(0, len(lessons) - 1)
        started = enrollment.enrolled_at
        completions, attempts = [], []
        for position, lesson in enumerate(lessons[:done]):
            when = started + timedelta(days=position * rng.uniform(0.5, 3))
            completions.append(LessonCompletion(user=person, lesson=lesson, completed_at=when))
            for block_id in lesson.knowledge_checks():
                if rng.random() < 0.3:  # a failed first attempt, then passed
                    attempts.append(
                        QuizAttempt(
                            user=person,
                            lesson=lesson,
                            block_id=block_id,
                            score=50,
                            passed=False,
                            submitted_at=when,
                        )
                    )
                attempts.append(
                    QuizAttempt(
                        user=person,
                        lesson=lesson,
                        block_id=block_id,
                        score=100,
                        passed=True,
                        submitted_at=when,
                    )
                )
        if created:
            LessonCompletion.objects.bulk_create(completions, ignore_conflicts=True)
            QuizAttempt.objects.bulk_create(attempts)
            if completions:
                Enrollment.objects.filter(pk=enrollment.pk).update(
                    last_activity_at=completions[-1].completed_at
                )
        if done == len(lessons):
            finishers.append((person, enrollment))

    for module in workshop_modules:
        date = _past_module_date(course, module, trainer)
        for person, _ in finishers:
            WorkshopRegistration.objects.get_or_create(
                date=date,
                user=person,
                defaults={"status": WorkshopRegistration.Status.REGISTERED},
            )
        unmarked = date.registrations.filter(attendance="")
        if unmarked.exists():
            workshops.record_attendance(
                date=date,
                recorded_by=trainer,
                marks={r.pk: (WorkshopRegistration.Attendance.PRESENT, "") for r in unmarked},
            )
    for _, enrollment in finishers:
        enrollment.refresh_from_db()
        learning.record_course_completion(enrollment=enrollment)
    _certify(finishers, issued_by=coordinator)
    return people


def _certify(finishers, *, issued_by) -> None:
    from certificates import services as certificates
    from certificates.models import Certificate

    for person, enrollment in finishers:
        if person.team and person.team.name in UNCOVERED_TEAMS:
            continue
        enrollment.refresh_from_db()
        if (
            enrollment.completed_at
            and not Certificate.objects.filter(user=person, course_id=enrollment.course_id).exists()
        ):
            certificates.issue_certificate(enrollment=enrollment, issued_by=issued_by)
