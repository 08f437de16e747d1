"""Generated participants with realistic progress, for load tests, benchmarks and report demos.

    manage.py generate_data --participants 5000 --organisations 12 --seed 1

Creates organisations with teams, participants (unusable passwords, role Teilnehmende),
enrolments in the course "Fachkraft Leaving Care" (loaded from content/curriculum when absent),
lesson completions in course order, knowledge-check attempts, reflection notes, workshop dates
for modules that require one, registrations and attendance, and course completions where the
generated progress meets the course's rules. Everything is written with bulk_create, in chunks,
in one transaction. Running it again adds further people; nothing existing is changed.

`--certificates 0.9` also issues certificates for that share of the course completions (rows with
numbers from the year's counter and a short snapshot, without PDF and without render task): for
report benchmarks, not for anything that verifies or renders certificates.
"""

import math
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from courses.models import (
    CoursePage,
    Enrollment,
    LessonCompletion,
    LessonPage,
    ModulePage,
    QuizAttempt,
    ReflectionAnswer,
    WorkshopDate,
    WorkshopRegistration,
)
from lms import versions
from lms.accounts.models import Organisation, Team, User
from lms.accounts.roles import Role

COURSE_TITLE = "Fachkraft Leaving Care"
EMAIL_DOMAIN = "generated.example.org"
CHUNK = 2_000
WORKSHOP_CAPACITY = 25

FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elif",
    "Finn",
    "Greta",
    "Hannes",
    "Ida",
    "Jonas",
    "Katrin",
    "Lars",
    "Lea",
    "Mehmet",
    "Mia",
    "Nils",
    "Olga",
    "Paul",
    "Rabea",
    "Sami",
    "Sophie",
    "Till",
    "Ulrike",
    "Vera",
    "Yusuf",
    "Zoe",
    "Jana",
    "Tobias",
    "Fatma",
    "Lukas",
    "Marie",
    "Henrik",
    "Aylin",
    "Moritz",
    "Svenja",
    "Kerstin",
    "Dirk",
    "Anja",
    "Jörg",
    "Sören",
    "Birgit",
    "Özlem",
    "Gülay",
    "Björn",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Kaya",
    "Yılmaz",
    "Öztürk",
    "Nowak",
    "Kowalski",
    "Peters",
    "Jansen",
    "Brandt",
    "Haas",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Frank",
    "Berger",
    "Winkler",
    "Lorenz",
    "Baumann",
    "Albrecht",
]
PROVIDER_KINDS = ("Jugendhilfe", "Kinder- und Jugendhaus", "Diakonische Jugendhilfe", "Caritas")
PLACES = (
    "Hildesheim",
    "Alfeld",
    "Sarstedt",
    "Bad Salzdetfurth",
    "Elze",
    "Gronau",
    "Algermissen",
    "Harsum",
    "Giesen",
    "Söhlde",
    "Holle",
    "Nordstemmen",
    "Schellerten",
    "Diekholzen",
    "Lamspringe",
    "Sibbesse",
    "Freden",
    "Bockenem",
)
TEAM_NAMES = (
    "Wohngruppe Nord",
    "Wohngruppe Süd",
    "Verselbstständigungsgruppe",
    "Ambulante Hilfen",
    "Betreutes Jugendwohnen",
    "Nachbetreuung",
    "Intensivgruppe",
    "Mädchenwohngruppe",
)
REFLECTION_TEXTS = (
    "Die Übergangsplanung früher beginnen und die jungen Menschen stärker beteiligen.",
    "Mit dem Jobcenter verbindliche Absprachen treffen, bevor die Hilfe endet.",
    "Die Checkliste im Team besprechen und für unsere Gruppe anpassen.",
    "Nachfragen, wer nach dem Auszug Ansprechperson bleibt.",
)


@dataclass
class Lesson:
    page_id: int
    module_index: int
    checks: list[tuple[str, int]]  # (block id, pass mark)
    reflections: list[str]


@dataclass
class Counts:
    organisations: int = 0
    teams: int = 0
    participants: int = 0
    enrollments: int = 0
    completions: int = 0
    attempts: int = 0
    reflections: int = 0
    workshop_dates: int = 0
    registrations: int = 0
    completed_courses: int = 0
    certificates: int = 0


