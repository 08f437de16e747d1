"""Learner pages under gunicorn with the production settings on PostgreSQL, against a bare view.

    .venv/bin/python -m bench.pages_bench

Creates the scratch database `lms_bench_pages` on BENCH_DATABASE_URL's server (default
postgres://postgres@127.0.0.1:5432/postgres), migrates it, generates participants with
`generate_data`, issues one certificate row, starts gunicorn (2 sync workers, loopback) with
`bench.settings` (production plus the bare view) and loads each page for a fixed time at a fixed
concurrency. Each page is followed by the bare view (bench/bare_views.py) producing as many
bytes, so the ratio shows what the page costs beyond Django's own request handling.
Queries per request come from the test client in this process. Everything is dropped at the end.

Environment: BENCH_PARTICIPANTS (2000), BENCH_DURATION seconds per run (10),
BENCH_CONCURRENCY (4), BENCH_DATABASE_URL, BENCH_PAGES (a comma-separated subset of "lesson page",
"course page", "dashboard", "verification"); BENCH_CACHE_URL (e.g. redis://127.0.0.1:6379/1) runs
with that cache instead of the database cache, as production does with CACHE_URL (sessions then
live in the cache, written through to the database); BENCH_PROFILE=1 first prints a pyinstrument
profile of each page (in this process, through the test client).

The pages keep unchanged content in a per-process cache (content/page_cache.py); the warm-up
before each measurement fills it, so the figures are the steady state. What a request costs
right after a page was published is printed as "cold". Besides throughput, the CPU time the
server side (gunicorn, PostgreSQL, Redis) spends per request is measured: on two cores shared
with other work it varies much less than req/s.
"""

import asyncio
import os
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from bench.scratch import admin_sql, free_port, halfway_learner, use_scratch_environment

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "lms_bench_pages"
PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "2000"))
DURATION = float(os.environ.get("BENCH_DURATION", "10"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
WARMUP = 1.5
WORKERS = 2
SCRATCH = Path(tempfile.mkdtemp(prefix="lms-pages-bench-"))


use_scratch_environment(db_name=DB_NAME, scratch=SCRATCH, settings_module="bench.settings")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "")
if CACHE_URL:  # after use_scratch_environment(), which selects the database cache
    os.environ["CACHE_URL"] = CACHE_URL

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def build_data():
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    started = time.perf_counter()
    call_command("generate_data", participants=PARTICIPANTS, force=True, seed=7, verbosity=0)
    generated = time.perf_counter() - started
    course, lessons, learner = halfway_learner()  # the typical dashboard
    certificate = create_certificate(course=course, user=learner, now=timezone.now())
    return course, lessons, learner, certificate, generated


def create_certificate(*, course, user, now):
    """One issued certificate row (no PDF needed for the public verification page)."""
    try:
        from certificates.models import Certificate, CertificateTemplate
        from certificates.snapshots import sample_snapshot
    except ImportError as error:  # the certificates app is still being finished
        print(f"verification page skipped: {error}")
        return None
    template = CertificateTemplate.objects.create(
        name="Bench", course=course, signatory_name="Kim Hoffmann"
    )
    snapshot = sample_snapshot(template)
    snapshot["holder_name"] = user.get_full_name()
    return Certificate.objects.create(
        user=user,
        course=course,
        year=now.year,
        sequence=1,
        number=f"LC-{now.year}-0001",
        snapshot=snapshot,
        template=template,
        status=Certificate.Status.ISSUED,
        issued_at=now,
    )


def queries_and_size(client: Client, url: str) -> tuple[int, int]:
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries), len(response.content)


def cold_and_warm(client: Client, url: str) -> tuple[float, float, int]:
    """Milliseconds of one request right after a content change, and of a warm one (median of
    ten), in this process; and the queries of the cold request."""
    from content import page_cache

    page_cache.invalidate()
    with CaptureQueriesContext(connection) as context:
        started = time.perf_counter()
        client.get(url)
        cold = (time.perf_counter() - started) * 1000
    cold_queries = len(context.captured_queries)  # before the next request resets the log
    warm = []
    for _ in range(10):
        started = time.perf_counter()
        client.get(url)
        warm.append((time.perf_counter() - started) * 1000)
    return cold, statistics.median(warm), cold_queries


