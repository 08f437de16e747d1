"""Learner pages under load of data: dashboard and lesson page, median time and query count.

Builds a course of 10 modules × 6 lessons with knowledge checks and 1,000 participants with
random progress in a scratch database, then requests both pages through Django's test client.

    .venv/bin/python -m bench.learning_bench              # scratch SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms .venv/bin/python -m bench.learning_bench
"""

import os
import random
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PARTICIPANTS = 1_000
MODULES, LESSONS_PER_MODULE = 10, 6
REQUESTS = 30


def build_data():
    from courses.models import Enrollment, LessonCompletion, LessonPage, QuizAttempt
    from lms.accounts.models import Organisation, Team, User
    from tests.factories import build_course

    course = build_course(
        title="Benchmark-Kurs",
        modules=MODULES,
        lessons_per_module=LESSONS_PER_MODULE,
        with_check=True,
        with_reflection=True,
    )
    lessons = list(LessonPage.objects.descendant_of(course).order_by("path"))
    organisation = Organisation.objects.create(name="Bench-Träger", kind="private")
    team = Team.objects.create(organisation=organisation, name="Gruppe")
    users = User.objects.bulk_create(
        User(
            email=f"bench{i}@example.org",
            first_name="Bench",
            last_name=f"Person{i}",
            organisation=organisation,
            team=team,
            password="!",
        )
        for i in range(PARTICIPANTS)
    )
    Enrollment.objects.bulk_create(Enrollment(user=user, course=course) for user in users)
    rng = random.Random(42)
    completions, attempts = [], []
    for user in users:
        done = rng.randint(0, len(lessons))
        for lesson in lessons[:done]:
            completions.append(LessonCompletion(user=user, lesson=lesson))
            attempts.append(
                QuizAttempt(
                    user=user,
                    lesson=lesson,
                    block_id=lesson.body[1].id,
                    score=100,
                    passed=True,
                    answers={},
                )
            )
    LessonCompletion.objects.bulk_create(completions, batch_size=5_000)
    QuizAttempt.objects.bulk_create(attempts, batch_size=5_000)
    return course, lessons, users, len(completions)


def measure(client, url):
    client.get(url)
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    return statistics.median(timings) * 1000, len(context.captured_queries)


def main():
    # A throw-away database (test_<name>), created and dropped like the test runner does.
    original_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


def run():
    from tests.conftest import ensure_site

    ensure_site()
    started = time.perf_counter()
    course, lessons, users, completions = build_data()
    print(
        f"data: {PARTICIPANTS} participants, {len(lessons)} lessons, {completions} completions "
        f"({time.perf_counter() - started:.1f} s to build) on {connection.vendor}"
    )
    client = Client()
    client.force_login(users[PARTICIPANTS // 2])
    for name, url in [
        ("dashboard", "/lernbereich/"),
        ("course page", course.url),
        ("lesson page", lessons[len(lessons) // 2].url),
    ]:
        median_ms, queries = measure(client, url)
        print(f"{name:12s} median {median_ms:6.1f} ms  queries {queries}")


if __name__ == "__main__":
    main()