class Command(BaseCommand):
    help = "Generate participants, enrolments and progress for load tests (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, default=500)
        parser.add_argument("--organisations", type=int, default=10)
        parser.add_argument("--teams-per-organisation", type=int, default=4)
        parser.add_argument("--course", default=COURSE_TITLE, help="Title of the course.")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--certificates",
            type=float,
            default=0.0,
            help="Anteil der Kursabschlüsse mit ausgestelltem Zertifikat (ohne PDF), 0 bis 1.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (benchmarks only)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Generierte Daten nur mit DEBUG=True (oder --force für eine Benchmark-Datenbank)."
            )
        if options["participants"] < 1 or options["organisations"] < 1:
            raise CommandError("--participants und --organisations müssen mindestens 1 sein.")
        if not 0 <= options["certificates"] <= 1:
            raise CommandError("--certificates muss zwischen 0 und 1 liegen.")
        started = timezone.now()
        with transaction.atomic():
            counts = Generator(
                rng=random.Random(options["seed"]),  # noqa: S311 - test data
                course=self.get_course(options["course"]),
                now=started,
                certificate_share=options["certificates"],
            ).run(
                participants=options["participants"],
                organisations=options["organisations"],
                teams_per_organisation=options["teams_per_organisation"],
            )
        seconds = (timezone.now() - started).total_seconds()
        if options["verbosity"] == 0:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts.participants} Personen in {counts.organisations} Organisationen "
                f"({counts.teams} Teams), {counts.enrollments} Einschreibungen, "
                f"{counts.completions} erledigte Lerneinheiten, {counts.attempts} Versuche, "
                f"{counts.reflections} Notizen, {counts.workshop_dates} neue Präsenztermine, "
                f"{counts.registrations} Anmeldungen, {counts.completed_courses} Abschlüsse, "
                f"{counts.certificates} Zertifikate in {seconds:.1f} s."
            )
        )

    def get_course(self, title: str) -> CoursePage:
        course = CoursePage.objects.live().filter(title=title).first()
        if course is None and title == COURSE_TITLE:
            from content.curriculum import load_curriculum

            load_curriculum()
            course = CoursePage.objects.live().filter(title=title).first()
        if course is None:
            raise CommandError(f"Kein veröffentlichter Kurs „{title}“.")
        return course


