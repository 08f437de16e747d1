"""The production settings, loaded the way a server loads them: in a fresh process from env vars.

`check --deploy` needs no database connection, so these run on SQLite CI as well.
"""

import importlib.util
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Variables of the test run (conftest sets DJANGO_ALLOW_ASYNC_UNSAFE) or of the calling shell
# that would change what the production settings see.
INHERITED_OUT = (
    "DATABASE_URL",
    "CACHE_URL",
    "EMAIL_URL",
    "SECURE_SSL_REDIRECT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in INHERITED_OUT and not key.startswith("AWS_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="lms.example.org",
        CSRF_TRUSTED_ORIGINS="https://lms.example.org",
        DATABASE_URL="postgres://lms:secret@db.example.org:5432/lms",
    )
    env.update(overrides)
    return env


needs_django_storages = pytest.mark.skipif(
    importlib.util.find_spec("storages") is None,
    reason="django-storages[s3] is not installed (pinned in requirements.txt)",
)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed arguments, this interpreter
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def settings_in_subprocess(env: dict[str, str], expression: str):
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({expression}, default=str))"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deploy_check_passes_without_warnings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@needs_django_storages
def test_deploy_check_passes_with_redis_and_s3():
    env = production_env(
        CACHE_URL="redis://127.0.0.1:6379/0",
        AWS_STORAGE_BUCKET_NAME="lms-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.org",
    )
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_redis_cache_url_selects_django_redis_cache_and_cached_sessions():
    env = production_env(CACHE_URL="redis://127.0.0.1:6379/1")
    cache, session_engine = settings_in_subprocess(
        env, "[settings.CACHES['default'], settings.SESSION_ENGINE]"
    )
    assert cache["BACKEND"] == "lms.cache.RedisCache"  # Django's, one client per pool
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert session_engine == "django.contrib.sessions.backends.cached_db"


def test_without_cache_url_sessions_stay_in_the_database():
    engine = settings_in_subprocess(production_env(), "settings.SESSION_ENGINE")
    assert engine == "django.contrib.sessions.backends.db"


def test_database_connections_are_persistent_and_health_checked():
    database = settings_in_subprocess(
        production_env(CONN_MAX_AGE="120"), "settings.DATABASES['default']"
    )
    assert database["CONN_MAX_AGE"] == 120
    assert database["CONN_HEALTH_CHECKS"] is True


@needs_django_storages
def test_media_goes_to_s3_only_when_a_bucket_is_configured():
    local = settings_in_subprocess(production_env(), "settings.STORAGES['default']['BACKEND']")
    assert local == "django.core.files.storage.FileSystemStorage"
    s3 = settings_in_subprocess(
        production_env(AWS_STORAGE_BUCKET_NAME="lms-media"),
        "[settings.STORAGES['default']['BACKEND'], settings.STORAGES['staticfiles']['BACKEND']]",
    )
    assert s3 == [
        "storages.backends.s3.S3Storage",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


def test_a_bucket_without_django_storages_is_a_clear_error():
    if importlib.util.find_spec("storages") is not None:
        pytest.skip("django-storages is installed")
    result = run(["manage.py", "check"], production_env(AWS_STORAGE_BUCKET_NAME="lms-media"))
    assert "django-storages is not installed" in result.stderr


def test_sqlite_is_refused():
    result = run(["manage.py", "check"], production_env(DATABASE_URL="sqlite:///tmp/x.sqlite3"))
    assert result.returncode != 0
    assert "Production needs PostgreSQL" in result.stderr


def test_missing_allowed_hosts_is_refused():
    result = run(["manage.py", "check"], production_env(ALLOWED_HOSTS=""))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_logs_are_one_json_object_per_line_on_stdout():
    code = (
        "import django, logging; django.setup()\n"
        "try:\n    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    logging.getLogger('lms.test').exception('Fehler bei %s', 'Übung', "
        "extra={'user_id': 7})\n"
    )
    result = run(["-c", code], production_env())
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stdout.strip().splitlines()[-1])
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "lms.test"
    assert entry["message"] == "Fehler bei Übung"
    assert entry["user_id"] == 7
    assert "ZeroDivisionError" in entry["exc_info"]
