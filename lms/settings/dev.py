"""Local development, used by `make run`: DEBUG on, mails written to var/mail/."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = True
if "EMAIL_URL" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-lms-2026")
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
