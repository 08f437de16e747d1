"""What the PostgreSQL benchmarks share: a scratch database and production-like environment.

Call `use_scratch_environment()` before `django.setup()`; the database is dropped and created
anew on every run.
"""

import os
import secrets
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_sql(*statements: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def use_scratch_environment(*, db_name: str, scratch: Path, settings_module: str, **extra) -> None:
    """Production settings on a fresh scratch database, without HTTPS, with scratch folders."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        DATABASE_URL=database_url(db_name),
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        STATIC_ROOT=str(Path(tempfile.gettempdir()) / "lms-bench-static"),
        CERTIFICATES_ROOT=str(scratch / "certificates"),
        MEDIA_ROOT=str(scratch / "media"),
        **extra,
    )
    os.environ.pop("CACHE_URL", None)  # the default database cache, as in a plain deployment
    admin_sql(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)", f"CREATE DATABASE {db_name}")


def halfway_learner():
    """The generated course, its live lessons in order, and an active participant who has
    done half of them (the typical learner; the first such enrolment, so runs compare)."""
    from django.db.models import Count

    from courses.models import CoursePage, Enrollment, LessonPage

    course = CoursePage.objects.get(title="Fachkraft Leaving Care")
    lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))
    enrollment = (
        Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE)
        .annotate(done=Count("user__lesson_completions"))
        .filter(done=len(lessons) // 2)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return course, lessons, enrollment.user
