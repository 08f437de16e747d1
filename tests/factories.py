import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.models import Group

from lms.accounts.models import Organisation, Team, User
from lms.accounts.roles import Role

# The authenticator-app secret of every staff person the factories create (base32).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def current_totp_code(secret: str = TOTP_SECRET, *, offset: int = 0) -> str:
    """The six digits an authenticator app shows now (offset: periods ahead, for a fresh code)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Freier Träger {n}")
    kind = Organisation.Kind.PRIVATE


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Wohngruppe {n}")
    kind = Team.Kind.FACILITY


_surnames = factory.Faker._get_faker(locale="de_DE")
_surnames_in_this_test: set[str] = set()


def forget_surnames() -> None:
    """Called before each test: a surname only has to be distinct within one test."""
    _surnames_in_this_test.clear()


def distinct_surname() -> str:
    """A German surname no other person of this test has, nor contains, nor is contained in.

    Tests assert that one person's name is absent from another person's page: a Faker surname
    drawn twice (two "Drub"s) or inside another ("Lang" in "Lange") would fail them by chance.
    """
    for _ in range(200):
        name = _surnames.last_name()
        if not any(name in taken or taken in name for taken in _surnames_in_this_test):
            break
    else:  # hundreds of people in one test: numbered, fixed width, so none contains another
        name = f"Zusatzname{len(_surnames_in_this_test):05d}"
    _surnames_in_this_test.add(name)
    return name


class UserFactory(factory.django.DjangoModelFactory):
    """A verified participant; pass `roles=[Role.COORDINATOR]` for staff roles."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.LazyFunction(distinct_surname)
    team = factory.SubFactory(TeamFactory)
    organisation = factory.LazyAttribute(lambda user: user.team.organisation)
    password = factory.django.Password("demo-lms-2026")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        names = [Role.PARTICIPANT, *(extracted or [])]
        self.groups.add(*Group.objects.filter(name__in=names))

    @factory.post_generation
    def second_factor(self, create, extracted, **kwargs):
        """Staff roles must have a second factor: give them an authenticator app (TOTP_SECRET).

        `second_factor=False` leaves it out (to test the requirement); `True` adds it for anyone.
        """
        if not create:
            return
        wanted = self.has_staff_role if extracted is None else extracted
        if wanted:
            # As allauth's set-up does: the app, and recovery codes for a lost phone.
            TOTP.activate(self, TOTP_SECRET)
            RecoveryCodes.activate(self)


def lessons_of(course) -> list:
    """The live lessons of a course in reading order."""
    from courses.models import LessonPage

    return list(LessonPage.objects.live().descendant_of(course).order_by("path"))


def build_course(
    *,
    parent=None,
    title: str = "Fachkraft Leaving Care",
    modules: int = 2,
    lessons_per_module: int = 2,
    workshop_modules: tuple[int, ...] = (),
    optional_modules: tuple[int, ...] = (),
    with_check: bool = False,
    with_reflection: bool = False,
    self_enrolment: bool = True,
):
    """A published course tree built the Wagtail way (parent.add_child)."""
    from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage

    if parent is None:
        from tests.conftest import ensure_site

        home = ensure_site()
        parent = CourseIndexPage.objects.first()
        if parent is None:
            parent = home.add_child(instance=CourseIndexPage(title="Kurse", slug="kurse"))
    course = parent.add_child(
        instance=CoursePage(
            title=title,
            teaser="Übergänge gut begleiten.",
            workload_units=12,
            self_enrolment=self_enrolment,
        )
    )
    for m in range(1, modules + 1):
        module = course.add_child(
            instance=ModulePage(
                title=f"Modul {m}",
                required=m not in optional_modules,
                workshop_required=m in workshop_modules,
            )
        )
        for n in range(1, lessons_per_module + 1):
            body = [{"type": "paragraph", "value": f"<p>Text {m}.{n}</p>"}]
            if with_check:
                body.append(knowledge_check_block(block_id=f"check-{m}-{n}"))
            if with_reflection:
                body.append(
                    {
                        "type": "reflection",
                        "value": {"prompt": "Was nehmen Sie mit?"},
                        "id": f"refl-{m}-{n}",
                    }
                )
            module.add_child(instance=LessonPage(title=f"Lerneinheit {m}.{n}", body=body))
    return course


def knowledge_check_block(*, block_id: str, pass_mark: int = 100) -> dict:
    """Two questions: q0 single choice (answer 1 right), q1 multiple choice (0 and 2 right)."""
    return {
        "type": "knowledge_check",
        "id": block_id,
        "value": {
            "title": "Wissenscheck",
            "pass_mark": pass_mark,
            "questions": [
                {
                    "text": "Ab wann gilt § 41 SGB VIII?",
                    "kind": "single",
                    "explanation": "Hilfe für junge Volljährige ab 18.",
                    "answers": [
                        {"text": "ab 16", "correct": False},
                        {"text": "ab 18", "correct": True},
                        {"text": "ab 27", "correct": False},
                    ],
                },
                {
                    "text": "Was gehört zur Nachbetreuung?",
                    "kind": "multiple",
                    "explanation": "§ 41a SGB VIII.",
                    "answers": [
                        {"text": "Beratung", "correct": True},
                        {"text": "Kostenheranziehung", "correct": False},
                        {"text": "Unterstützung", "correct": True},
                    ],
                },
            ],
        },
    }


def workshop_date(*, course, trainers=(), starts_at=None, **fields):
    """A date for the course's first module: a six-hour "Praxistag" in two weeks with 20
    places unless `fields` say otherwise, led by `trainers`."""
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import WorkshopDate

    start = starts_at or timezone.now() + timedelta(days=14)
    values = {
        "course": course,
        "module": course.get_modules().first(),
        "title": "Praxistag Übergangsmodell",
        "starts_at": start,
        "ends_at": start + timedelta(hours=6),
        "location": "Jugendamt, Bischof-Janssen-Straße 31, 31134 Hildesheim",
        "capacity": 20,
        **fields,
    }
    date = WorkshopDate.objects.create(**values)
    date.trainers.add(*trainers)
    return date