class Generator:
    def __init__(self, *, rng: random.Random, course: CoursePage, now, certificate_share=0.0):
        self.rng = rng
        self.course = course
        self.now = now
        self.certificate_share = certificate_share
        self.counts = Counts()
        self.modules = list(ModulePage.objects.live().child_of(course).order_by("path"))
        self.lessons = self.load_lessons()
        if not self.lessons:
            raise CommandError(f"Der Kurs „{course.title}“ hat keine Lerneinheiten.")
        self.workshop_modules = [
            index for index, module in enumerate(self.modules) if module.workshop_required
        ]
        self.participant_group = Group.objects.get(name=Role.PARTICIPANT)

    def load_lessons(self) -> list[Lesson]:
        module_index = {module.path: index for index, module in enumerate(self.modules)}
        lessons = []
        pages = LessonPage.objects.live().descendant_of(self.course).order_by("path")
        for page in pages:
            parent_path = page.path[: -page.steplen]
            if parent_path not in module_index:
                continue
            checks, reflections = [], []
            for block in page.body:
                if block.block_type == "knowledge_check":
                    checks.append((block.id, int(block.value.get("pass_mark") or 100)))
                elif block.block_type == "reflection":
                    reflections.append(block.id)
            lessons.append(Lesson(page.pk, module_index[parent_path], checks, reflections))
        return lessons

    def run(self, *, participants: int, organisations: int, teams_per_organisation: int):
        teams = self.create_organisations(organisations, teams_per_organisation)
        weights = [team.weight for team in teams]
        first_number = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count()
        # Dates with free places per module; a full date leaves the list.
        self.open_dates = {
            module: [date for date in dates if date.taken < date.capacity]
            for module, dates in self.create_workshop_dates(participants).items()
        }
        for start in range(0, participants, CHUNK):
            size = min(CHUNK, participants - start)
            chosen = self.rng.choices(teams, weights=weights, k=size)
            self.create_chunk(first_number + start, chosen)
        return self.counts

    def create_organisations(self, count: int, teams_per_organisation: int) -> list[Team]:
        """One public provider (the Jugendamt, with districts) and private providers."""
        existing = Organisation.objects.count()
        teams = []
        for number in range(count):
            if number == 0:
                name, kind = "Jugendamt (generiert)", Organisation.Kind.PUBLIC
            else:
                place = PLACES[(existing + number) % len(PLACES)]
                provider = PROVIDER_KINDS[(existing + number) % len(PROVIDER_KINDS)]
                name, kind = f"{provider} {place} {existing + number}", Organisation.Kind.PRIVATE
            organisation, created = Organisation.objects.get_or_create(
                name=name, defaults={"kind": kind}
            )
            self.counts.organisations += int(created)
            for team_number in range(teams_per_organisation):
                if kind == Organisation.Kind.PUBLIC:
                    team_name, team_kind = f"Bezirk {team_number + 1}", Team.Kind.DISTRICT
                else:
                    team_name = TEAM_NAMES[team_number % len(TEAM_NAMES)]
                    if team_number >= len(TEAM_NAMES):
                        team_name += f" {team_number // len(TEAM_NAMES) + 1}"
                    team_kind = Team.Kind.FACILITY
                team, created = Team.objects.get_or_create(
                    organisation=organisation, name=team_name, defaults={"kind": team_kind}
                )
                self.counts.teams += int(created)
                # The Jugendamt's districts hold about 40 % of all participants.
                team.weight = (0.4 if number == 0 else 0.6 / max(count - 1, 1)) / (
                    teams_per_organisation
                )
                teams.append(team)
        if count == 1:
            for team in teams:
                team.weight = 1
        return teams

    def create_workshop_dates(self, participants: int) -> dict[int, list[WorkshopDate]]:
        """Enough dates of 25 places for every module that requires one, past and upcoming."""
        dates_by_module = {}
        for index in self.workshop_modules:
            module = self.modules[index]
            existing = list(WorkshopDate.objects.filter(module=module).with_counts())
            for date in existing:
                date.taken = date.registered_count
            needed = math.ceil(participants * 0.75 / (WORKSHOP_CAPACITY * 0.9))
            new = []
            for number in range(needed):
                # Spread over the last 10 months and the next 2.
                starts = self.now - timedelta(days=300) + timedelta(days=360 * number / needed)
                starts = starts.replace(hour=9, minute=0, second=0, microsecond=0)
                new.append(
                    WorkshopDate(
                        course=self.course,
                        module=module,
                        title=f"{module.title} (Termin {number + 1})",
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=7),
                        location="Jugendamt, Bischof-Janssen-Straße 31, 31134 Hildesheim",
                        room=f"Raum {self.rng.randint(101, 130)}",
                        capacity=WORKSHOP_CAPACITY,
                    )
                )
            WorkshopDate.objects.bulk_create(new)
            for date in new:
                date.taken = 0
            self.counts.workshop_dates += len(new)
            dates_by_module[index] = existing + new
        return dates_by_module

    def progress_for(self) -> int:
        """How many lessons (in course order) a person has done."""
        total = len(self.lessons)
        roll = self.rng.random()
        if roll < 0.12:
            return 0
        if roll < 0.37:
            return total
        return max(1, min(total - 1, round(self.rng.betavariate(1.3, 1.6) * total)))

    def create_chunk(self, first_number: int, teams: list[Team]) -> None:
        rng = self.rng
        users = []
        for offset, team in enumerate(teams):
            number = first_number + offset
            users.append(
                User(
                    email=f"person{number:06d}@{EMAIL_DOMAIN}",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    organisation_id=team.organisation_id,
                    team=team,
                    password=make_password(None),
                    date_joined=self.now - timedelta(days=rng.uniform(30, 540)),
                )
            )
        User.objects.bulk_create(users, batch_size=CHUNK)
        self.counts.participants += len(users)
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=user.pk, group_id=self.participant_group.pk)
            for user in users
        )

        enrollments, plans = [], []
        for user in users:
            if rng.random() >= 0.92:  # registered, never enrolled
                continue
            enrolled_at = user.date_joined + timedelta(days=rng.uniform(0, 20))
            enrollment = Enrollment(user=user, course=self.course, enrolled_at=enrolled_at)
            if rng.random() < 0.04:
                enrollment.status = Enrollment.Status.WITHDRAWN
                enrollment.withdrawn_at = min(
                    self.now, enrolled_at + timedelta(days=rng.uniform(5, 120))
                )
            enrollments.append(enrollment)
            plans.append(self.progress_for())

        completions, attempts, reflections, registrations = [], [], [], []
        for enrollment, done in zip(enrollments, plans, strict=True):
            moment = enrollment.enrolled_at
            # Everything happens between enrolment and now, in course order.
            pace = max((self.now - moment).total_seconds() / 86_400 / (len(self.lessons) + 2), 0.2)
            for lesson in self.lessons[:done]:
                moment = min(self.now, moment + timedelta(days=rng.expovariate(1 / pace)))
                completions.append(
                    LessonCompletion(
                        user_id=enrollment.user.pk, lesson_id=lesson.page_id, completed_at=moment
                    )
                )
                for block_id, pass_mark in lesson.checks:
                    tries = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
                    for attempt in range(tries):
                        passed = attempt == tries - 1
                        if passed:
                            score = rng.randint(pass_mark, 100)
                        else:
                            score = rng.randint(0, max(pass_mark - 1, 0))
                        attempts.append(
                            QuizAttempt(
                                user_id=enrollment.user.pk,
                                lesson_id=lesson.page_id,
                                block_id=block_id,
                                score=score,
                                passed=passed,
                                answers={},
                                submitted_at=moment - timedelta(minutes=3 * (tries - attempt)),
                            )
                        )
                for block_id in lesson.reflections:
                    if rng.random() < 0.3:
                        reflections.append(
                            ReflectionAnswer(
                                user_id=enrollment.user.pk,
                                lesson_id=lesson.page_id,
                                block_id=block_id,
                                text=rng.choice(REFLECTION_TEXTS),
                            )
                        )
            enrollment.last_activity_at = moment if done else None
            attended = self.register_for_workshops(enrollment, done, registrations)
            if done == len(self.lessons) and attended and enrollment.is_active:
                enrollment.completed_at = moment
                enrollment.status = Enrollment.Status.COMPLETED
                self.counts.completed_courses += 1

        Enrollment.objects.bulk_create(enrollments, batch_size=CHUNK)
        LessonCompletion.objects.bulk_create(completions, batch_size=5_000)
        QuizAttempt.objects.bulk_create(attempts, batch_size=5_000)
        ReflectionAnswer.objects.bulk_create(reflections, batch_size=5_000)
        WorkshopRegistration.objects.bulk_create(registrations, batch_size=5_000)
        self.counts.enrollments += len(enrollments)
        self.counts.completions += len(completions)
        self.counts.attempts += len(attempts)
        self.counts.reflections += len(reflections)
        self.counts.registrations += len(registrations)
        if self.certificate_share:
            self.create_certificates(
                [
                    enrollment
                    for enrollment in enrollments
                    if enrollment.completed_at and rng.random() < self.certificate_share
                ]
            )

    def create_certificates(self, enrollments: list[Enrollment]) -> None:
        """Issued certificates (database rows only) a few days after the completion.

        Numbers come from the year's counter, as when issuing for real, so certificates issued
        later in the same database continue the sequence without a gap or a clash.
        """
        from certificates.models import Certificate, CertificateNumberCounter
        from certificates.services import NUMBER_PREFIX

        by_year: dict[int, list[tuple[Enrollment, object]]] = {}
        for enrollment in enrollments:
            issued_at = min(
                self.now, enrollment.completed_at + timedelta(days=self.rng.uniform(0, 14))
            )
            year = timezone.localtime(issued_at).year
            by_year.setdefault(year, []).append((enrollment, issued_at))
        certificates = []
        for year, items in sorted(by_year.items()):
            counter, _ = CertificateNumberCounter.objects.select_for_update().get_or_create(
                year=year
            )
            first = counter.last_number + 1
            counter.last_number += len(items)
            counter.save(update_fields=["last_number"])
            for sequence, (enrollment, issued_at) in enumerate(items, start=first):
                number = f"{NUMBER_PREFIX}-{year}-{sequence:04d}"
                user = enrollment.user
                certificates.append(
                    Certificate(
                        user=user,
                        course=self.course,
                        year=year,
                        sequence=sequence,
                        number=number,
                        status=Certificate.Status.ISSUED,
                        issued_at=issued_at,
                        snapshot={
                            "holder_name": user.get_full_name(),
                            "course_title": self.course.title,
                            "number": number,
                            "generated": True,
                        },
                    )
                )
        Certificate.objects.bulk_create(certificates, batch_size=5_000)
        versions.changed("certificates")  # bulk_create sends no post_save
        self.counts.certificates += len(certificates)

    def register_for_workshops(self, enrollment, done: int, registrations: list) -> bool:
        """Register people who reached a workshop module; record attendance of past dates.

        Returns whether the person attended every required workshop.
        """
        rng = self.rng
        attended_all = True
        for module_index in self.workshop_modules:
            reached = any(
                lesson.module_index >= module_index for lesson in self.lessons[: max(done, 1)]
            )
            if not done or not reached or rng.random() > 0.85:
                attended_all = False
                continue
            dates = self.open_dates[module_index]
            if not dates:
                attended_all = False
                continue
            position = rng.randrange(len(dates))
            date = dates[position]
            date.taken += 1
            if date.taken >= date.capacity:
                dates[position] = dates[-1]
                dates.pop()
            registration = WorkshopRegistration(
                date=date,
                user_id=enrollment.user.pk,
                status=WorkshopRegistration.Status.REGISTERED,
                queued_at=date.starts_at - timedelta(days=rng.uniform(5, 40)),
            )
            if rng.random() < 0.05:
                registration.status = WorkshopRegistration.Status.CANCELLED
                registration.cancelled_at = registration.queued_at + timedelta(days=2)
                attended_all = False
            elif date.ends_at <= self.now:
                registration.attendance = rng.choices(
                    (
                        WorkshopRegistration.Attendance.PRESENT,
                        WorkshopRegistration.Attendance.EXCUSED,
                        WorkshopRegistration.Attendance.ABSENT,
                    ),
                    weights=(85, 8, 7),
                )[0]
                registration.attendance_recorded_at = date.ends_at
                if registration.attendance != WorkshopRegistration.Attendance.PRESENT:
                    attended_all = False
            else:
                attended_all = False
            registrations.append(registration)
        return attended_all
