"""Security headers on every kind of response, and no requests to other hosts."""

import re

import pytest
from django.urls import reverse

from courses import services
from courses.models import LessonPage
from tests.factories import build_course

EXTERNAL_RESOURCE = re.compile(
    r'<(?:script|img|iframe|source|video|audio)[^>]+src="(?:https?:)?//|'
    r'<link[^>]+rel="(?:stylesheet|preload|icon)"[^>]+href="(?:https?:)?//|'
    r'url\((?:["\']?)(?:https?:)?//'
)


@pytest.fixture
def lesson(participant, home_page):
    course = build_course(modules=1, lessons_per_module=1, with_check=True)
    services.enrol(user=participant, course=course)
    return LessonPage.objects.descendant_of(course).get()


def _common_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in {"same-origin", "no-referrer"}
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_public_page_headers(client, home_page):
    response = client.get("/")
    assert response.status_code == 200
    _common_headers(response)


@pytest.mark.parametrize("url_name", ["learner_dashboard", "learner_notes", "account_profile"])
def test_personal_pages_are_never_cached(client, participant, url_name):
    client.force_login(participant)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    _common_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_lesson_page_is_never_cached(client, participant, lesson):
    client.force_login(participant)
    response = client.get(lesson.url)
    assert "no-store" in response["Cache-Control"]
    _common_headers(response)


def test_admin_pages_are_never_cached(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/admin/auswertungen/teilnahme/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    _common_headers(response)


@pytest.mark.parametrize(
    "path",
    ["/", "/accounts/login/", "/accounts/signup/", "/impressum/"],
)
def test_public_pages_load_nothing_from_other_hosts(client, home_page, path):
    from content.site_pages import ensure_site_pages

    ensure_site_pages()
    response = client.get(path)
    assert response.status_code == 200
    assert not EXTERNAL_RESOURCE.search(response.content.decode())


def test_learner_and_admin_pages_load_nothing_from_other_hosts(
    client, participant, coordinator, lesson
):
    client.force_login(participant)
    pages = [client.get(lesson.url), client.get(reverse("learner_dashboard"))]
    client.force_login(coordinator)
    pages += [client.get("/admin/"), client.get("/admin/auswertungen/teilnahme/")]
    for response in pages:
        assert response.status_code == 200
        assert not EXTERNAL_RESOURCE.search(response.content.decode()), response.request
