"""Production: PostgreSQL required, HTTPS assumed behind a reverse proxy, JSON logs on stdout.

Switched on by the environment (see docs/deployment.md):
- CACHE_URL=redis://…  Django's RedisCache; sessions then live in the cache, backed by the DB.
- AWS_STORAGE_BUCKET_NAME  media (images, documents) on S3-compatible storage (django-storages).
- CERTIFICATES_ROOT  folder of the certificate PDFs (always local disk, never served directly).
- CONN_MAX_AGE  seconds a database connection is kept (persistent, health-checked).
"""

import json
import logging
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASES, LOGGING, STATIC_ROOT, STORAGES, env

DEBUG = False

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs PostgreSQL: set DATABASE_URL=postgres://…")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production needs ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=lms.example.org")

# Persistent connections: gunicorn's sync workers serve one request at a time, so each worker
# keeps one connection; the health check replaces a connection the server closed meanwhile.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# CACHE_URL is read in base (redis:// maps to Django's RedisCache, see lms/cache.py).
# With a real cache configured, sessions are read from it and written through to the database,
# so a cache restart logs nobody out.
if env.str("CACHE_URL", default=""):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Media on S3-compatible storage when a bucket is configured; local disk (MEDIA_ROOT) otherwise.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    try:
        import storages  # noqa: F401
    except ImportError as error:
        raise ImproperlyConfigured(
            "AWS_STORAGE_BUCKET_NAME is set but django-storages is not installed: "
            "pip install 'django-storages[s3]'"
        ) from error
    # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are read by boto3 from the
    # environment (or an instance role), so they never appear in settings.
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default=None)
    AWS_LOCATION = env.str("AWS_LOCATION", default="media")
    # Private bucket, signed short-lived URLs; never overwrite an upload with the same name.
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = env.bool("AWS_QUERYSTRING_AUTH", default=True)
    AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=3600)
    AWS_S3_FILE_OVERWRITE = False
    STORAGES = {**STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}

CERTIFICATES_ROOT = env.path("CERTIFICATES_ROOT", default=None)
STATIC_ROOT = env.path("STATIC_ROOT", default=STATIC_ROOT)

# Behind nginx every request comes from 127.0.0.1: the rate limits (allauth, certificate
# verification) must count the client from X-Forwarded-For, which only the proxy may set.
# 0 when gunicorn faces clients directly, otherwise the number of proxies in front.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers and monitoring probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # The preload list takes whole registrable domains only; the platform runs on a subdomain
    # of the authority's domain, whose owner decides about preloading (docs/deployment.md).
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
LANGUAGE_COOKIE_SECURE = env.bool("LANGUAGE_COOKIE_SECURE", default=True)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for journald, Docker or a log shipper; no extra dependency."""

    # Attributes every LogRecord has; anything else was passed with `extra=` and is kept.
    RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        request = getattr(record, "request", None)
        if request is not None:
            # django.request and django.security attach the request: keep what identifies it.
            entry["method"] = getattr(request, "method", None)
            entry["path"] = getattr(request, "path", None)
        for key, value in vars(record).items():
            if key not in self.RESERVED and key != "request" and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


LOGGING = {
    **LOGGING,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
}
