import re
from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse


def test_healthz_ok(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_reports_database_failure(client, db):
    with mock.patch("lms.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503


def test_home_page_in_german_with_landmarks(client, home_page):
    html = client.get("/").content.decode()
    assert '<html lang="de">' in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert "Zum Inhalt springen" in html


def test_english_is_available(client, home_page):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Sign In" in html
    assert "Skip to content" in html and "Zum Inhalt springen" not in html


def test_404_page_is_german(client, home_page):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_allauth_pages_use_formal_german(client, home_page, path):
    html = client.get(path).content.decode()
    assert not re.search(r"\b(du|dein|deine|dich|dir)\b", html, re.IGNORECASE)
    assert 'class="lc-btn' in html


def test_pages_reference_no_other_host(client, home_page):
    html = client.get("/").content.decode() + client.get("/accounts/signup/").content.decode()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []


def test_german_is_default_whatever_the_browser_asks_for(client, home_page):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="de">' in html
