"""EXPLAIN (ANALYZE, BUFFERS) of the queries behind the reports and the learner pages, at 50,000.

    .venv/bin/python -m bench.explain_reports                 # builds its own 50,000 database
    BENCH_REUSE=1 BENCH_DB_NAME=lms_bench_reports .venv/bin/python -m bench.explain_reports

Builds the scratch database BENCH_DB_NAME (default `lms_bench_explain`) on BENCH_DATABASE_URL's
server with `generate_data` (BENCH_PARTICIPANTS, default 50,000; 125 organisations; 90 % of the
course completions with a certificate) and runs VACUUM ANALYZE, or with BENCH_REUSE=1 uses an
existing one as is (e.g. the one `BENCH_KEEP_DB=1 bench.reports_bench` kept at its largest size).

Then requests, through Django's test client with the production settings, the pages listed in
PAGES (as a Koordination user or as a learner half-way through the course) and captures their
queries (CaptureQueriesContext). Every distinct SELECT (numbers and strings normalised, so the
export's chunks count as one) is run once with EXPLAIN ANALYZE; the BENCH_TOP (3) most expensive
of each page (time × how often the page runs it) get their full plan in every configuration:

- "ohne": without NEW_INDEXES and PROPOSED (dropped in a transaction that is rolled back),
- "mit": the database as migrated (PROPOSED dropped the same way),
- "+ Vorschlag": as migrated plus PROPOSED, indexes for other apps' models that are not in a
  migration; the script creates them at the start and drops them at the end.

Finally the rewritten queries in PROPOSALS (suggested code changes, as Django querysets) are
explained the same way. Execution times are the median of BENCH_RUNS (5) runs after a warm-up
run; the shared buffers of the top plan node are printed too, since they do not depend on what
else the machine is doing. The database is dropped at the end unless BENCH_REUSE=1 or
BENCH_KEEP_DB=1.
"""

import os
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

import psycopg

from bench import scratch

DB_NAME = os.environ.get("BENCH_DB_NAME", "lms_bench_explain")
REUSE = os.environ.get("BENCH_REUSE") == "1"
KEEP_DB = REUSE or os.environ.get("BENCH_KEEP_DB") == "1"
PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "50000"))
TOP = int(os.environ.get("BENCH_TOP", "3"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PASSWORD = "explain-" + secrets.token_urlsafe(12)
SCRATCH = Path(tempfile.mkdtemp(prefix="lms-explain-"))

# Indexes added for these queries (Meta.indexes + migrations in courses and accounts).
NEW_INDEXES = ["enrollment_completed_at", "user_name_order"]
# Indexes that would help but are not added yet: created only for the measurement.
PROPOSED: dict[str, str] = {}

if REUSE:
    # Same environment as a fresh run, but keep the database (use_scratch_environment would
    # drop and re-create it).
    with mock.patch.object(scratch, "admin_sql"):
        scratch.use_scratch_environment(
            db_name=DB_NAME, scratch=SCRATCH, settings_module="lms.settings.production"
        )
else:
    scratch.use_scratch_environment(
        db_name=DB_NAME, scratch=SCRATCH, settings_module="lms.settings.production"
    )

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

# (name, who, url): who is "coordinator" or "learner"; {lesson} is the learner's next lesson.
PAGES = [
    ("Teilnahme, 1. Seite", "coordinator", "/admin/auswertungen/teilnahme/"),
    ("Teilnahme, XLSX komplett", "coordinator", "/admin/auswertungen/teilnahme/?export=xlsx"),
    ("Abdeckung", "coordinator", "/admin/auswertungen/abdeckung/"),
    ("Präsenztermine, 1. Seite", "coordinator", "/admin/auswertungen/termine/"),
    ("Modul-Übersicht", "coordinator", "/admin/auswertungen/module/"),
    ("Personen", "coordinator", "/admin/auswertungen/personen/"),
    ("Zertifikate ausstehend", "coordinator", "/admin/zertifikate/ausstehend/"),
    ("Mein Lernbereich", "learner", "/lernbereich/"),
    ("Lerneinheit", "learner", "{lesson}"),
]


# --- Data and accounts ----------------------------------------------------------------------


def build() -> None:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    started = time.perf_counter()
    call_command(
        "generate_data",
        participants=PARTICIPANTS,
        organisations=max(4, PARTICIPANTS // 400),
        seed=PARTICIPANTS,
        certificates=0.9,
        force=True,
        verbosity=0,
    )
    print(f"generate_data: {PARTICIPANTS} participants in {time.perf_counter() - started:.1f} s")


def coordinator():
    """Koordination with a password (exports ask for it again) and an authenticator app."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from lms.accounts.models import User
    from lms.accounts.roles import Role

    user, _ = User.objects.get_or_create(
        email="koordination-explain@example.org",
        defaults={"first_name": "Kim", "last_name": "Hoffmann"},
    )
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    user.groups.add(*Group.objects.filter(name__in=[Role.COORDINATOR, Role.PARTICIPANT]))
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


def learner_and_lesson():
    """An active participant with half of the course done, and their next lesson's URL."""
    _course, lessons, learner = scratch.halfway_learner()
    return learner, lessons[len(lessons) // 2].url


def sizes() -> str:
    from certificates.models import Certificate
    from courses.models import Enrollment, LessonCompletion, WorkshopDate, WorkshopRegistration
    from lms.accounts.models import User

    return (
        f"{User.objects.count():,} people, {Enrollment.objects.count():,} enrolments, "
        f"{LessonCompletion.objects.count():,} lesson completions, "
        f"{WorkshopDate.objects.count():,} workshop dates, "
        f"{WorkshopRegistration.objects.count():,} registrations, "
        f"{Certificate.objects.count():,} certificates"
    )


# --- Capturing and explaining ---------------------------------------------------------------


def captured(client: Client, url: str, *, reauthenticate: bool) -> list[dict]:
    if reauthenticate:
        response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        assert response.status_code == 302, ("reauthentication", response.status_code)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.status_code)
    return context.captured_queries


def shape(sql: str) -> str:
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)
    return re.sub(r"\(\?(?:, \?)*\)", "(…)", sql)


def execution_ms(plan: str) -> float:
    return float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))


