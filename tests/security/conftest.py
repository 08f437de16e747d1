from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from lms.accounts.roles import Role
from tests.factories import (
    OrganisationFactory,
    TeamFactory,
    UserFactory,
    build_course,
    workshop_date,
)


@dataclass
class LearnerData:
    """Everything a participant leaves behind on the platform, built through the services."""

    user: object
    course: object
    enrollment: object
    lesson: object
    completion: object
    attempt: object
    reflection: object
    date: object
    registration: object
    calendar_feed: object
    certificate: object


def build_learner_data(*, user, course, trainer, coordinator, note: str) -> LearnerData:
    from certificates.services import issue_certificate
    from courses import services
    from courses.models import Enrollment, LessonPage, WorkshopDate
    from courses.workshops import services as workshop_services

    enrollment = services.enrol(user=user, course=course, enrolled_by=coordinator)
    lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))
    lesson = lessons[0]
    attempt = services.submit_knowledge_check(
        user=user, lesson=lesson, block_id="check-1-1", answers={"q0": ["1"], "q1": ["0", "2"]}
    )
    reflection = services.save_reflection(user=user, lesson=lesson, block_id="refl-1-1", text=note)
    completion = services.complete_lesson(user=user, lesson=lesson)
    date = workshop_date(
        course=course, trainers=[trainer], starts_at=timezone.now() + timedelta(days=10)
    )
    registration = workshop_services.register(user=user, date=date)
    # Attendance is recorded from the day of the date on: let the date begin an hour ago.
    began = timezone.now() - timedelta(hours=1)
    WorkshopDate.objects.filter(pk=date.pk).update(
        starts_at=began, ends_at=began + timedelta(hours=6)
    )
    date.refresh_from_db()
    workshop_services.record_attendance(
        date=date, recorded_by=trainer, marks={registration.pk: ("present", "pünktlich")}
    )
    registration.refresh_from_db()
    calendar_feed = workshop_services.renew_calendar_feed(user=user)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=Enrollment.Status.COMPLETED, completed_at=timezone.now()
    )
    enrollment.refresh_from_db()
    certificate = issue_certificate(enrollment=enrollment, issued_by=coordinator)
    return LearnerData(
        user=user,
        course=course,
        enrollment=enrollment,
        lesson=lesson,
        completion=completion,
        attempt=attempt,
        reflection=reflection,
        date=date,
        registration=registration,
        calendar_feed=calendar_feed,
        certificate=certificate,
    )


@pytest.fixture(autouse=True)
def _certificates_root(settings, tmp_path):
    settings.CERTIFICATES_ROOT = tmp_path / "certificates"


@pytest.fixture
def course(home_page):
    return build_course(modules=2, lessons_per_module=1, with_check=True, with_reflection=True)


# Names no one else in a test can share by chance: Faker's surnames collide (two "Drub"s
# made a privacy test fail in CI), and a short surname can hide inside a German word.
@pytest.fixture
def participant(home_page, team):
    return UserFactory(
        team=team, email="teilnehmende@example.org", first_name="Mira", last_name="Quellenbergova"
    )


@pytest.fixture
def trainer(home_page):
    return UserFactory(
        roles=[Role.TRAINER],
        email="referentin@example.org",
        first_name="Ruth",
        last_name="Trainerowskaja",
    )


@pytest.fixture
def coordinator(home_page):
    return UserFactory(
        roles=[Role.COORDINATOR],
        email="koordination@example.org",
        first_name="Kai",
        last_name="Koordinatorenko",
    )


@pytest.fixture
def learner_a(participant, course, trainer, coordinator) -> LearnerData:
    return build_learner_data(
        user=participant,
        course=course,
        trainer=trainer,
        coordinator=coordinator,
        note="Notiz von A: Übergangsplanung früher beginnen.",
    )


@pytest.fixture
def other_team(other_organisation):
    return TeamFactory(organisation=other_organisation, name="Bezirk Süd")


@pytest.fixture
def participant_b(other_team):
    return UserFactory(
        team=other_team,
        email="b.teilnehmende@example.net",
        first_name="Bela",
        last_name="Wendelsteinova",
    )


@pytest.fixture
def learner_b(participant_b, course, trainer, coordinator) -> LearnerData:
    return build_learner_data(
        user=participant_b,
        course=course,
        trainer=trainer,
        coordinator=coordinator,
        note="Notiz von B: geheim.",
    )


@pytest.fixture
def other_provider_coordinator(other_team):
    return UserFactory(
        roles=[Role.PROVIDER_COORDINATOR],
        team=other_team,
        email="andere-traeger-koordination@example.net",
    )


@pytest.fixture
def unrelated_organisation(db):
    return OrganisationFactory(name="Dritter Träger e. V.")
