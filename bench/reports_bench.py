"""Coordination reports at growing data sizes: time and queries, on PostgreSQL.

    .venv/bin/python -m bench.reports_bench                 # 500 and 5,000 participants
    BENCH_SIZES=500,5000,50000 .venv/bin/python -m bench.reports_bench

Creates the scratch database BENCH_DB_NAME (default `lms_bench_reports`) on BENCH_DATABASE_URL's
server (default postgres://postgres@127.0.0.1:5432/postgres), grows it with `generate_data` to
each size (90 % of the course completions with an issued certificate) and requests, as a
Koordination user (with an authenticator app, as staff roles must) through Django's test client
(production settings): the first page of the Teilnahme report, the Abdeckung view, the first
page of the Präsenztermine report, the Modul-Übersicht, the first page of "Ohne Zertifikat" (the
certificate desk) and the full XLSX export of the Teilnahme report. After each growth step
VACUUM ANALYZE, as autovacuum would after bulk inserts.
BENCH_PROFILE=1 adds a pyinstrument profile of each view at the largest size; BENCH_KEEP_DB=1
keeps the database for `bench.explain_reports` (BENCH_REUSE=1) instead of dropping it.
"""

import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from bench.scratch import admin_sql, use_scratch_environment

DB_NAME = os.environ.get("BENCH_DB_NAME", "lms_bench_reports")
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "500,5000").split(",")]
KEEP_DB = os.environ.get("BENCH_KEEP_DB") == "1"
CERTIFICATE_SHARE = 0.9
REPEAT = 5
PASSWORD = "bench-" + secrets.token_urlsafe(12)
SCRATCH = Path(tempfile.mkdtemp(prefix="lms-reports-bench-"))


use_scratch_environment(db_name=DB_NAME, scratch=SCRATCH, settings_module="lms.settings.production")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

VIEWS = [
    ("Teilnahme, 1. Seite", "/admin/auswertungen/teilnahme/"),
    ("Abdeckung", "/admin/auswertungen/abdeckung/"),
    ("Präsenztermine, 1. Seite", "/admin/auswertungen/termine/"),
    ("Modul-Übersicht", "/admin/auswertungen/module/"),
    ("Ohne Zertifikat, 1. Seite", "/admin/zertifikate/ausstehend/"),
    ("Teilnahme, XLSX komplett", "/admin/auswertungen/teilnahme/?export=xlsx"),
]


def coordinator():
    """A Koordination account with an authenticator app (staff roles must have a second factor)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from lms.accounts.models import User
    from lms.accounts.roles import Role

    user = User.objects.create_user(
        email="koordination-bench@example.org",
        password=PASSWORD,
        first_name="Kim",
        last_name="Hoffmann",
    )
    user.groups.add(*Group.objects.filter(name__in=[Role.COORDINATOR, Role.PARTICIPANT]))
    TOTP.activate(user, generate_totp_secret())
    return user


def reauthenticate(client: Client) -> None:
    """Exports ask for the password again (allauth's reauthentication, valid for minutes)."""
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, ("reauthentication", response.status_code)


def fetch(client: Client, url: str) -> tuple[bytes, float]:
    """The whole response body and the seconds it took (streamed exports included)."""
    if "export" in url:
        reauthenticate(client)  # before the clock starts, and outside any query capture
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body, time.perf_counter() - started


def measure(client: Client, url: str) -> tuple[float, int, int]:
    fetch(client, url)
    repeat = 2 if "export" in url else REPEAT
    timings = [fetch(client, url)[1] for _ in range(repeat)]
    if "export" in url:
        reauthenticate(client)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings) * 1000, len(context.captured_queries), len(body)


def profile(client: Client, url: str) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("  (pyinstrument not installed: no profile)")
        return
    profiler = Profiler(interval=0.001)
    if "export" in url:
        reauthenticate(client)
    profiler.start()
    client.get(url).getvalue()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False)[:6000])


def main() -> None:
    try:
        run()
    finally:
        connection.close()
        if KEEP_DB:
            print(f"\nkept: database {DB_NAME} (drop it when done)")
        else:
            admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def run() -> None:
    from certificates.models import Certificate
    from courses.models import Enrollment, LessonCompletion, WorkshopRegistration

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    client = Client()
    client.force_login(coordinator())
    results = []
    generated = 0
    for size in SIZES:
        started = time.perf_counter()
        call_command(
            "generate_data",
            participants=size - generated,
            organisations=max(4, size // 400),
            force=True,
            seed=size,
            certificates=CERTIFICATE_SHARE,
            verbosity=0,
        )
        generated = size
        build = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        print(
            f"\n{size} participants: {Enrollment.objects.count()} enrolments, "
            f"{LessonCompletion.objects.count()} completions, "
            f"{WorkshopRegistration.objects.count()} workshop registrations, "
            f"{Certificate.objects.count()} certificates (generated in {build:.1f} s)",
            flush=True,
        )
        for name, url in VIEWS:
            median_ms, queries, length = measure(client, url)
            results.append((size, name, median_ms, queries, length))
            print(
                f"  {name:28s} {median_ms:9.1f} ms  {queries:4d} queries  {length / 1024:8.0f} KiB",
                flush=True,
            )
        if os.environ.get("BENCH_PROFILE") and size == SIZES[-1]:
            for name, url in VIEWS:
                print(f"\nProfile: {name} at {size}")
                profile(client, url)
    print("\n| participants | view | median ms | queries | size |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for size, name, median_ms, queries, length in results:
        print(f"| {size:,} | {name} | {median_ms:.0f} | {queries} | {length / 1024:.0f} KiB |")


if __name__ == "__main__":
    main()