def top_buffers(plan: str) -> int:
    """Shared buffers (hit + read) of the plan's top node: stable where timings are noisy."""
    match = re.search(r"Buffers: shared((?: \w+=\d+)+)", plan)
    if not match:
        return 0
    counts = dict(part.split("=") for part in match.group(1).split())
    return int(counts.get("hit", 0)) + int(counts.get("read", 0))


def explain(sql: str, *, setup: list[str] = (), runs: int = RUNS) -> tuple[float, str]:
    """Median execution time of `runs` runs after a warm-up, and the last plan.

    `setup` runs first in the same transaction, which is rolled back afterwards.
    """
    with psycopg.connect(scratch.database_url(DB_NAME)) as conn:
        for statement in setup:
            conn.execute(statement)
        times, plan = [], ""
        for run in range(runs + 1):
            rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}").fetchall()
            plan = "\n".join(row[0] for row in rows)
            if run:
                times.append(execution_ms(plan))
        conn.rollback()
    return statistics.median(times), plan


def database_sql(statement: str) -> None:
    with psycopg.connect(scratch.database_url(DB_NAME), autocommit=True) as conn:
        conn.execute(statement)


def existing_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        return {name for (name,) in cursor.fetchall()}


def create_proposed() -> list[str]:
    """Create the PROPOSED indexes that do not exist yet; returns their names (to drop later).

    Created before this run updates any row (logins): an index built while a HOT-updated row
    version is still visible to some transaction is marked `indcheckxmin` and ignored by the
    planner until every older transaction on the server has ended.
    """
    present = existing_indexes()
    created = []
    for name, ddl in PROPOSED.items():
        if name not in present:
            database_sql(ddl)
            created.append(name)
    if created:
        database_sql("ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index "
            "WHERE indcheckxmin AND indexrelid::regclass::text = ANY(%s)",
            [list(PROPOSED)],
        )
        for (name,) in cursor.fetchall():
            print(f"note: {name} is marked indcheckxmin; the planner may ignore it for a while")
    return created


def configurations() -> list[tuple[str, list[str]]]:
    """(label, statements run in the rolled-back transaction before EXPLAIN)."""
    present = existing_indexes()
    drop_new = [f'DROP INDEX "{name}"' for name in NEW_INDEXES if name in present]
    drop_proposed = [f'DROP INDEX "{name}"' for name in PROPOSED if name in present]
    configs = [("ohne", drop_new + drop_proposed), ("mit", drop_proposed)]
    if drop_proposed:
        configs.append(("+ Vorschlag", []))
    return configs


