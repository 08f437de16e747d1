"""Certificate speed figures: render, download, bulk issue, worker drain.

Standalone: `.venv/bin/python -m bench.certificates_bench` (scratch SQLite database and folders
in a temporary directory; nothing of the project's own data is touched).

Targets (docs/certificates.md):
- median render ≤ 1.15 × a bare `weasyprint.HTML(string=...).write_pdf()` of the same HTML
- download of an issued PDF ≥ 50 × faster than a render (a re-render on download, as Moodle's
  customcert does, is a plain WeasyPrint render; the ratio to this project's own, font-cached
  render is printed too)
- issuing 100 certificates in bulk returns in < 2 s
- the worker drains them at ≥ 0.9 × the bare render rate
"""

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

SCRATCH = Path(tempfile.mkdtemp(prefix="lms-cert-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"
os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH / 'bench.sqlite3'}"

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

import weasyprint  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

RENDER_ROUNDS = 15
DOWNLOAD_ROUNDS = 50
BULK_SIZE = 100


def setup_data():
    from certificates.models import CertificateTemplate
    from lms.accounts.roles import Role
    from tests.certificates.conftest import complete_course
    from tests.conftest import ensure_site
    from tests.factories import UserFactory, build_course

    ensure_site()
    course = build_course(title="Fachkraft Leaving Care", modules=6, lessons_per_module=1)
    CertificateTemplate.objects.create(
        name="Bench",
        course=course,
        signatory_name="Kim Hoffmann",
        signatory_function="Koordination",
    )
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    enrollments = [complete_course(user=UserFactory(), course=course) for _ in range(BULK_SIZE)]
    return coordinator, enrollments


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    # Console logging of every task and render step would be part of the measurement.
    for name in ("weasyprint", "fontTools", "django_tasks", "django_tasks_db", "wagtail"):
        logging.getLogger(name).setLevel(logging.ERROR)
    settings.CERTIFICATES_ROOT = SCRATCH / "certificates"
    settings.MEDIA_ROOT = SCRATCH / "media"
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)

    from certificates import rendering, services
    from certificates.models import Certificate

    coordinator, enrollments = setup_data()

    # 1. Bulk issue: the request-side cost (records + queued render tasks).
    bulk_seconds = timed(
        lambda: services.issue_certificates(enrollments=enrollments, issued_by=coordinator)
    )

    # 2. Render against bare WeasyPrint, same HTML, alternating, after a warm-up.
    snapshot = Certificate.objects.first().snapshot
    html = rendering.render_html(snapshot)
    for _ in range(2):
        rendering.render_pdf(snapshot)
        weasyprint.HTML(string=html).write_pdf()
    ours, bare = [], []
    for _ in range(RENDER_ROUNDS):
        ours.append(timed(lambda: rendering.render_pdf(snapshot)))
        bare.append(timed(lambda: weasyprint.HTML(string=html).write_pdf()))
    render_median, bare_median = statistics.median(ours), statistics.median(bare)

    # 3. The worker drains the 100 queued renders (queue "pdf" only; e-mails are separate).
    drain_seconds = timed(
        lambda: call_command(
            "db_worker",
            "--batch",
            "--backend",
            "background",
            "--queue-name",
            "pdf",
            "--no-startup-delay",
            "--no-reload",
            verbosity=0,
        )
    )
    issued = Certificate.objects.filter(status=Certificate.Status.ISSUED).count()
    worker_rate = issued / drain_seconds
    bare_rate = 1 / bare_median

    # 4. Download of a stored PDF through the view (permission check, audit-free holder path).
    certificate = Certificate.objects.filter(status=Certificate.Status.ISSUED).first()
    client = Client()
    client.force_login(certificate.user)
    url = reverse("certificate_download", args=[certificate.pk])

    def download():
        response = client.get(url)
        assert response.status_code == 200
        b"".join(response.streaming_content)

    download()
    downloads = [timed(download) for _ in range(DOWNLOAD_ROUNDS)]
    download_median = statistics.median(downloads)

    print(f"Rendering (median of {RENDER_ROUNDS}):")
    print(f"  certificates.rendering.render_pdf  {render_median * 1000:8.1f} ms")
    print(f"  bare weasyprint write_pdf()        {bare_median * 1000:8.1f} ms")
    print(f"  ratio                              {render_median / bare_median:8.2f} ×  (≤ 1.15)")
    print(f"Download of the stored PDF (median of {DOWNLOAD_ROUNDS}):")
    print(f"  download view                      {download_median * 1000:8.1f} ms")
    print(f"  bare render / download             {bare_median / download_median:8.0f} ×  (≥ 50)")
    print(f"  our render / download              {render_median / download_median:8.0f} ×")
    print(f"Bulk issue of {BULK_SIZE}:")
    print(f"  issue_certificates()               {bulk_seconds:8.2f} s   (< 2 s)")
    print("Worker drain:")
    print(f"  {issued} PDFs in                       {drain_seconds:8.2f} s")
    print(f"  worker rate                        {worker_rate:8.2f} /s")
    print(f"  bare render rate                   {bare_rate:8.2f} /s")
    print(f"  ratio                              {worker_rate / bare_rate:8.2f} ×  (≥ 0.9)")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
