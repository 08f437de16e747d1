"""Security headers on every kind of response, and no requests to other hosts.

Kinds: public pages, participant pages, the Wagtail admin (including the page editor), the
certificate verification page, PDFs (certificates, sign-in sheets), exports (CSV, XLSX, JSON)
and error pages. Every one carries a Content-Security-Policy that forbids framing, nosniff, a
Referrer-Policy and Cross-Origin-Opener-Policy; everything with personal data says
`Cache-Control: no-store`. The production-only parts (HSTS, secure cookies) are in
test_production_headers.py; the policy itself in test_csp.py.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from courses import services
from courses.models import LessonPage
from tests.factories import build_course

# Kept for a quick look; `external_references` below is what the tests use.
EXTERNAL_RESOURCE = re.compile(
    r'<(?:script|img|iframe|source|video|audio|track|embed)[^>]+src="(?:https?:)?//|'
    r'<link[^>]+rel="(?:stylesheet|preload|icon)"[^>]+href="(?:https?:)?//|'
    r'url\((?:["\']?)(?:https?:)?//'
)

# Attributes that make the browser fetch something (anchors are navigations, not fetches).
FETCHING_ATTRIBUTES = {"src", "srcset", "poster", "data", "background", "action", "formaction"}
FETCHING_LINK_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "prefetch",
    "icon",
    "apple-touch-icon",
    "manifest",
    "preconnect",
    "dns-prefetch",
}
CSS_URL = re.compile(r"""url\(\s*["']?([^"')\s]+)|@import\s+["']([^"']+)""")


class _References(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        for name, value in attrs.items():
            if name in FETCHING_ATTRIBUTES:
                for candidate in value.split(","):  # srcset: "url 1x, url 2x"
                    if candidate.strip():
                        self.urls.append((f"<{tag} {name}>", candidate.split()[0]))
            if name == "style":
                self.urls += [(f"<{tag} style>", m[0] or m[1]) for m in CSS_URL.findall(value)]
        rels = set(attrs.get("rel", "").lower().split())
        if tag == "link" and rels & FETCHING_LINK_RELS:
            self.urls.append((f"<link rel={attrs['rel']}>", attrs.get("href", "")))
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.urls += [("<style>", m[0] or m[1]) for m in CSS_URL.findall(data)]

    def handle_endtag(self, tag):
        self._in_style = False


def external_references(html: str, host: str = "testserver") -> list[str]:
    """Every URL the page would fetch from another host than its own."""
    parser = _References()
    parser.feed(html)
    found = []
    for where, url in parser.urls:
        parts = urlsplit(url.strip())
        if parts.scheme in {"data", "blob"}:
            continue
        if parts.netloc and parts.hostname != host:
            found.append(f"{where} {url}")
        elif parts.scheme and parts.scheme not in {"http", "https"}:
            found.append(f"{where} {url}")  # javascript:, file:, ftp: …
    return found


def test_external_references_finds_what_the_browser_would_fetch():
    page = """
      <link href="https://fonts.example.com/a.css" rel="stylesheet">
      <link rel="preconnect" href="//cdn.example.com">
      <script defer src="https://cdn.example.com/x.js"></script>
      <img srcset="/static/a.png 1x, https://img.example.com/b.png 2x" src="/static/a.png">
      <video poster="https://img.example.com/p.jpg"></video>
      <form action="https://collect.example.com/"></form>
      <div style="background: url('https://img.example.com/bg.png')"></div>
      <style>@import "https://css.example.com/i.css";</style>
      <a href="https://www.gesetze-im-internet.de/sgb_8/">SGB VIII</a>
      <img src="data:image/png;base64,AAAA"><img src="/static/ok.svg">
      <div data-embed-url="https://www.youtube-nocookie.com/embed/abc"></div>
    """
    found = external_references(page)
    assert len(found) == 8, found
    assert not any("gesetze" in f or "nocookie" in f or "ok.svg" in f for f in found)


# --- The checks ------------------------------------------------------------------------------


def policy_of(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_headers(response, *, no_store: bool, strict_scripts: bool = True) -> None:
    """The headers every response carries; `no_store` for responses with personal data."""
    path = response.request["PATH_INFO"]
    assert response["X-Content-Type-Options"] == "nosniff", path
    assert response["Referrer-Policy"] in {"same-origin", "no-referrer"}, path
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", path
    assert response["X-Frame-Options"] == "DENY", path
    policy = policy_of(response)
    assert policy["frame-ancestors"] == ["'none'"], path
    assert policy["default-src"] == ["'none'"], path
    assert policy["object-src"] == ["'none'"], path
    if strict_scripts:
        assert policy["script-src"] == ["'self'"], path
    assert "'unsafe-eval'" not in policy["script-src"], path
    if no_store:
        assert "no-store" in response.get("Cache-Control", ""), (
            path,
            response.get("Cache-Control"),
        )


def assert_html_from_this_host(response) -> None:
    assert response["Content-Type"].startswith("text/html")
    found = external_references(response.content.decode())
    assert not found, f"{response.request['PATH_INFO']} loads from other hosts: {found}"


# --- The world -------------------------------------------------------------------------------


@pytest.fixture
def lesson(participant, home_page):
    course = build_course(modules=1, lessons_per_module=1, with_check=True)
    services.enrol(user=participant, course=course)
    return LessonPage.objects.descendant_of(course).get()


@pytest.fixture
def issued(learner_a):
    """A participant with everything (security/conftest.py), the certificate's PDF rendered."""
    from certificates.services import render_certificate

    render_certificate(certificate_id=learner_a.certificate.pk)
    learner_a.certificate.refresh_from_db()
    assert learner_a.certificate.has_pdf
    return learner_a


# --- Public pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/impressum/", "/kurse/", "/accounts/login/", "/accounts/signup/"]
)
def test_public_pages(client, lesson, path):
    from content.site_pages import ensure_site_pages

    ensure_site_pages()
    response = client.get(path)
    assert response.status_code == 200
    assert_headers(response, no_store=False)
    assert_html_from_this_host(response)


def test_error_pages(client, participant, home_page):
    not_found = client.get("/gibt-es-nicht/")
    assert not_found.status_code == 404
    assert_headers(not_found, no_store=False)
    client.force_login(participant)
    personal_not_found = client.get("/zertifikate/999999/pdf/")
    assert personal_not_found.status_code == 404
    assert_headers(personal_not_found, no_store=True)
    forbidden = client.get("/admin/auswertungen/teilnahme/")
    assert forbidden.status_code in {302, 403}
    assert_headers(forbidden, no_store=True, strict_scripts=False)


# --- Participant pages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "learner_dashboard",
        "learner_notes",
        "account_profile",
        "my_certificates",
        "privacy_my_data",
        "privacy_delete_account",
        "mfa_index",
    ],
)
def test_personal_pages_are_never_cached(client, participant, url_name):
    client.force_login(participant)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert_headers(response, no_store=True)
    assert_html_from_this_host(response)


def test_lesson_course_and_search_pages_are_never_cached(client, participant, lesson):
    client.force_login(participant)
    for url in [lesson.url, lesson.get_parent().url, lesson.get_parent().get_parent().url]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_headers(response, no_store=True)
        assert_html_from_this_host(response)
    search = client.get(reverse("lesson_search"), {"q": "Text"})
    assert_headers(search, no_store=True)


def test_personal_downloads_are_never_cached(client, issued):
    client.force_login(issued.user)
    for response in [
        client.get(reverse("privacy_my_data_json")),
        client.get(reverse("workshop_date_ics", args=[issued.date.pk])),
    ]:
        assert response.status_code == 200
        assert_headers(response, no_store=True)


def test_calendar_feed_is_private(client, issued):
    """Fetched by calendar apps without a session; the secret token is the address."""
    response = client.get(reverse("workshop_calendar_feed", args=[issued.calendar_feed.token]))
    assert response.status_code == 200
    assert_headers(response, no_store=False)
    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


# --- The admin -------------------------------------------------------------------------------


def test_admin_pages_and_the_page_editor(client, coordinator, trainer, lesson):
    from content.curriculum import grant_trainer_permissions
    from courses.models import CourseIndexPage

    grant_trainer_permissions(CourseIndexPage.objects.get())
    client.force_login(trainer)
    pages = [
        client.get("/admin/"),
        client.get(reverse("wagtailadmin_pages:edit", args=[lesson.pk])),
        client.get(reverse("wagtailadmin_explore", args=[lesson.get_parent().pk])),
    ]
    client.force_login(coordinator)
    pages += [
        client.get("/admin/"),
        client.get(reverse("coordination:participation")),
        client.get(reverse("coordination:coverage")),
        client.get(reverse("certificates_template:list")),
    ]
    for response in pages:
        assert response.status_code == 200, response.request["PATH_INFO"]
        assert_headers(response, no_store=True, strict_scripts=False)
        assert_html_from_this_host(response)


def test_django_admin(client, superuser):
    client.force_login(superuser)
    response = client.get("/django-admin/")
    assert response.status_code == 200
    assert_headers(response, no_store=True)
    assert_html_from_this_host(response)


# --- Certificate verification ----------------------------------------------------------------


def test_verification_page_headers(client, issued):
    for url in [
        issued.certificate.get_absolute_url(),
        reverse("certificate_verify_json", args=[issued.certificate.verification_code]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_headers(response, no_store=False)
        assert response["Referrer-Policy"] == "no-referrer"  # the code stays out of logs
        assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert_html_from_this_host(client.get(issued.certificate.get_absolute_url()))


def test_verification_page_with_the_holders_name_is_never_stored(client, issued):
    response = client.get(issued.certificate.get_absolute_url())
    assert "no-store" in response["Cache-Control"]


# --- PDFs --------------------------------------------------------------------------------------


def test_certificate_pdf_downloads(client, issued, coordinator):
    url = reverse("certificate_download", args=[issued.certificate.pk])
    for person in [issued.user, coordinator]:
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert_headers(response, no_store=True)
        b"".join(response.streaming_content)


def test_sign_in_sheet_pdf(client, issued, trainer):
    client.force_login(trainer)
    response = client.get(reverse("workshop_sign_in_sheet", args=[issued.date.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_headers(response, no_store=True)


def test_certificate_template_preview_pdf(client, issued, coordinator):
    from wagtail.test.utils.form_data import querydict_from_html

    from certificates.models import CertificateTemplate

    template = CertificateTemplate.objects.first() or CertificateTemplate.objects.create(
        name="Standard", signatory_name="Maria Muster"
    )
    client.force_login(coordinator)
    edit = client.get(reverse("certificates_template:edit", args=[template.pk]))
    data = querydict_from_html(edit.content.decode(), form_id="w-editor-form")
    preview_url = reverse("certificates_template:preview_on_edit", args=[template.pk])
    assert client.post(preview_url, data).json()["is_valid"]
    response = client.get(preview_url)
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


# --- Exports -----------------------------------------------------------------------------------


def sign_in_for_exports(client, user) -> None:
    """Exports ask for the password again (lms.accounts.reauthentication): confirm it."""
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": "demo-lms-2026"})
    assert response.status_code == 302


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_report_exports(client, issued, coordinator, export):
    sign_in_for_exports(client, coordinator)
    for name in ["coordination:participation", "coordination:modules", "coordination:dates"]:
        response = client.get(reverse(name), {"export": export})
        assert response.status_code == 200, name
        assert response["Content-Disposition"].startswith("attachment"), name
        assert_headers(response, no_store=True, strict_scripts=False)


def test_coverage_and_list_exports(client, issued, coordinator):
    sign_in_for_exports(client, coordinator)
    for url, query in [
        (reverse("coordination:coverage"), {"course": issued.course.pk, "export": "csv"}),
        (reverse("certificates_certificate:list"), {"export": "csv"}),
    ]:
        response = client.get(url, query)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment"), url
        assert_headers(response, no_store=True, strict_scripts=False)