def profile(client: Client, name: str, url: str) -> None:
    """Where one request's time goes, in this process (pyinstrument, if installed)."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(20):
        client.get(url)
    profiler.stop()
    print(f"\nProfile of 20 requests: {name}")
    print(profiler.output_text(color=False, short_mode=True)[:5000])


async def one_request(port: int, raw: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    data = await reader.read()  # gunicorn's sync workers close after each response
    writer.close()
    return int(data[9:12] or 0), time.perf_counter() - started


async def load(port: int, path: str, cookie: str | None, seconds: float) -> dict:
    headers = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if cookie:
        headers.append(f"Cookie: sessionid={cookie}")
    raw = ("\r\n".join(headers) + "\r\n\r\n").encode()
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds

    async def user():
        nonlocal errors
        while time.perf_counter() < deadline:
            status, latency = await one_request(port, raw)
            if status == 200:
                latencies.append(latency)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95": latencies[int(len(latencies) * 0.95)] * 1000 if latencies else float("nan"),
        "requests": len(latencies),
        "errors": errors,
    }


class CpuMeter:
    """CPU seconds used by the server side between start() and stop(): gunicorn (master and
    workers), the PostgreSQL backends of the scratch database and redis-server if running.

    Throughput on two shared cores depends on whatever else runs; CPU time per request much
    less so, which makes it the steadier measure of what a page costs.
    """

    def __init__(self, master_pid: int):
        self.master = psutil.Process(master_pid)

    def _processes(self) -> list[psutil.Process]:
        found = [self.master, *self.master.children()]
        for process in psutil.process_iter(["name", "cmdline"]):
            name = process.info["name"] or ""
            command = " ".join(process.info["cmdline"] or [])
            ours = name.startswith("postgres") and f" {DB_NAME} " in f" {command} "
            if ours or name.startswith("redis-server"):
                found.append(process)
        return found

    @staticmethod
    def _seconds(process: psutil.Process) -> float | None:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            return None
        return times.user + times.system

    def start(self) -> None:
        self.processes = {process.pid: process for process in self._processes()}
        self.before = {pid: self._seconds(process) for pid, process in self.processes.items()}

    def stop(self) -> float:
        """A process that ended meanwhile (a database connection past CONN_MAX_AGE) is left
        out: its last seconds are lost, which is small next to a run."""
        for process in self._processes():
            self.processes.setdefault(process.pid, process)
        total = 0.0
        for pid, process in self.processes.items():
            now = self._seconds(process)
            if now is not None:
                total += now - (self.before.get(pid) or 0.0)
        return total


def measure(meter: CpuMeter, port: int, url: str, cookie: str | None) -> dict:
    asyncio.run(load(port, url, cookie, WARMUP))
    meter.start()
    result = asyncio.run(load(port, url, cookie, DURATION))
    result["cpu_ms"] = meter.stop() * 1000 / max(result["requests"], 1)
    return result


class RssSampler(threading.Thread):
    """Peak resident memory of each gunicorn worker, sampled every 100 ms."""

    def __init__(self, master_pid: int):
        super().__init__(daemon=True)
        self.master = psutil.Process(master_pid)
        self.peak: dict[int, int] = {}
        self.running = True

    def run(self):
        while self.running:
            for child in self.master.children():
                try:
                    rss = child.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                self.peak[child.pid] = max(self.peak.get(child.pid, 0), rss)
            time.sleep(0.1)


def start_gunicorn(port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "lms.wsgi:application",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as reply:
                if reply.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not answer /healthz")


def main() -> None:
    try:
        run()
    finally:
        connection.close()
        admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def run() -> None:
    course, lessons, learner, certificate, generated = build_data()
    client = Client()
    client.force_login(learner)
    cookie = client.cookies["sessionid"].value
    pages = [
        ("lesson page", lessons[len(lessons) // 2].url, cookie),
        ("course page", course.url, cookie),
        ("dashboard", "/lernbereich/", cookie),
    ]
    if certificate is not None:
        pages.append(("verification", f"/verify/{certificate.verification_code}/", None))
    if only := os.environ.get("BENCH_PAGES"):
        pages = [page for page in pages if page[0] in only.split(",")]

    print(
        f"data: {PARTICIPANTS} generated participants ({generated:.1f} s), course with "
        f"{len(lessons)} lessons, PostgreSQL {connection.pg_version // 10000}, cache "
        f"{CACHE_URL.split(':', 1)[0] if CACHE_URL else 'database'}; "
        f"gunicorn {WORKERS} sync workers, {CONCURRENCY} concurrent connections, "
        f"{DURATION:.0f} s per run, {os.cpu_count()} CPUs shared by server, DB and load generator"
    )
    measured = []
    for name, url, session in pages:
        anonymous = Client() if session is None else client
        queries, size = queries_and_size(anonymous, url)
        measured.append((name, url, session, queries, size))
        cold, warm, cold_queries = cold_and_warm(anonymous, url)
        print(
            f"{name:13s} in process: cold {cold:5.1f} ms ({cold_queries} queries), "
            f"warm {warm:5.1f} ms ({queries} queries)"
        )

    if os.environ.get("BENCH_PROFILE"):
        for name, url, session, _, _ in measured:
            profile(Client() if session is None else client, name, url)

    port = free_port()
    server = start_gunicorn(port)
    sampler = RssSampler(server.pid)
    sampler.start()
    meter = CpuMeter(server.pid)
    rows = []
    try:
        for name, url, session, queries, size in measured:
            load_before = os.getloadavg()[0]
            page = measure(meter, port, url, session)
            bare = measure(meter, port, f"/__bench__/bare/{size}/", None)
            rows.append((name, queries, size, page, bare))
            print(
                f"{name:13s} {page['rps']:7.1f} req/s  p50 {page['p50']:6.1f} ms  "
                f"p95 {page['p95']:6.1f} ms  CPU {page['cpu_ms']:5.2f} ms/req  | bare "
                f"{bare['rps']:7.1f} req/s  p50 {bare['p50']:5.1f} ms  CPU {bare['cpu_ms']:5.2f}"
                f" ms/req  | throughput ratio {page['rps'] / bare['rps']:.2f}  CPU ratio "
                f"{bare['cpu_ms'] / page['cpu_ms']:.2f}  p50 ratio "
                f"{page['p50'] / bare['p50']:.1f}x  | {queries} queries  {size / 1024:.0f} KiB  "
                f"errors {page['errors'] + bare['errors']}  load {load_before:.1f}",
                flush=True,
            )
    finally:
        sampler.running = False
        sampler.join()
        server.terminate()
        server.wait(timeout=30)
    peak = max(sampler.peak.values(), default=0)
    print(f"peak RSS of a gunicorn worker: {peak / 2**20:.0f} MiB")
    print_markdown(rows, peak)


def print_markdown(rows, peak: int) -> None:
    print(
        "\n| page | req/s | p50 ms | p95 ms | CPU ms/req | bare req/s | bare p50 ms "
        "| bare CPU ms/req | req/s ratio | CPU ratio | p50 ratio | queries | size |"
    )
    print("| --- |" + " ---: |" * 12)
    for name, queries, size, page, bare in rows:
        print(
            f"| {name} | {page['rps']:.0f} | {page['p50']:.1f} | {page['p95']:.1f} "
            f"| {page['cpu_ms']:.2f} | {bare['rps']:.0f} | {bare['p50']:.1f} "
            f"| {bare['cpu_ms']:.2f} | {page['rps'] / bare['rps']:.2f} "
            f"| {bare['cpu_ms'] / page['cpu_ms']:.2f} | {page['p50'] / bare['p50']:.1f}× "
            f"| {queries} | {size / 1024:.0f} KiB |"
        )
    print(f"\nPeak RSS of a gunicorn worker: {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