def used_indexes(plan: str) -> list[str]:
    names = re.findall(r"(?:Index|Index Only|Bitmap Index) Scan(?: Backward)? using (\w+)", plan)
    return sorted(set(names))


def main() -> None:
    try:
        run()
    finally:
        connection.close()
        if KEEP_DB:
            print(f"\nkept: database {DB_NAME}")
        else:
            scratch.admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def run() -> None:
    if not REUSE:
        build()
        # As autovacuum leaves a table after bulk inserts: statistics and the visibility map
        # (index-only scans) up to date.
        database_sql("VACUUM (ANALYZE)")
    print(f"database {DB_NAME}: {sizes()}; PostgreSQL {connection.pg_version // 10000}")
    created = create_proposed()
    try:
        explain_pages()
    finally:
        for name in created:
            database_sql(f'DROP INDEX IF EXISTS "{name}"')


def explain_pages() -> None:
    clients = {"coordinator": Client(), "learner": Client()}
    coordinating = coordinator()
    clients["coordinator"].force_login(coordinating)
    learner, lesson_url = learner_and_lesson()
    clients["learner"].force_login(learner)
    configs = configurations()
    summary = []
    for name, who, url in PAGES:
        url = url.format(lesson=lesson_url)
        client = clients[who]
        export = "export" in url
        captured(client, url, reauthenticate=export)  # warm-up (caches, sessions)
        queries = captured(client, url, reauthenticate=export)
        # Distinct SELECTs: the first instance of each shape, with how often it ran.
        shapes: dict[str, dict] = {}
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            entry = shapes.setdefault(shape(sql), {"sql": sql, "count": 0, "seconds": 0.0})
            entry["count"] += 1
            entry["seconds"] += float(query["time"])
        as_migrated = dict(configs)["mit"]
        for entry in shapes.values():  # ranked as migrated, without the PROPOSED indexes
            entry["ms"], _ = explain(entry["sql"], setup=as_migrated, runs=1)
        ranked = sorted(shapes.values(), key=lambda entry: -entry["ms"] * entry["count"])
        print(f"\n{'=' * 100}\n{name}  ({url}): {len(queries)} queries, {len(shapes)} distinct")
        for entry in ranked:
            print(f"  {entry['ms']:9.2f} ms × {entry['count']:3d}  {entry['sql'][:150]}")
        for rank, entry in enumerate(ranked[:TOP], start=1):
            print(f"\n--- {name}, #{rank} (× {entry['count']}) ---\n{entry['sql']}\n")
            summary.append([name, rank, entry["count"], *explain_all(entry["sql"], configs)])
    for name, build_queryset in PROPOSALS:
        sql = connection.ops.compose_sql(
            *build_queryset(coordinator=coordinating, learner=learner).query.sql_with_params()
        )
        print(f"\n{'=' * 100}\nVorschlag: {name}\n{sql}\n")
        summary.append([f"Vorschlag: {name}", 1, 1, *explain_all(sql, configs)])
    print(f"\n{'=' * 100}\nSummary (median execution time in ms / shared buffers of the top node;")
    print("indexes from NEW_INDEXES or PROPOSED that the plan uses)\n")
    print("| page | # | × | " + " | ".join(label for label, _ in configs) + " |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in configs) + " |")
    watched = set(NEW_INDEXES) | set(PROPOSED)
    for name, rank, count, *results in summary:
        cells = []
        for ms, buffers, indexes in results:
            ours = ", ".join(index for index in indexes if index in watched)
            cells.append(f"{ms:.1f} / {buffers}" + (f" ({ours})" if ours else ""))
        print(f"| {name} | {rank} | {count} | " + " | ".join(cells) + " |")


def explain_all(sql: str, configs) -> list[tuple[float, int, list[str]]]:
    results = []
    for label, setup in configs:
        ms, plan = explain(sql, setup=setup)
        buffers, indexes = top_buffers(plan), used_indexes(plan)
        print(f"[{label}] {ms:.2f} ms, {buffers} buffers, indexes: {', '.join(indexes) or '–'}")
        print(plan + "\n")
        results.append((ms, buffers, indexes))
    return results


# --- Suggested query changes (other engineers' files), as the querysets they would run --------


# (name, function(coordinator=, learner=) -> QuerySet). Empty: both earlier proposals (the
# Präsenztermine counted by correlated subqueries, the Modul-Übersicht counting first attempts in
# SQL) are in the code now, so their queries are explained with their pages above.
PROPOSALS: list = []


if __name__ == "__main__":
    main()
