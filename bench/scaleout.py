"""Scale-out check: two app servers and two task workers on one PostgreSQL, under mixed load.

    .venv/bin/python -m bench.scaleout          (or: make scaleout)

Creates the scratch database `lms_bench_scaleout` on BENCH_DATABASE_URL's server (default
postgres://postgres@127.0.0.1:5432/postgres), migrates it, generates participants with
`generate_data`, adds the load accounts (known passwords, verified addresses), a certificate
template, and workshop dates with few places. Then starts two gunicorn servers (2 sync workers
each, two loopback ports, production settings via `bench.settings`) and two task workers
(`manage.py db_worker --backend background --queue-name '*'`), logs every load account in over
HTTP (allauth, one session shared by both servers) and drives, for a fixed time:

- learners: answer knowledge checks (sometimes wrong first) and mark lessons done; every
  "erledigt" goes to both servers at the same moment (two concurrent requests, same person);
- registrants: register for / cancel workshop dates with few places (waiting list, promotion);
- coordinators: bulk-issue certificates through the Wagtail bulk action, one per server, on
  overlapping batches at the same time; at the end one "alle ausstellen";
- visitors: GET /verify/<code>/ for known codes (new ones picked up while the load runs) and
  unknown ones.

Afterwards it leaves the servers idle for a moment, stops them, lets the workers drain
(bounded), stops them and asserts the invariants with ORM/SQL queries (see `check_invariants`).
Throughout, a sampler thread records the resident memory (psutil RSS, every 100 ms) of every
gunicorn worker and every task worker process: the peak during the logins, during the load and
after it, and the RSS/USS at the end; the largest peak of each kind is checked against
RSS_TARGET (200 MB). Prints requests/s, p50, p95 and errors per kind and the memory table,
writes them to docs/scaleout.md (BENCH_WRITE_DOCS=0 skips that) and drops the database.
Exit status 1 if an invariant fails.

Coordinators have an authenticator app (staff roles must use a second factor) and log in with
password and TOTP code, as in the browser.

Environment: BENCH_DURATION seconds of mixed load (40), BENCH_PARTICIPANTS generated (1500),
BENCH_DRAIN_TIMEOUT seconds (60), BENCH_DATABASE_URL.
"""

import asyncio
import base64
import contextlib
import hashlib
import math
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import psutil
import psycopg

from bench.scratch import admin_sql, database_url, free_port, use_scratch_environment

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "lms_bench_scaleout"
PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "1500"))
DURATION = float(os.environ.get("BENCH_DURATION", "40"))
DRAIN_TIMEOUT = float(os.environ.get("BENCH_DRAIN_TIMEOUT", "60"))
WRITE_DOCS = os.environ.get("BENCH_WRITE_DOCS", "1") != "0"
GUNICORN_WORKERS = 2
LEARNERS = 4
REGISTRANTS = 3  # concurrent clients, each cycling through its own accounts
REGISTRANT_ACCOUNTS = 6  # per client
VISITORS = 2
COORDINATOR_PAUSE = 2.0  # seconds between two bulk issues of one coordinator
WORKSHOP_DATES_PER_MODULE = 2
WORKSHOP_CAPACITY = 4
PASSWORD = "scaleout-" + secrets.token_urlsafe(12)
TOTP_SECRET = base64.b32encode(secrets.token_bytes(20)).decode()  # the coordinators' app
RSS_TARGET = 200 * 1000 * 1000  # bytes: "≤ 200 MB" per gunicorn worker and per task worker
RSS_INTERVAL = 0.1  # seconds between two samples
SETTLE = 3.0  # seconds the servers stay up, idle, after the load
SCRATCH = Path(tempfile.mkdtemp(prefix="lms-scaleout-"))
RNG = random.Random(2026)


