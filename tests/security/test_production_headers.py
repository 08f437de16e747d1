"""Headers and cookies under the production settings, loaded in a fresh process like a server.

The production settings need PostgreSQL, which these tests do not have: the requests go through
the full production middleware stack to views that never touch the database (a probe view
that sets the CSRF cookie and a message, the language switch, the health check).
"""

import json
from functools import cache

from tests.test_production import production_env, run, settings_in_subprocess

PROBE = r"""
import json, types
import django
django.setup()
from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client
from django.test.utils import override_settings
from django.urls import path
import lms.urls

def probe(request):
    get_token(request)  # the CSRF cookie, as every page with a form sets it
    messages.info(request, "Hinweis")  # the message cookie
    return HttpResponse("<!DOCTYPE html><title>Probe</title>")

urls = types.ModuleType("probe_urls")
urls.urlpatterns = [path("__probe__/", probe), *lms.urls.urlpatterns]

def cookies(response):
    return {
        name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]),
               "samesite": m["samesite"]}
        for name, m in response.cookies.items()
    }

https = Client(HTTP_HOST="lms.example.org", HTTP_X_FORWARDED_PROTO="https")
http = Client(HTTP_HOST="lms.example.org")
with override_settings(ROOT_URLCONF=urls):
    page = https.get("/__probe__/")
    language = https.post("/i18n/setlang/", {"language": "en", "next": "/"})
    plain = http.get("/accounts/login/")
    health = http.get("/healthz")
print(json.dumps({
    "page": {"status": page.status_code, "headers": dict(page.headers),
             "cookies": cookies(page)},
    "language": {"status": language.status_code, "cookies": cookies(language)},
    "plain": {"status": plain.status_code, "location": plain.get("Location")},
    "health": {"status": health.status_code},
}))
"""


@cache
def probe() -> dict:
    result = run(["-c", PROBE], production_env())
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_https_responses_carry_hsts_and_the_security_headers():
    page = probe()["page"]
    assert page["status"] == 200
    headers = page["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy


def test_plain_http_is_redirected_to_https_except_the_health_check():
    result = probe()
    assert result["plain"]["status"] == 301
    assert result["plain"]["location"] == "https://lms.example.org/accounts/login/"
    assert result["health"]["status"] in {200, 503}  # no database here: 503, but no redirect


def test_session_cookie_is_secure_httponly_and_samesite():
    flags = settings_in_subprocess(
        production_env(),
        "[settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, "
        "settings.SESSION_COOKIE_SAMESITE]",
    )
    assert flags == [True, True, "Lax"]


def test_message_cookie_is_secure_httponly_and_samesite():
    cookie = probe()["page"]["cookies"]["messages"]
    assert cookie == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_csrf_cookie_is_secure_httponly_and_samesite():
    # Nothing reads the token from the cookie: forms carry it, the Wagtail admin takes it
    # from its page configuration (wagtailConfig.CSRF_TOKEN).
    cookie = probe()["page"]["cookies"]["csrftoken"]
    assert cookie == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_language_cookie_is_secure_httponly_and_samesite():
    language = probe()["language"]
    assert language["status"] == 302
    cookie = language["cookies"]["django_language"]
    assert cookie == {"secure": True, "httponly": True, "samesite": "Lax"}
