"""The Content-Security-Policy: what it allows, where each policy applies, and templates that
need nothing it forbids. The browser side (no violations, no script from content) is in
tests/e2e/test_editor_xss.py."""

import re
from pathlib import Path

import pytest
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.conf import settings
from django.urls import reverse
from environs import Env
from wagtail.test.utils.form_data import nested_form_data, streamfield

from content.blocks import privacy_friendly_embed_url
from courses.models import LessonPage
from lms.settings import csp as csp_settings
from lms.settings.sso import oidc_app, saml_app
from tests.factories import build_course

ROOT = Path(__file__).resolve().parent.parent.parent
SITE = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
ADMIN = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]


def parse(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def policy_of(response) -> dict[str, list[str]]:
    assert "Content-Security-Policy" in response, response
    return parse(response["Content-Security-Policy"])


def assert_site_policy(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == [NONE]
    assert policy["script-src"] == [SELF]
    assert policy["style-src"] == [SELF]
    assert policy["object-src"] == [NONE]
    assert policy["base-uri"] == [NONE]
    assert policy["frame-ancestors"] == [NONE]
    assert policy["form-action"][0] == SELF


# --- The settings ----------------------------------------------------------------------------


def test_site_policy_allows_no_inline_code_and_no_other_hosts():
    policy = {name: list(values) for name, values in SITE.items()}
    assert_site_policy(policy)
    for name, values in policy.items():
        assert UNSAFE_INLINE not in values, name
        assert "'unsafe-eval'" not in values, name
        for value in values:
            assert "*" not in value, (name, value)
            scheme_only = value.endswith(":")
            assert not scheme_only or (name, value) == ("img-src", "data:"), (name, value)
            if value.startswith(("http:", "https:")):
                assert name == "frame-src", (name, value)  # the video players, below
    assert "data:" not in policy["script-src"] + policy["style-src"]


def test_frame_sources_are_exactly_the_video_players_the_platform_embeds():
    embedded = {
        re.match(r"https://[^/]+", privacy_friendly_embed_url(url))[0]
        for url in [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ",
            "https://vimeo.com/123456",
        ]
    }
    assert set(SITE["frame-src"]) == embedded
    assert len(SITE["frame-src"]) == len(embedded)


def test_admin_policy_relaxes_only_what_wagtail_needs():
    changed = {name for name in SITE if SITE[name] != ADMIN[name]}
    assert changed == {"script-src", "style-src", "img-src", "frame-src"}
    assert set(ADMIN) == set(SITE)
    assert ADMIN["script-src"] == [SELF, UNSAFE_INLINE]
    assert ADMIN["style-src"] == [SELF, UNSAFE_INLINE]
    assert ADMIN["img-src"] == [*SITE["img-src"], "blob:"]
    assert ADMIN["frame-src"] == [SELF]  # the preview panel; no third-party frames
    assert ADMIN["frame-ancestors"] == [NONE]
    assert ADMIN["default-src"] == [NONE]


def test_media_on_s3_adds_exactly_its_origin(monkeypatch):
    for name in ["CSP_MEDIA_ORIGINS", "AWS_S3_CUSTOM_DOMAIN", "AWS_S3_ENDPOINT_URL"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME", raising=False)
    assert csp_settings.media_origins(Env()) == []

    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "lms-media")
    monkeypatch.setenv("AWS_S3_REGION_NAME", "eu-central-1")
    assert csp_settings.media_origins(Env()) == [
        "https://lms-media.s3.amazonaws.com",
        "https://lms-media.s3.eu-central-1.amazonaws.com",
    ]
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "https://s3.example.org")
    assert csp_settings.media_origins(Env()) == [
        "https://s3.example.org",
        "https://lms-media.s3.example.org",
    ]
    monkeypatch.setenv("AWS_S3_CUSTOM_DOMAIN", "media.example.org")
    assert csp_settings.media_origins(Env()) == ["https://media.example.org"]
    monkeypatch.setenv("CSP_MEDIA_ORIGINS", "https://cdn.example.org/media/")
    assert csp_settings.media_origins(Env()) == ["https://cdn.example.org"]


def test_single_sign_on_providers_are_allowed_form_targets(monkeypatch):
    monkeypatch.delenv("CSP_FORM_ACTION_ORIGINS", raising=False)
    assert csp_settings.sso_origins({}, Env()) == []
    providers = {
        "openid_connect": {
            "APPS": [
                oidc_app(
                    server_url="https://login.example.org/realms/jugendamt",
                    client_id="lms",
                    secret="geheim",
                )
            ]
        },
        "saml": {
            "APPS": [
                saml_app(
                    organization="verwaltung",
                    idp={
                        "entity_id": "https://idp.example.net/saml",
                        "sso_url": "https://idp.example.net/saml/sso",
                        "x509cert": "MII...",
                    },
                )
            ]
        },
    }
    monkeypatch.setenv("CSP_FORM_ACTION_ORIGINS", "https://authorize.example.org/oauth2")
    assert csp_settings.sso_origins(providers, Env()) == [
        "https://login.example.org",
        "https://idp.example.net",
        "https://authorize.example.org",
    ]
    directives = csp_settings.site_directives(media=[], sso=["https://login.example.org"])
    assert directives["form-action"] == [SELF, "https://login.example.org"]


# --- The policy on responses -----------------------------------------------------------------


@pytest.fixture
def lesson(participant, home_page):
    from courses import services

    course = build_course(modules=1, lessons_per_module=1, with_check=True)
    services.enrol(user=participant, course=course)
    return LessonPage.objects.descendant_of(course).get()


def test_site_pages_get_the_site_policy(client, participant, lesson):
    pages = [client.get("/"), client.get(reverse("account_login"))]
    client.force_login(participant)
    pages += [client.get(lesson.url), client.get(reverse("privacy_my_data"))]
    for response in pages:
        assert response.status_code == 200
        assert_site_policy(policy_of(response))


def test_django_admin_gets_the_site_policy(client, superuser):
    client.force_login(superuser)
    response = client.get("/django-admin/")
    assert response.status_code == 200
    assert_site_policy(policy_of(response))


def test_wagtail_admin_gets_the_admin_policy(client, coordinator):
    client.force_login(coordinator)
    for path in ["/admin/", "/admin/auswertungen/teilnahme/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = policy_of(response)
        assert policy["script-src"] == [SELF, UNSAFE_INLINE]
        assert policy["frame-ancestors"] == [NONE]
        assert policy["default-src"] == [NONE]


def test_previews_use_the_site_policy_and_may_be_framed_only_by_our_pages(client, trainer, lesson):
    from content.curriculum import grant_trainer_permissions
    from courses.models import CourseIndexPage

    grant_trainer_permissions(CourseIndexPage.objects.get())
    client.force_login(trainer)
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[lesson.pk])
    data = nested_form_data(
        {
            "title": "Vorschau",
            "slug": lesson.slug,
            "reading_minutes": "10",
            "body": streamfield([("heading", "Zwischenüberschrift")]),
        }
    )
    assert client.post(url, data).json()["is_valid"]
    response = client.get(url)
    assert response.status_code == 200
    assert b"Zwischen\xc3\xbcberschrift" in response.content
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = policy_of(response)
    assert policy["frame-ancestors"] == [SELF]
    assert policy["script-src"] == [SELF]  # the content is shown under the strict policy


# --- Templates that need nothing the policy forbids ----------------------------------------

# Not served to a browser under the policy: e-mails (mail clients) and WeasyPrint's PDF input.
NOT_FOR_BROWSERS = ("email", "pdf")
# Rendered inside the Wagtail admin, whose policy allows inline styles.
ADMIN_TEMPLATE_DIRS = ("admin", "coordination")
TAG = re.compile(r"<[a-zA-Z][^>]*>", re.S)


def browser_templates() -> list[Path]:
    found = sorted((ROOT / "templates").rglob("*.html"))
    for app in ["lms", "courses", "certificates", "content"]:
        found += sorted((ROOT / app).rglob("templates/**/*.html"))
    return [path for path in found if not set(path.parts) & set(NOT_FOR_BROWSERS)]


def test_there_are_templates_to_check():
    assert len(browser_templates()) > 50


@pytest.mark.parametrize(
    "template", browser_templates(), ids=lambda path: str(path.relative_to(ROOT))
)
def test_template_has_no_inline_script_handler_or_javascript_url(template):
    source = template.read_text(encoding="utf-8")
    for tag in TAG.findall(source):
        if tag.lower().startswith("<script"):
            assert re.search(r"\ssrc=", tag), f"inline <script> in {template.name}: {tag}"
        handlers = re.findall(r"\s(on[a-z]+)\s*=", tag, re.I)
        assert not handlers, f"event handler attribute {handlers} in {template.name}: {tag}"
    assert "javascript:" not in source.lower(), template.name
    if not set(template.parts) & set(ADMIN_TEMPLATE_DIRS):
        assert not re.search(r"<style|\sstyle\s*=", source, re.I), (
            f"inline style in {template.name}: the site policy blocks it (use static/css/lms.css)"
        )


def test_print_button_is_wired_by_the_static_script():
    my_data = (ROOT / "templates/privacy/my_data.html").read_text(encoding="utf-8")
    assert "data-print" in my_data
    assert "[data-print]" in (ROOT / "static/js/lms.js").read_text(encoding="utf-8")