use_scratch_environment(
    db_name=DB_NAME,
    scratch=SCRATCH,
    settings_module="bench.settings",  # production + no verification rate limit
    # As behind nginx: every load client sends its own X-Forwarded-For address, so allauth's
    # per-IP login limit sees many clients, not one.
    TRUSTED_PROXY_COUNT="1",
    # dj-email-url drops the first "/" of the path: four slashes give an absolute folder.
    EMAIL_URL=f"file:///{SCRATCH / 'mail'}",
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

RENDER_TASK = "certificates.tasks.render_certificate_task"


# --- Data -----------------------------------------------------------------------------------


def make_account(email, *, roles, organisation, team):
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth.models import Group

    from lms.accounts.models import User

    user = User.objects.create_user(
        email=email,
        password=PASSWORD,
        first_name="Last",
        last_name=email.split("@")[0],
        organisation=organisation,
        team=team,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    user.groups.add(*Group.objects.filter(name__in=roles))
    if user.has_staff_role:
        TOTP.activate(user, TOTP_SECRET)  # staff roles must have a second factor
    return user


def build_data() -> dict:
    from django.utils import timezone

    from certificates import services as certificate_services
    from certificates.models import CertificateTemplate, CompletionWithoutCertificate
    from courses.models import CoursePage, Enrollment, LessonPage, ModulePage, WorkshopDate
    from lms.accounts.models import Team
    from lms.accounts.roles import Role

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    started = time.perf_counter()
    call_command("generate_data", participants=PARTICIPANTS, force=True, seed=11, verbosity=0)
    generated = time.perf_counter() - started

    course = CoursePage.objects.get(title="Fachkraft Leaving Care")
    lessons = []
    for page in LessonPage.objects.live().descendant_of(course).order_by("path"):
        checks = []
        for block_id, check in page.knowledge_checks().items():
            questions = []
            for question in check["questions"]:
                options = list(question["answers"])
                right = [i for i, option in enumerate(options) if option["correct"]]
                questions.append((right, len(options)))
            checks.append((block_id, questions))
        lessons.append((page.pk, checks))

    CertificateTemplate.objects.create(
        name="Scale-out", course=course, signatory_name="Kim Hoffmann", issue_automatically=False
    )
    team = Team.objects.select_related("organisation").order_by("pk").first()

    def account(email, roles):
        return make_account(email, roles=roles, organisation=team.organisation, team=team)

    coordinators = [
        account(f"koordination{i}@scaleout.example.org", [Role.COORDINATOR, Role.PARTICIPANT])
        for i in range(2)
    ]
    learners = [
        account(f"lernend{i}@scaleout.example.org", [Role.PARTICIPANT]) for i in range(LEARNERS)
    ]
    registrants = [
        account(f"termin{i}@scaleout.example.org", [Role.PARTICIPANT])
        for i in range(REGISTRANTS * REGISTRANT_ACCOUNTS)
    ]
    Enrollment.objects.bulk_create(
        Enrollment(user=user, course=course) for user in learners + registrants
    )

    # Upcoming dates with few places for every module that requires a workshop.
    now = timezone.now()
    dates = []
    for module in ModulePage.objects.live().child_of(course).order_by("path"):
        if not module.specific.workshop_required:
            continue
        for number in range(WORKSHOP_DATES_PER_MODULE):
            starts = (now + timedelta(days=20 + 7 * number)).replace(
                hour=9, minute=0, second=0, microsecond=0
            )
            dates.append(
                WorkshopDate.objects.create(
                    course=course,
                    module=module,
                    title=f"{module.title} (Last {number + 1})",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=7),
                    location="Jugendamt, Bischof-Janssen-Straße 31, 31134 Hildesheim",
                    capacity=WORKSHOP_CAPACITY,
                )
            )

    eligible = list(
        CompletionWithoutCertificate.objects.awaiting_certificate()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # A few certificates exist before the load: the workers render them while it runs, and
    # visitors have codes to verify from the start.
    pre_issued = eligible[:5]
    certificate_services.issue_certificates(
        enrollments=list(Enrollment.objects.filter(pk__in=pre_issued)), issued_by=coordinators[0]
    )
    return {
        "generated": generated,
        "course": course,
        "lessons": lessons,
        "coordinators": coordinators,
        "learners": learners,
        "registrants": registrants,
        "dates": [date.pk for date in dates],
        "eligible": eligible[len(pre_issued) :],
        "pre_issued": len(pre_issued),
    }


# --- Processes ------------------------------------------------------------------------------


def start_gunicorn(port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "lms.wsgi:application",
            "--workers",
            str(GUNICORN_WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return process


def wait_healthy(port: int, process: subprocess.Popen) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on {port} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn on {port} did not answer /healthz")


def start_worker(worker_id: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "manage.py",
            "db_worker",
            "--backend",
            "background",
            "--queue-name",
            "*",
            "--no-reload",
            "--worker-id",
            worker_id,
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class MemorySampler(threading.Thread):
    """Resident memory of every gunicorn worker and task worker process, every RSS_INTERVAL.

    Gunicorn workers are the master's children (a worker replaced by the master shows up as a
    new process); a task worker is the `db_worker` process; processes it starts are recorded
    as its children. Peaks are kept per process and per phase (set by the main thread: logins,
    load, after); `sample(final=True)` also records RSS and USS at that moment.
    """

    KINDS = ("gunicorn worker", "task worker")

    def __init__(self, servers: list[subprocess.Popen], workers: list[subprocess.Popen], ports):
        super().__init__(daemon=True)
        self.servers = [
            (psutil.Process(s.pid), f"gunicorn :{port}")
            for s, port in zip(servers, ports, strict=True)
        ]
        self.workers = [(psutil.Process(w.pid), f"worker {n}") for n, w in enumerate(workers, 1)]
        self.phase = "logins"
        self.processes: dict[int, dict] = {}  # pid -> kind, owner, peaks per phase, last, uss
        self.lock = threading.Lock()
        self.running = True

    def watched(self) -> list[tuple[psutil.Process, str, str, bool]]:
        """(process, kind, owner, is a child of the task worker)."""
        found = []
        for master, owner in self.servers:
            with contextlib.suppress(psutil.Error):
                found += [(child, "gunicorn worker", owner, False) for child in master.children()]
        for worker, owner in self.workers:
            with contextlib.suppress(psutil.Error):
                if worker.is_running():
                    found.append((worker, "task worker", owner, False))
                    found += [
                        (child, "task worker", owner, True)
                        for child in worker.children(recursive=True)
                    ]
        return found

    def sample(self, *, final: bool = False) -> None:
        for process, kind, owner, child in self.watched():
            try:
                info = process.memory_full_info() if final else process.memory_info()
                name = process.name() if process.pid not in self.processes else ""
            except psutil.Error:
                continue
            if not info.rss:  # exiting (zombie): nothing to learn
                continue
            with self.lock:
                entry = self.processes.setdefault(
                    process.pid,
                    {"kind": kind, "owner": owner, "child": child, "name": name, "peaks": {}},
                )
                entry["peaks"][self.phase] = max(entry["peaks"].get(self.phase, 0), info.rss)
                if final:
                    entry["end"] = (info.rss, info.uss)

    def run(self) -> None:
        while self.running:
            self.sample()
            time.sleep(RSS_INTERVAL)

    def stop(self) -> None:
        self.running = False
        self.join(timeout=5)

    def main_processes(self, kind: str) -> list[dict]:
        return [e for e in self.processes.values() if e["kind"] == kind and not e["child"]]

    def peak(self, kind: str) -> int:
        return max((max(e["peaks"].values()) for e in self.main_processes(kind)), default=0)


def mib(size: int) -> str:
    return f"{size / 2**20:.0f}" if size else "–"


def memory_table(sampler: MemorySampler) -> str:
    lines = [
        "| process | pid | peak RSS, logins (MiB) | peak RSS, load (MiB) | peak RSS, after "
        "(MiB) | RSS at the end (MiB) | USS at the end (MiB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    order = {kind: n for n, kind in enumerate(MemorySampler.KINDS)}
    main = sorted(
        ((pid, e) for pid, e in sampler.processes.items() if not e["child"]),
        key=lambda item: (order[item[1]["kind"]], item[1]["owner"], item[0]),
    )
    for pid, entry in main:
        peaks = entry["peaks"]
        end_rss, end_uss = entry.get("end", (0, 0))
        lines.append(
            f"| {entry['kind']} ({entry['owner']}) | {pid} | {mib(peaks.get('logins', 0))} | "
            f"{mib(peaks.get('load', 0))} | {mib(peaks.get('after', 0))} | "
            f"{mib(end_rss)} | {mib(end_uss)} |"
        )
    children = [e for e in sampler.processes.values() if e["child"]]
    if children:
        names = sorted({e["name"] for e in children if e["name"]})
        largest = max(max(e["peaks"].values()) for e in children)
        lines.append(
            f"| processes started by the task workers ({', '.join(names) or '?'}) | "
            f"{len(children)} | | largest: {mib(largest)} | | | |"
        )
    return "\n".join(lines)


# --- HTTP client ----------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.unexpected: dict[str, int] = defaultdict(int)
        self.server_errors: dict[str, int] = defaultdict(int)
        self.ports: dict[int, int] = defaultdict(int)

    def record(self, kind, status, latency, expected, port):
        self.latencies[kind].append(latency)
        self.statuses[kind][status] += 1
        self.ports[port] += 1
        if status >= 500 or status == 0:
            self.server_errors[kind] += 1
        elif status not in expected:
            self.unexpected[kind] += 1


class Client:
    """One browser: cookies, a CSRF token and a client address (X-Forwarded-For)."""

    def __init__(self, stats: Stats, name: str):
        self.stats = stats
        self.name = name
        self.cookies: dict[str, str] = {}
        self.ip = f"10.{RNG.randint(0, 255)}.{RNG.randint(0, 255)}.{RNG.randint(1, 254)}"

    async def request(self, kind, port, method, path, *, form=None, expected=(200,)):
        body = urlencode(form or [], doseq=True).encode()
        lines = [
            f"{method} {path} HTTP/1.1",
            "Host: 127.0.0.1",
            "Connection: close",
            f"X-Forwarded-For: {self.ip}",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
                f"X-CSRFToken: {self.cookies.get('csrftoken', '')}",
            ]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body if method == "POST" else b"")
        started = time.perf_counter()
        status, headers = 0, []
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(raw)
            await writer.drain()
            data = await asyncio.wait_for(reader.read(), timeout=60)
            writer.close()
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            status = int(head[0][9:12])
            headers = [line.split(":", 1) for line in head[1:] if ":" in line]
        except (TimeoutError, OSError, ValueError):
            status = 0
        latency = time.perf_counter() - started
        for name, value in headers:
            if name.strip().lower() == "set-cookie":
                key, _, rest = value.strip().partition("=")
                cookie_value = rest.split(";", 1)[0]
                if key in ("sessionid", "csrftoken"):
                    if cookie_value and cookie_value != '""':
                        self.cookies[key] = cookie_value
                    else:
                        self.cookies.pop(key, None)
        self.stats.record(kind, status, latency, expected, port)
        return status, headers

    async def login(self, port: int, email: str) -> None:
        await self.request("login", port, "GET", "/accounts/login/")
        status, headers = await self.request(
            "login",
            port,
            "POST",
            "/accounts/login/",
            form={"login": email, "password": PASSWORD},
            expected=(302,),
        )
        location = next((v.strip() for k, v in headers if k.strip().lower() == "location"), "")
        if status == 302 and "/2fa/authenticate/" in location:
            # Staff roles: the second step asks for the authenticator app's current code.
            status, _ = await self.request(
                "login",
                port,
                "POST",
                location,
                form={"code": totp_code()},
                expected=(302,),
            )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {email} failed: HTTP {status}")


def totp_code() -> str:
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // app_settings.TOTP_PERIOD))


# --- Load -----------------------------------------------------------------------------------


def check_answers(questions, *, correct: bool) -> dict:
    form = {}
    for index, (right, options) in enumerate(questions):
        chosen = list(right)
        if not correct and index == 0:
            wrong = [i for i in range(options) if i not in right]
            chosen = [wrong[0]] if wrong else []
        form[f"q{index}"] = [str(i) for i in chosen]
    return form


async def learner(client: Client, ports, lessons, deadline, counters):
    position = 0
    while time.perf_counter() < deadline:
        lesson_id, checks = lessons[position % len(lessons)]
        position += 1
        for block_id, questions in checks:
            attempts = [False, True] if RNG.random() < 0.25 else [True]
            for correct in attempts:
                port = ports[RNG.randrange(2)]
                await client.request(
                    "knowledge check",
                    port,
                    "POST",
                    f"/lerneinheit/{lesson_id}/wissenscheck/{quote(block_id)}/",
                    form=check_answers(questions, correct=correct),
                    expected=(302,),
                )
        # The same person marks the lesson done on both servers at the same moment.
        await asyncio.gather(
            *(
                client.request(
                    "lesson complete",
                    port,
                    "POST",
                    f"/lerneinheit/{lesson_id}/erledigt/",
                    expected=(302,),
                )
                for port in ports
            )
        )
        counters["lesson passes"] += 1


async def registrant(clients, ports, dates, deadline):
    while time.perf_counter() < deadline:
        client = RNG.choice(clients)
        date_id = RNG.choice(dates)
        port = ports[RNG.randrange(2)]
        if RNG.random() < 0.7:
            await client.request(
                "workshop register",
                port,
                "POST",
                f"/termine/{date_id}/anmelden/",
                expected=(302,),
            )
        else:
            await client.request(
                "workshop cancel", port, "POST", f"/termine/{date_id}/abmelden/", expected=(302,)
            )


BULK_URL = "/admin/bulk/certificates/completionwithoutcertificate/issue_certificate/"


async def coordinator(client, port, batches, deadline, *, offset: float, sweep: bool):
    await asyncio.sleep(offset)
    for batch in batches:
        if time.perf_counter() >= deadline:
            break
        query = urlencode(
            [("next", "/admin/zertifikate/ausstehend/"), *(("id", pk) for pk in batch)]
        )
        started = time.perf_counter()
        await client.request("bulk issue", port, "POST", f"{BULK_URL}?{query}", expected=(302,))
        await asyncio.sleep(max(0.0, COORDINATOR_PAUSE - (time.perf_counter() - started)))
    if sweep:
        # Whatever is still eligible: "Alle ausstellen" (one request, everyone at once).
        await asyncio.sleep(max(0.0, deadline - time.perf_counter() - 3))
        await client.request(
            "issue all", port, "POST", "/admin/zertifikate/ausstehend/alle/", expected=(302,)
        )


async def visitor(client, ports, codes, deadline):
    while time.perf_counter() < deadline:
        # Known codes (404 while the PDF is pending), and unknown ones (always 404).
        code = RNG.choice(codes) if codes and RNG.random() < 0.85 else secrets.token_urlsafe(24)
        await client.request(
            "verification",
            ports[RNG.randrange(2)],
            "GET",
            f"/verify/{code}/",
            expected=(200, 404),
        )


async def watch_codes(codes: list, deadline) -> None:
    """New certificates' codes as coordinators issue them (what a visitor would have)."""
    async with await psycopg.AsyncConnection.connect(
        database_url(DB_NAME), autocommit=True
    ) as conn:
        while time.perf_counter() < deadline:
            cursor = await conn.execute("SELECT verification_code FROM certificates_certificate")
            seen = set(codes)
            codes.extend(code for (code,) in await cursor.fetchall() if code not in seen)
            await asyncio.sleep(1)


async def drive(ports, data, stats, sampler: MemorySampler) -> dict:
    login_started = time.perf_counter()
    coordinators = [Client(stats, f"coordinator{i}") for i in range(2)]
    learners = [Client(stats, f"learner{i}") for i in range(LEARNERS)]
    registrants = [Client(stats, f"registrant{i}") for i in range(len(data["registrants"]))]
    pairs = [
        *zip(coordinators, data["coordinators"], strict=True),
        *zip(learners, data["learners"], strict=True),
        *zip(registrants, data["registrants"], strict=True),
    ]
    # Log in over HTTP, 4 at a time, alternating servers; the session then works on both.
    semaphore = asyncio.Semaphore(4)

    async def login(index, client, user):
        async with semaphore:
            await client.login(ports[index % 2], user.email)

    await asyncio.gather(*(login(i, c, u) for i, (c, u) in enumerate(pairs)))
    login_seconds = time.perf_counter() - login_started
    sampler.phase = "load"

    eligible = data["eligible"]
    steps = max(1, int(DURATION / (COORDINATOR_PAUSE + 0.5)) - 2)
    size = max(2, math.ceil(len(eligible) / steps))
    batches = [eligible[i : i + size] for i in range(0, len(eligible), size)]
    # The second coordinator works half a batch behind: each enrolment is in two requests
    # on two servers at nearly the same time.
    half = size // 2
    shifted = [eligible[max(0, i - half) : i + size - half] for i in range(0, len(eligible), size)]
    shifted.append(eligible[len(eligible) - half :])

    codes: list[str] = []
    counters = defaultdict(int)
    # Clients are reused from the login phase; the load figures start here.
    load_stats = Stats()
    for client in coordinators + learners + registrants:
        client.stats = load_stats
    visitors = [Client(load_stats, f"visitor{i}") for i in range(VISITORS)]
    started = time.perf_counter()
    deadline = started + DURATION
    groups = [registrants[i::REGISTRANTS] for i in range(REGISTRANTS)]
    await asyncio.gather(
        watch_codes(codes, deadline),
        *(learner(c, ports, data["lessons"], deadline, counters) for c in learners),
        *(registrant(g, ports, data["dates"], deadline) for g in groups),
        coordinator(coordinators[0], ports[0], batches, deadline, offset=0.0, sweep=True),
        coordinator(coordinators[1], ports[1], shifted, deadline, offset=0.05, sweep=False),
        *(visitor(c, ports, codes, deadline) for c in visitors),
    )
    elapsed = time.perf_counter() - started
    return {
        "login_seconds": login_seconds,
        "elapsed": elapsed,
        "load_stats": load_stats,
        "batches": len(batches),
        "batch_size": size,
        "codes_seen": len(codes),
        "lesson_passes": counters["lesson passes"],
    }


# --- After the load -------------------------------------------------------------------------


def drain(timeout: float) -> float:
    """Wait until no task of the "background" backend is due or running."""
    from django.db.models import Q
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        due = Q(run_after=get_date_max()) | Q(run_after__lte=timezone.now())
        busy = DBTaskResult.objects.filter(backend_name="background").filter(
            Q(status="RUNNING") | (Q(status="READY") & due)
        )
        if not busy.exists():
            return time.perf_counter() - started
        time.sleep(0.5)
    return float("nan")


def check_invariants(data, stats: Stats, server_logs: list[Path]) -> list[tuple[str, bool, str]]:
    from django.conf import settings
    from django.db.models import Count, Q
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from certificates.models import Certificate, CertificateNumberCounter
    from courses.models import (
        LessonCompletion,
        QuizAttempt,
        WorkshopDate,
        WorkshopRegistration,
    )

    results = []

    def check(name, ok, detail):
        results.append((name, bool(ok), detail))

    # 1. Server errors: 5xx or no answer, and anything the server logged as an error.
    server_errors = sum(stats.server_errors.values())
    unexpected = sum(stats.unexpected.values())
    logged = 0
    for log in server_logs:
        for line in log.read_text(errors="replace").splitlines():
            if '"level": "ERROR"' in line or '"level": "CRITICAL"' in line or "Traceback" in line:
                logged += 1
    check(
        "0 server errors",
        server_errors == 0 and logged == 0,
        f"{server_errors} responses 5xx/no answer, {logged} error lines in the server logs, "
        f"{unexpected} other unexpected statuses",
    )

    # 2. Duplicate completions (the unique constraint forbids them; counted anyway).
    duplicates = (
        LessonCompletion.objects.values("user_id", "lesson_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    learner_ids = [user.pk for user in data["learners"]]
    done = LessonCompletion.objects.filter(user_id__in=learner_ids).count()
    attempts = QuizAttempt.objects.filter(user_id__in=learner_ids)
    check(
        "0 duplicate completions",
        duplicates == 0,
        f"{duplicates} (user, lesson) pairs with more than one completion; load learners hold "
        f"{done} completions, {attempts.count()} check attempts "
        f"({attempts.filter(passed=False).count()} failed)",
    )

    # 3. Registrations never above capacity; no one waits while a place is free.
    dates = WorkshopDate.objects.annotate(
        registered=Count("registrations", filter=Q(registrations__status="registered")),
        waiting=Count("registrations", filter=Q(registrations__status="waitlisted")),
    )
    over = [d.pk for d in dates if d.registered > d.capacity]
    stuck = [d.pk for d in dates if d.waiting and d.registered < d.capacity]
    load_dates = dates.filter(pk__in=data["dates"])
    per_date = ", ".join(
        f"{d.registered}/{d.capacity} (+{d.waiting} waiting)" for d in load_dates.order_by("pk")
    )
    regs = WorkshopRegistration.objects.filter(date_id__in=data["dates"])
    check(
        "registrations ≤ capacity",
        not over and not stuck,
        f"{dates.count()} dates, {len(over)} over capacity, {len(stuck)} with a waiting list "
        f"beside free places; load dates: {per_date}; "
        f"{regs.filter(promoted_at__isnull=False).count()} promoted from the waiting list",
    )

    # 4. Every issued certificate rendered exactly once.
    render_tasks = defaultdict(list)
    for task in DBTaskResult.objects.filter(task_path=RENDER_TASK):
        render_tasks[task.args_kwargs["kwargs"]["certificate_id"]].append(task)
    certificates = list(Certificate.objects.all())
    problems = []
    root = Path(settings.CERTIFICATES_ROOT)
    for certificate in certificates:
        tasks = render_tasks.get(certificate.pk, [])
        if certificate.status != Certificate.Status.ISSUED:
            problems.append(f"{certificate.number}: status {certificate.status}")
            continue
        path = root / certificate.pdf.name
        if not certificate.pdf or not path.exists():
            problems.append(f"{certificate.number}: no stored PDF")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != certificate.pdf_sha256:
            problems.append(f"{certificate.number}: PDF checksum differs")
        if certificate.rendered_at is None or certificate.render_attempts:
            problems.append(f"{certificate.number}: rendered_at/render_attempts")
        if len(tasks) != 1 or tasks[0].status != "SUCCESSFUL" or len(tasks[0].worker_ids) != 1:
            problems.append(
                f"{certificate.number}: render tasks "
                f"{[(t.status, len(t.worker_ids)) for t in tasks]}"
            )
    orphans = set(render_tasks) - {c.pk for c in certificates}
    valid_twice = (
        Certificate.objects.valid()
        .values("user_id", "course_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    counter = CertificateNumberCounter.objects.filter(year=timezone.localdate().year).first()
    sequences = sorted(c.sequence for c in certificates)
    gapless = sequences == list(range(1, len(certificates) + 1)) and (
        counter is None or counter.last_number == len(certificates)
    )
    files = sum(1 for _ in root.rglob("*.pdf")) if root.exists() else 0
    by_worker = defaultdict(int)
    for tasks in render_tasks.values():
        for task in tasks:
            for worker in task.worker_ids:
                by_worker[worker] += 1
    issued = sum(c.status == Certificate.Status.ISSUED for c in certificates)
    check(
        "every issued certificate rendered exactly once",
        not problems and not orphans and not valid_twice and gapless and files == issued,
        f"{len(certificates)} certificates ({issued} issued, "
        f"{len(certificates) - data['pre_issued']} during the load); {files} PDF files; "
        f"{len(problems)} problems{': ' + '; '.join(problems[:5]) if problems else ''}; "
        f"{valid_twice} people with two valid certificates; numbers gapless: {gapless}; "
        f"render tasks per worker: {dict(sorted(by_worker.items()))}",
    )

    # 5. No lost task: nothing failed, nothing left running or due; mails match their tasks.
    tasks = DBTaskResult.objects.filter(backend_name="background")
    now = timezone.now()
    by_status = dict(tasks.values_list("status").annotate(n=Count("pk")).order_by())
    failed = tasks.filter(status="FAILED").count()
    running = tasks.filter(status="RUNNING").count()
    ready = tasks.filter(status="READY")
    due = ready.filter(run_after__lte=now).count()
    scheduled = ready.filter(run_after__gt=now)
    not_reminders = scheduled.exclude(task_path__endswith="send_workshop_reminder").count()
    sent = tasks.filter(status="SUCCESSFUL", task_path="lms.mail.send_mail_task").count()
    mail_dir = SCRATCH / "mail"
    # The file backend ends every message with a line of 79 "-" (several may share a file).
    separator = b"\n" + b"-" * 79 + b"\n"
    mails = (
        sum(f.read_bytes().count(separator) for f in mail_dir.glob("*")) if mail_dir.exists() else 0
    )
    check(
        "no lost task",
        not failed and not running and not due and not not_reminders and sent == mails,
        f"task results by status {by_status}; {failed} failed, {running} running, {due} due "
        f"and not run; {scheduled.count()} workshop reminders scheduled for later (expected); "
        f"{sent} e-mail tasks succeeded, {mails} e-mails written",
    )
    return results


# --- Report ---------------------------------------------------------------------------------


KIND_ORDER = [
    "knowledge check",
    "lesson complete",
    "workshop register",
    "workshop cancel",
    "bulk issue",
    "issue all",
    "verification",
]


def rows_for(stats: Stats, elapsed: float):
    rows = []
    kinds = [k for k in KIND_ORDER if k in stats.latencies]
    kinds += sorted(set(stats.latencies) - set(kinds))
    total = 0
    for kind in kinds:
        latencies = sorted(stats.latencies[kind])
        total += len(latencies)
        rows.append(
            (
                kind,
                len(latencies),
                len(latencies) / elapsed,
                statistics.median(latencies) * 1000,
                latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000,
                stats.server_errors[kind],
                stats.unexpected[kind],
                dict(sorted(stats.statuses[kind].items())),
            )
        )
    return rows, total


def table(rows, total, elapsed) -> str:
    lines = [
        "| kind | requests | req/s | p50 ms | p95 ms | 5xx / no answer | other unexpected "
        "| statuses |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for kind, n, rps, p50, p95, errors, unexpected, statuses in rows:
        codes = ", ".join(f"{code}: {count}" for code, count in statuses.items())
        lines.append(
            f"| {kind} | {n} | {rps:.1f} | {p50:.0f} | {p95:.0f} | {errors} | {unexpected} "
            f"| {codes} |"
        )
    lines.append(f"| **all** | {total} | {total / elapsed:.1f} | | | | | |")
    return "\n".join(lines)


def write_docs(
    summary: str, results_table: str, invariants, info: dict, memory: tuple[str, str]
) -> None:
    lines = [
        "# Scale-out: zwei App-Server, zwei Task-Worker, eine Datenbank",
        "",
        f"Gemessen am {time.strftime('%d.%m.%Y')} mit `make scaleout` "
        "(`bench/scaleout.py`; diese Datei schreibt das Skript bei jedem Lauf neu). "
        f"{os.cpu_count()} CPU-Kerne, geteilt von beiden Servern, beiden Workern, PostgreSQL "
        f"{info['pg']} und dem Lastgenerator (und anderen Prozessen auf der Maschine): "
        "Größenordnungen, keine Zusagen.",
        "",
        "## Aufbau",
        "",
        f"- Kratzdatenbank `{DB_NAME}`, `generate_data` mit {PARTICIPANTS} Teilnehmenden, "
        "danach wieder gelöscht.",
        f"- 2 × gunicorn ({GUNICORN_WORKERS} Sync-Worker je Server, zwei Ports auf 127.0.0.1), "
        "Produktionseinstellungen (`bench.settings`: ohne Rate-Limit der Prüfseite), "
        "Datenbank-Cache, gemeinsamer `SECRET_KEY`: eine Sitzung gilt auf beiden Servern.",
        "- 2 × `manage.py db_worker --backend background --queue-name '*'` "
        "(PDFs, E-Mails in Dateien).",
        f"- Lastgenerator (asyncio, eine TCP-Verbindung je Request), {info['elapsed']:.0f} s "
        "gemischte Last; vorher Anmeldung aller Lastkonten über `/accounts/login/`, "
        "Koordination mit Passwort und TOTP-Code "
        f"({info['logins']} Konten, {info['login_seconds']:.1f} s, nicht in den Zahlen):",
        f"  - {LEARNERS} Lernende: Wissenschecks (ein Viertel erst falsch), dann „erledigt“ "
        "gleichzeitig an beide Server (dieselbe Person, zwei Requests);",
        f"  - {REGISTRANTS} Clients mit je {REGISTRANT_ACCOUNTS} Konten: Anmeldung (70 %) und "
        f"Abmeldung (30 %) bei {info['dates']} Präsenzterminen mit je {WORKSHOP_CAPACITY} "
        "Plätzen;",
        f"  - 2 Koordinator*innen, je eine an einem Server: Sammelausstellung über die "
        f"Wagtail-Bulk-Action, {info['batches']} Stapel à {info['batch_size']}, die zweite um "
        "einen halben Stapel versetzt (jede Einschreibung in zwei gleichzeitigen Requests), "
        f"alle {COORDINATOR_PAUSE:.0f} s; kurz vor Schluss einmal „Alle ausstellen“;",
        f"  - {VISITORS} Besucher*innen: `/verify/<code>/` mit bekannten Codes (neue kommen "
        "während der Last dazu; noch nicht gerenderte antworten 404) und 15 % unbekannten.",
        f"- Danach: Server {SETTLE:.0f} s im Leerlauf, dann stoppen, Worker leeren lassen "
        f"(höchstens {DRAIN_TIMEOUT:.0f} s), Worker stoppen, Invarianten per ORM/SQL prüfen.",
        f"- Speicher: psutil-RSS jedes gunicorn-Workers und jedes Task-Workers alle "
        f"{RSS_INTERVAL * 1000:.0f} ms von den Anmeldungen bis zum Ende; Ziel ≤ 200 MB je "
        "Prozess.",
        f"- Systemlast (loadavg, 1 min) vor der Last {info['load_before']:.1f}, "
        f"danach {info['load_after']:.1f}.",
        "",
        "## Ergebnis",
        "",
        summary,
        "",
        results_table,
        "",
        "## Speicher",
        "",
        memory[0],
        "",
        memory[1],
        "",
        "## Invarianten",
        "",
        "| Prüfung | Ergebnis | Details |",
        "| --- | --- | --- |",
    ]
    for name, ok, detail in invariants:
        lines.append(f"| {name} | {'ok' if ok else 'FEHLER'} | {detail} |")
    lines.append("")
    (ROOT / "docs" / "scaleout.md").write_text("\n".join(lines), encoding="utf-8")


# --- Main -----------------------------------------------------------------------------------


def main() -> int:
    processes = []
    try:
        return run(processes)
    finally:
        for process in processes:
            stop(process, timeout=5)
        connection.close()
        admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def run(processes: list) -> int:
    data = build_data()
    print(
        f"data: {PARTICIPANTS} generated participants ({data['generated']:.1f} s), "
        f"{len(data['lessons'])} lessons, {len(data['dates'])} load workshop dates × "
        f"{WORKSHOP_CAPACITY} places, {len(data['eligible'])} completions awaiting a "
        f"certificate (+{data['pre_issued']} issued before the load); "
        f"PostgreSQL {connection.pg_version // 10000}; {os.cpu_count()} CPUs",
        flush=True,
    )
    connection.close()
    ports = [free_port(), free_port()]
    server_logs = [SCRATCH / f"gunicorn-{port}.log" for port in ports]
    worker_logs = [SCRATCH / f"worker-{n}.log" for n in (1, 2)]
    servers = [start_gunicorn(port, log) for port, log in zip(ports, server_logs, strict=True)]
    processes.extend(servers)
    workers = [start_worker(f"scaleout-worker-{n}", worker_logs[n - 1]) for n in (1, 2)]
    processes.extend(workers)
    for port, server in zip(ports, servers, strict=True):
        wait_healthy(port, server)
    print(f"servers on ports {ports[0]} and {ports[1]}, 2 task workers; load {DURATION:.0f} s")
    sampler = MemorySampler(servers, workers, ports)
    sampler.start()

    login_stats = Stats()
    load_before = os.getloadavg()[0]
    result = asyncio.run(drive(ports, data, login_stats, sampler))
    load_after = os.getloadavg()[0]
    stats = result["load_stats"]
    # After the load: the servers idle a moment (does memory stay up?), then the workers drain.
    sampler.phase = "after"
    time.sleep(SETTLE)
    sampler.sample(final=True)
    for server in servers:
        stop(server)
    drained = drain(DRAIN_TIMEOUT)
    sampler.sample(final=True)
    sampler.stop()
    for worker in workers:
        stop(worker)
    print(
        f"load {result['elapsed']:.1f} s (logins before: {result['login_seconds']:.1f} s, "
        f"{len(login_stats.latencies['login']) // 2} accounts, "
        f"{login_stats.server_errors['login']} errors); workers drained "
        f"{f'in {drained:.1f} s' if drained == drained else 'NOT within the timeout'}; "
        f"requests per server port {dict(stats.ports)}",
        flush=True,
    )

    rows, total = rows_for(stats, result["elapsed"])
    results_table = table(rows, total, result["elapsed"])
    print()
    print(results_table)
    invariants = check_invariants(data, stats, server_logs + worker_logs)
    if drained != drained:
        invariants.append(("workers drained in time", False, f"> {DRAIN_TIMEOUT:.0f} s"))
    memory = memory_table(sampler)
    peaks = {kind: sampler.peak(kind) for kind in MemorySampler.KINDS}
    memory_summary = (
        f"Spitzen-RSS (psutil, alle {RSS_INTERVAL * 1000:.0f} ms, Anmeldungen, Last und "
        f"{SETTLE:.0f} s danach bzw. bis die Worker leer sind): größter gunicorn-Worker "
        f"**{mib(peaks['gunicorn worker'])} MiB**, größter Task-Worker "
        f"**{mib(peaks['task worker'])} MiB**; Ziel je Prozess ≤ 200 MB "
        f"(= {RSS_TARGET / 2**20:.0f} MiB). RSS zählt die mit dem gunicorn-Master geteilten "
        "Seiten mit; USS ist der Anteil, den nur dieser Prozess belegt. Prozesse, die ein "
        "Task-Worker startet (kurzlebig, z. B. gcc/ld aus `ctypes.util.find_library`), zählen "
        "nicht zum Worker; ein eben geforkter Prozess zeigt bis zum `exec` die geteilten Seiten "
        "des Workers als RSS (Zeile „processes started by the task workers“)."
    )
    invariants.append(
        (
            "peak RSS ≤ 200 MB per process",
            all(0 < peak <= RSS_TARGET for peak in peaks.values()),
            ", ".join(
                f"{kind}: {peak / 1e6:.0f} MB ({mib(peak)} MiB, "
                f"{len(sampler.main_processes(kind))} processes)"
                for kind, peak in peaks.items()
            ),
        )
    )
    print()
    print(memory)
    print()
    for name, ok, detail in invariants:
        print(f"{'OK  ' if ok else 'FAIL'} {name}: {detail}")
    summary = (
        f"{total} Requests in {result['elapsed']:.1f} s = **{total / result['elapsed']:.1f} "
        f"req/s** über beide Server (je Port: "
        f"{', '.join(str(n) for n in stats.ports.values())}); {result['lesson_passes']} "
        f"Lerneinheiten-Durchgänge; Worker danach in "
        f"{f'{drained:.1f} s' if drained == drained else '> Timeout'} leer."
    )
    if WRITE_DOCS:
        write_docs(
            summary,
            results_table,
            invariants,
            {
                "pg": connection.pg_version // 10000,
                "elapsed": result["elapsed"],
                "logins": len(login_stats.latencies["login"]) // 2,
                "login_seconds": result["login_seconds"],
                "dates": len(data["dates"]),
                "batches": result["batches"],
                "batch_size": result["batch_size"],
                "load_before": load_before,
                "load_after": load_after,
            },
            (memory_summary, memory),
        )
        print("\nwritten: docs/scaleout.md")
    failed = [name for name, ok, _ in invariants if not ok]
    if failed:
        print(f"\nFAILED: {', '.join(failed)}   (logs kept in {SCRATCH})")
        return 1
    with contextlib.suppress(OSError):
        for path in sorted(SCRATCH.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        SCRATCH.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
