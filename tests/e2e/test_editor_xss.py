"""An editor's XSS attempts never execute, and our own pages never violate the CSP.

Content is stored the way a hostile editor would store it: the admin's own edit forms are
posted with a payload in every text, char and rich-text field of every lesson block (and in
`javascript:` links wherever a block takes a URL), and in every text field of a certificate
template. Then a real browser renders it for a participant, for the trainer in the editor and
in the preview panel, and for the public on the verification page; PDFs are read as text.
A test fails if a dialog opens (`alert(1)` ran), if the payload is missing as visible text (it
was interpreted as markup), or if one of our pages reports a Content-Security-Policy violation.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfReader
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection
from wagtail.test.utils.form_data import nested_form_data, querydict_from_html, streamfield

from certificates.models import Certificate, CertificateTemplate
from certificates.services import issue_certificate
from content.curriculum import grant_trainer_permissions
from courses import services
from courses.models import CourseIndexPage, LessonPage, ModulePage
from lms.accounts.roles import Role
from tests.certificates.conftest import complete_course
from tests.conftest import run_background_tasks
from tests.factories import UserFactory, build_course

pytestmark = pytest.mark.e2e

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg onload=alert(1)>"
# What an editor may try where a block takes a URL (rich-text links, the video address).
JAVASCRIPT_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "&#106;avascript:alert(1)",
]


def payload(marker: str) -> str:
    """Visible text if escaped; an alert (three times over) if interpreted as markup."""
    return f"{marker} {SCRIPT} {IMG} {SVG}"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- Watching the browser ------------------------------------------------------------------

# Runs in every frame before the page's own scripts: the event names the blocked thing.
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')
    + ' in ' + e.documentURI + (e.sample ? ' (' + e.sample + ')' : ''));
}, true);
"""


@dataclass
class Watch:
    """Dialogs, CSP violations and requests to other hosts, for every page of a context."""

    host: str
    dialogs: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        def on_dialog(dialog):
            self.dialogs.append(f"{dialog.type}({dialog.message!r}) on {page.url}")
            dialog.dismiss()

        def on_console(message):
            if "Content Security Policy" in message.text or "CSP violation" in message.text:
                self.violations.append(f"{message.text} [{page.url}]")

        def on_request(request):
            host = urlsplit(request.url).hostname
            if request.url.startswith(("http:", "https:")) and host != self.host:
                self.foreign_requests.append(f"{request.url} [{page.url}]")

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.on("request", on_request)
        return page

    def assert_clean(self, *, allow_violations: bool = False) -> None:
        assert not self.dialogs, "script from content ran:\n" + "\n".join(self.dialogs)
        assert not self.foreign_requests, "requests to other hosts:\n" + "\n".join(
            self.foreign_requests
        )
        if not allow_violations:
            assert not self.violations, "CSP violations:\n" + "\n".join(self.violations)


def open_session(context: BrowserContext, base_url: str, user) -> None:
    """Sign `user` in without the login form (and without its second-factor step)."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": urlsplit(base_url).hostname,
                "path": "/",
            }
        ]
    )


@contextmanager
def browser_as(browser, base_url: str, user=None) -> Iterator[tuple[Page, Watch]]:
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    context.add_init_script(REPORT_VIOLATIONS)
    watch = Watch(host=urlsplit(base_url).hostname)
    context.on("page", watch.attach)
    if user is not None:
        open_session(context, base_url, user)
    try:
        yield watch.attach(context.new_page()), watch
    finally:
        context.close()


def assert_no_injected_markup(page_or_frame) -> None:
    """Nothing the payloads would have created exists in the document."""
    injected = page_or_frame.evaluate(
        """() => {
          const found = [];
          const injected = 'img[src="x"], svg[onload], [onerror], [onload]';
          for (const el of document.querySelectorAll(injected)) {
            found.push(el.outerHTML.slice(0, 120));
          }
          for (const a of document.querySelectorAll('a[href], area[href], iframe[src]')) {
            const url = a.href || a.src;
            if (/^\\s*javascript:/i.test(url)) found.push(a.outerHTML.slice(0, 120));
          }
          for (const s of document.querySelectorAll('script:not([src])')) {
            if (s.textContent.includes('alert(')) found.push(s.outerHTML.slice(0, 120));
          }
          return found;
        }"""
    )
    assert not injected, f"markup from content in {page_or_frame.url}: {injected}"


def assert_shows_as_text(page_or_frame, markers: list[str]) -> None:
    text = squeeze(page_or_frame.locator("body").inner_text())
    missing = [m for m in markers if squeeze(payload(m)) not in text]
    assert not missing, f"payload not shown as text in {page_or_frame.url}: {missing}"


# --- Content with payloads, stored through the admin's forms ------------------------------

LESSON_TEXT_MARKERS = {
    # block → its plain text / char fields (the rich-text fields follow below)
    "heading": ["XH1"],
    "image": ["XI1", "XI2"],  # alt text, caption
    "video": ["XV1"],  # title
    "document": ["XD1", "XD2"],  # link text, description
    "info_box": ["XB1"],
    "case_vignette": ["XC1"],
    "checklist": ["XL1", "XL2", "XL3"],
    "accordion": ["XA1", "XA2", "XA3"],  # title, two questions
    "reflection": ["XR1"],
    "knowledge_check": ["XK1", "XK2", "XK3", "XK4", "XK5", "XK6"],
}
LESSON_RICH_TEXT_MARKERS = ["XP1", "XV2", "XB2", "XC2", "XA4", "XA5"]
# Shown only after the participant answered the knowledge check.
EXPLANATION_MARKER = "XK6"
PAGE_MARKERS = {"title": "XT1", "seo_title": "XT2", "search_description": "XT3"}


def draftail(marker: str, url: str) -> str:
    """Draftail's form value (contentstate): the payload as text, its marker linked to `url`."""
    return json.dumps(
        {
            "blocks": [
                {
                    "key": f"k{marker.lower()}",
                    "type": "unstyled",
                    "depth": 0,
                    "text": payload(marker),
                    "inlineStyleRanges": [{"offset": 0, "length": len(marker), "style": "BOLD"}],
                    "entityRanges": [{"offset": 0, "length": len(marker), "key": 0}],
                    "data": {},
                }
            ],
            "entityMap": {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": url}}},
        }
    )


def list_items(values: list) -> dict:
    items = {str(i): {"value": v, "deleted": "", "order": str(i)} for i, v in enumerate(values)}
    return {**items, "count": str(len(values))}


def hostile_lesson_body(*, image: Image, document: Document, embed_url: str) -> dict:
    urls = iter(JAVASCRIPT_URLS * 2)
    return streamfield(
        [
            ("heading", payload("XH1")),
            ("paragraph", draftail("XP1", next(urls))),
            ("image", {"image": image.pk, "alt_text": payload("XI1"), "caption": payload("XI2")}),
            (
                "video",
                {
                    "title": payload("XV1"),
                    "video_file": "",
                    "embed_url": embed_url,
                    "transcript": draftail("XV2", next(urls)),
                },
            ),
            (
                "document",
                {
                    "document": document.pk,
                    "title": payload("XD1"),
                    "description": payload("XD2"),
                },
            ),
            (
                "info_box",
                {"kind": "achtung", "title": payload("XB1"), "text": draftail("XB2", next(urls))},
            ),
            ("case_vignette", {"title": payload("XC1"), "text": draftail("XC2", next(urls))}),
            (
                "checklist",
                {"title": payload("XL1"), "items": list_items([payload("XL2"), payload("XL3")])},
            ),
            (
                "accordion",
                {
                    "title": payload("XA1"),
                    "items": list_items(
                        [
                            {"question": payload("XA2"), "answer": draftail("XA4", next(urls))},
                            {"question": payload("XA3"), "answer": draftail("XA5", next(urls))},
                        ]
                    ),
                },
            ),
            ("reflection", {"prompt": payload("XR1")}),
            (
                "knowledge_check",
                {
                    "title": payload("XK1"),
                    "pass_mark": "100",
                    "questions": list_items(
                        [
                            {
                                "text": payload("XK2"),
                                "kind": "single",
                                "answers": list_items(
                                    [
                                        {"text": payload("XK3"), "correct": "on"},
                                        {"text": payload("XK4"), "correct": ""},
                                    ]
                                ),
                                "explanation": payload("XK6"),
                            },
                            {
                                "text": payload("XK5"),
                                "kind": "multiple",
                                "answers": list_items(
                                    [
                                        {"text": "ja", "correct": "on"},
                                        {"text": "nein", "correct": ""},
                                    ]
                                ),
                                "explanation": "",
                            },
                        ]
                    ),
                },
            ),
        ]
    )


def edit_form_data(client: Client, url: str, form_id: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    data = querydict_from_html(response.content.decode(), form_id=form_id).dict()
    return data


def post_lesson(client: Client, lesson: LessonPage, *, embed_url: str) -> object:
    url = reverse("wagtailadmin_pages:edit", args=[lesson.pk])
    data = {
        key: value
        for key, value in edit_form_data(client, url, "page-edit-form").items()
        if not key.startswith("body-")
    }
    data.update(
        nested_form_data(
            {
                "body": hostile_lesson_body(
                    image=Image.objects.get(), document=Document.objects.get(), embed_url=embed_url
                )
            }
        )
    )
    data.update({field: payload(marker) for field, marker in PAGE_MARKERS.items()})
    data["action-publish"] = "action-publish"
    return client.post(url, data)


@dataclass
class HostileLesson:
    lesson: LessonPage
    trainer: object
    participant: object


def create_hostile_lesson() -> HostileLesson:
    course = build_course(modules=1, lessons_per_module=1, with_check=True, with_reflection=True)
    grant_trainer_permissions(CourseIndexPage.objects.get())
    lesson = LessonPage.objects.descendant_of(course).get()
    lesson.save_revision()  # the harmless version, to compare the hostile one with
    root = Collection.get_first_root_node()
    Image.objects.create(title="Foto", file=get_test_image_file(), collection=root)
    Document.objects.create(title="Handreichung", file=get_test_image_file(), collection=root)
    trainer = UserFactory(email="referentin@example.org", roles=[Role.TRAINER])
    participant = UserFactory(email="teilnehmende@example.org")
    services.enrol(user=participant, course=course)
    editor = Client()
    editor.force_login(trainer)
    revisions_before = lesson.revisions.count()

    # A `javascript:` address in the video block's URL field is refused, nothing is saved.
    for url in JAVASCRIPT_URLS:
        refused = post_lesson(editor, lesson, embed_url=url)
        assert refused.status_code == 200, f"{url!r} was accepted"
        assert "embed_url" in _form_errors(refused), _form_errors(refused)
        assert lesson.revisions.count() == revisions_before

    # A valid YouTube address with markup appended is accepted: only its video id is used.
    accepted = post_lesson(
        editor,
        lesson,
        embed_url='https://www.youtube.com/watch?v=abcdefgh&x="><svg/onload=alert(1)>',
    )
    assert accepted.status_code == 302, _form_errors(accepted)
    lesson = LessonPage.objects.get(pk=lesson.pk)
    assert lesson.live and lesson.title == payload("XT1")
    stored = json.dumps(list(lesson.body.raw_data))
    assert "javascript" not in stored.lower(), "a javascript: link was stored"
    return HostileLesson(lesson=lesson, trainer=trainer, participant=participant)


def _form_errors(response) -> str:
    form = (response.context or {}).get("form")
    errors = form.errors.as_data() if form is not None else None
    if errors and "body" in errors:
        errors = [getattr(e, "block_errors", e) for e in errors["body"]]
        errors = [
            {
                k: getattr(v, "block_errors", None) or getattr(v, "non_block_errors", None) or v
                for k, v in e.items()
            }
            if isinstance(e, dict)
            else e
            for e in errors
        ]
    return f"status {response.status_code}; errors: {errors!r}"[:3000]


# --- Lesson pages --------------------------------------------------------------------------


def test_lesson_block_payloads_are_text_for_participants(browser, live_site):
    hostile = create_hostile_lesson()
    lesson = hostile.lesson
    text_markers = [m for markers in LESSON_TEXT_MARKERS.values() for m in markers]
    # The explanation appears after answering; XI1 is the image's alternative text.
    not_text = {EXPLANATION_MARKER, "XI1"}
    shown_at_first = [m for m in [*text_markers, *LESSON_RICH_TEXT_MARKERS] if m not in not_text]

    with browser_as(browser, live_site.url, hostile.participant) as (page, watch):
        page.goto(f"{live_site.url}{lesson.url}")
        for summary in page.locator("main summary").all():
            summary.click()  # accordion items and the video transcript
        expect(page.get_by_role("heading", level=1)).to_have_text(payload("XT1"))
        assert_shows_as_text(page, shown_at_first)
        assert_no_injected_markup(page)
        expect(page.locator("main figure img")).to_have_attribute("alt", payload("XI1"))
        assert page.title().startswith(payload("XT2"))
        assert page.locator('meta[name="description"]').get_attribute("content") == payload("XT3")
        # Rich-text links lost their javascript: address; the text stays.
        link = page.locator("main .lc-richtext a").filter(has_text="XP1")
        expect(link).to_have_count(1)
        assert link.get_attribute("href") is None
        # The video loads only after a click, and only from the privacy-friendly player.
        consent = page.locator(".lc-video-consent")
        expect(consent).to_have_attribute(
            "data-embed-url", "https://www.youtube-nocookie.com/embed/abcdefgh"
        )
        expect(page.locator("iframe")).to_have_count(0)

        # Answering the check shows the explanation (and the answers) again.
        page.locator("main input[type=radio]").first.check()
        page.locator("main input[type=checkbox]").first.check()
        page.get_by_role("button", name="Antworten prüfen").click()
        expect(page.get_by_text("Bestanden", exact=False).first).to_be_visible()
        assert_shows_as_text(page, [EXPLANATION_MARKER, "XK2", "XK3", "XK5"])
        assert_no_injected_markup(page)

        # Everywhere else the title appears.
        module = ModulePage.objects.parent_of(lesson).get()
        for url, lists_lessons in [
            (module.url, True),
            (module.get_parent().url, False),
            (reverse("learner_dashboard"), False),
            (reverse("learner_notes"), False),
            (f"{reverse('lesson_search')}?q=XT1", True),
        ]:
            page.goto(f"{live_site.url}{url}")
            assert_no_injected_markup(page)
            if lists_lessons:
                assert_shows_as_text(page, ["XT1"])
        watch.assert_clean()


def test_lesson_block_payloads_stay_text_in_the_editor_preview_and_history(browser, live_site):
    hostile = create_hostile_lesson()
    lesson = hostile.lesson

    with browser_as(browser, live_site.url, hostile.trainer) as (page, watch):
        page.goto(f"{live_site.url}{reverse('wagtailadmin_pages:edit', args=[lesson.pk])}")
        expect(page.locator("#id_title")).to_have_value(payload("XT1"))
        # Every block's fields hold the payload as their value (inputs, textareas, Draftail).
        values = page.evaluate(
            """() => [...document.querySelectorAll('input, textarea')].map(e => e.value)
                 .concat([...document.querySelectorAll('.DraftEditor-root')].map(e => e.innerText))
                 .join('\\n')"""
        )
        text_markers = [m for markers in LESSON_TEXT_MARKERS.values() for m in markers]
        for marker in [*text_markers, *LESSON_RICH_TEXT_MARKERS]:
            assert squeeze(payload(marker)) in squeeze(values), f"{marker} not in the editor"
        assert_no_injected_markup(page)

        # The preview panel renders the lesson as participants see it.
        page.locator("[data-side-panel-toggle='preview']").click()
        preview = page.frame_locator("iframe[title]").first
        expect(preview.get_by_role("heading", level=1)).to_have_text(payload("XT1"))
        frame = next(f for f in page.frames if "/preview/" in f.url)
        assert_shows_as_text(frame, ["XH1", "XP1", "XB1", "XC1", "XL2", "XR1", "XK2"])
        assert_no_injected_markup(frame)

        # Listing, history and the comparison of revisions print titles and block values.
        module = ModulePage.objects.parent_of(lesson).get()
        revisions = list(lesson.revisions.order_by("created_at").values_list("pk", flat=True))
        for url in [
            reverse("wagtailadmin_explore", args=[module.pk]),
            reverse("wagtailadmin_pages:history", args=[lesson.pk]),
            f"{reverse('wagtailadmin_pages:search')}?q=XT1",
            reverse(
                "wagtailadmin_pages:revisions_compare",
                args=[lesson.pk, revisions[0], revisions[-1]],
            ),
        ]:
            page.goto(f"{live_site.url}{url}")
            assert_shows_as_text(page, ["XT1"])
            assert_no_injected_markup(page)
        # (the last one was the comparison: the new block values are printed, as text)
        assert_shows_as_text(page, ["XH1", "XP1", "XB2", "XL2", "XA2", "XK2", "XK3"])
        watch.assert_clean()


def test_markup_that_bypassed_the_editor_is_stopped_by_the_csp(browser, live_site):
    """Defence in depth: raw HTML straight in the database (never possible through the admin)."""
    course = build_course(modules=1, lessons_per_module=1)
    lesson = LessonPage.objects.descendant_of(course).get()
    participant = UserFactory(email="teilnehmende@example.org")
    services.enrol(user=participant, course=course)
    lesson.body = [
        {
            "type": "paragraph",
            "value": (
                "<p>Roh <img src=x onerror=alert(1)><svg onload=alert(2)></svg>"
                "<script>alert(3)</script><a id='js-link' href='javascript:alert(4)'>Link</a>"
                "<span onmouseover=alert(5) id='hover'>hier</span></p>"
            ),
        }
    ]
    lesson.save_revision().publish()

    with browser_as(browser, live_site.url, participant) as (page, watch):
        page.goto(f"{live_site.url}{lesson.url}")
        page.locator("#js-link").click()
        page.locator("#hover").hover()
        page.wait_for_timeout(300)
        watch.assert_clean(allow_violations=True)
        blocked = "\n".join(watch.violations)
        assert "script-src" in blocked, "the CSP did not report the blocked inline script"


# --- Certificate templates -----------------------------------------------------------------

TEMPLATE_MARKERS = {
    "name": "ZN1",
    "body": "ZB1",
    "issuer": "ZI1",
    "place": "ZP1",
    "signatory_name": "ZS1",
    "signatory_function": "ZF1",
}
COURSE_MARKER = "ZK1"


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF"), content[:40]
    return squeeze("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def assert_pdf_shows(content: bytes, markers: list[str]) -> None:
    text = pdf_text(content).casefold()  # the issuer is set in capitals
    missing = [m for m in markers if squeeze(payload(m)).casefold() not in text]
    assert not missing, f"payload not printed as text in the PDF: {missing}"


@dataclass
class HostileCertificate:
    template: CertificateTemplate
    certificate: Certificate
    coordinator: object
    participant: object
    desk: Client


def create_hostile_certificate() -> HostileCertificate:
    course = build_course(title=payload(COURSE_MARKER), modules=1, lessons_per_module=1)
    coordinator = UserFactory(email="koordination@example.org", roles=[Role.COORDINATOR])
    participant = UserFactory(email="teilnehmende@example.org")
    desk = Client()
    desk.force_login(coordinator)

    url = reverse("certificates_template:add")
    data = edit_form_data(desk, url, "w-editor-form")
    data.update({field: payload(marker) for field, marker in TEMPLATE_MARKERS.items()})
    data.update(course=str(course.pk), accent_colour="#2044AA", orientation="landscape")
    response = desk.post(url, data)
    assert response.status_code == 302, _form_errors(response)
    template = CertificateTemplate.objects.get()
    assert template.body == payload("ZB1")

    enrollment = complete_course(user=participant, course=course)
    certificate = issue_certificate(enrollment=enrollment, issued_by=coordinator)
    run_background_tasks()
    certificate.refresh_from_db()
    assert certificate.has_pdf, certificate.render_error
    return HostileCertificate(template, certificate, coordinator, participant, desk)


@pytest.fixture
def _certificates_root(settings, tmp_path):
    settings.CERTIFICATES_ROOT = tmp_path / "certificates"


@pytest.mark.usefixtures("_certificates_root")
def test_certificate_payloads_are_text_in_pdfs_and_on_certificate_pages(browser, live_site):
    hostile = create_hostile_certificate()
    printed = ["ZB1", "ZI1", "ZP1", "ZS1", "ZF1", COURSE_MARKER]

    with browser_as(browser, live_site.url, hostile.participant) as (page, watch):
        page.goto(f"{live_site.url}{reverse('my_certificates')}")
        assert_shows_as_text(page, [COURSE_MARKER])
        assert_no_injected_markup(page)
        download = page.request.get(
            f"{live_site.url}{reverse('certificate_download', args=[hostile.certificate.pk])}"
        )
        assert download.ok
        assert download.headers["cache-control"] == "no-store"
        assert_pdf_shows(download.body(), printed)
        watch.assert_clean()

    with browser_as(browser, live_site.url) as (page, watch):  # the public verification page
        page.goto(f"{live_site.url}{hostile.certificate.get_absolute_url()}")
        expect(page.get_by_text("Gültig", exact=True)).to_be_visible()
        assert_shows_as_text(page, [COURSE_MARKER, "ZI1"])
        assert_no_injected_markup(page)
        watch.assert_clean()


@pytest.mark.usefixtures("_certificates_root")
def test_certificate_template_payloads_stay_text_in_the_admin_and_its_preview(browser, live_site):
    hostile = create_hostile_certificate()
    template = hostile.template

    # The preview is the real renderer with sample data: the payloads are printed as text.
    preview_url = reverse("certificates_template:preview_on_edit", args=[template.pk])
    data = edit_form_data(
        hostile.desk, reverse("certificates_template:edit", args=[template.pk]), "w-editor-form"
    )
    assert hostile.desk.post(preview_url, data).json()["is_valid"]
    preview = hostile.desk.get(preview_url)
    assert preview["Content-Type"] == "application/pdf"
    assert "no-store" in preview["Cache-Control"]
    assert_pdf_shows(preview.content, ["ZB1", "ZI1", "ZP1", "ZS1", "ZF1"])

    with browser_as(browser, live_site.url, hostile.coordinator) as (page, watch):
        page.goto(f"{live_site.url}{reverse('certificates_template:edit', args=[template.pk])}")
        for field_name, marker in TEMPLATE_MARKERS.items():
            expect(page.locator(f"#id_{field_name}")).to_have_value(payload(marker))
        assert_no_injected_markup(page)
        page.locator("[data-side-panel-toggle='preview']").click()
        expect(page.locator("iframe[title]").first).to_be_attached()
        page.wait_for_timeout(1000)

        for url in [
            reverse("certificates_template:list"),
            reverse("certificates_certificate:list"),
            reverse("certificates_certificate:inspect", args=[hostile.certificate.pk]),
        ]:
            page.goto(f"{live_site.url}{url}")
            assert_no_injected_markup(page)
        expect(page.locator("main")).to_contain_text(COURSE_MARKER)
        watch.assert_clean()


# --- Our own pages under the policy --------------------------------------------------------


def test_site_pages_report_no_csp_violations_and_load_nothing_from_other_hosts(browser, live_site):
    from content.site_pages import ensure_site_pages

    ensure_site_pages()
    course = build_course(modules=1, lessons_per_module=1, with_check=True, with_reflection=True)
    lesson = LessonPage.objects.descendant_of(course).get()
    lesson.body.append(("video", {"title": "Einführung", "embed_url": "https://vimeo.com/123456"}))
    lesson.save_revision().publish()
    participant = UserFactory(email="teilnehmende@example.org")
    services.enrol(user=participant, course=course)
    public = ["/", course.catalogue_url(), course.url, "/impressum/", "/datenschutz/"]
    public += ["/barrierefreiheit/", reverse("account_login"), reverse("account_signup")]
    public += [reverse("account_reset_password")]

    with browser_as(browser, live_site.url) as (page, watch):
        for url in public:
            response = page.goto(f"{live_site.url}{url}")
            assert response.ok, url
        watch.assert_clean()

    personal = [
        lesson.url,
        ModulePage.objects.parent_of(lesson).get().url,
        reverse("learner_dashboard"),
        reverse("learner_notes"),
        reverse("my_certificates"),
        f"{reverse('lesson_search')}?q=Text",
        reverse("account_profile"),
        reverse("privacy_my_data"),
        reverse("privacy_delete_account"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("mfa_index"),
        reverse("mfa_activate_totp"),  # QR code as a data: image
    ]
    with browser_as(browser, live_site.url, participant) as (page, watch):
        for url in personal:
            response = page.goto(f"{live_site.url}{url}")
            assert response.ok, url
        # "Meine Daten": the print button works without inline script.
        page.goto(f"{live_site.url}{reverse('privacy_my_data')}")
        page.evaluate("window.print = () => document.body.setAttribute('data-printed', '1')")
        page.get_by_role("button", name="Drucken").click()
        expect(page.locator("body")).to_have_attribute("data-printed", "1")
        # A lesson: the reflection note and the knowledge check post to the platform.
        page.goto(f"{live_site.url}{lesson.url}")
        assert not watch.foreign_requests  # the video is not loaded before the click
        # After the click the player is framed: the one kind of request to another host the
        # policy allows (answered here, the tests have no internet).
        page.route(
            "https://player.vimeo.com/**",
            lambda route: route.fulfill(body="<title>Player</title>", content_type="text/html"),
        )
        page.get_by_role("button", name="Video laden und abspielen").click()
        player = page.locator(".lc-video-consent iframe")
        expect(player).to_have_attribute("src", "https://player.vimeo.com/video/123456?dnt=1")
        expect(player).to_have_attribute("referrerpolicy", "strict-origin")
        expect(page.frame_locator(".lc-video-consent iframe").locator("title")).to_have_count(1)
        assert {url.split(" ")[0] for url in watch.foreign_requests} == {
            "https://player.vimeo.com/video/123456?dnt=1"
        }
        watch.foreign_requests.clear()
        page.get_by_label("Ihre Notiz").fill("Eine Notiz")
        page.get_by_role("button", name="Notiz speichern").click()
        expect(page.get_by_text("Zuletzt gespeichert", exact=False)).to_be_visible()
        watch.assert_clean()


def test_admin_works_under_its_policy_without_violations(browser, live_site):
    """Editor, Draftail, image chooser, preview panel and date pickers really work."""
    course = build_course(modules=1, lessons_per_module=1, with_check=True)
    lesson = LessonPage.objects.descendant_of(course).get()
    Image.objects.create(title="Flur im Jugendamt", file=get_test_image_file())
    UserFactory(email="teilnehmende@example.org")
    admin = UserFactory(email="admin@example.org", is_superuser=True, is_staff=True)

    with browser_as(browser, live_site.url, admin) as (page, watch):
        # Page editor: Draftail takes input, the preview panel shows the lesson.
        page.goto(f"{live_site.url}{reverse('wagtailadmin_pages:edit', args=[lesson.pk])}")
        editor = page.locator(".public-DraftEditor-content").first
        editor.click()
        page.keyboard.press("End")
        page.keyboard.type(" Ergänzung")
        expect(editor).to_contain_text("Ergänzung")
        page.locator("[data-side-panel-toggle='preview']").click()
        preview = page.frame_locator("iframe[title]").first
        expect(preview.get_by_role("heading", level=1)).to_have_text("Lerneinheit 1.1")

        # A model form's image chooser (inline-initialised in Wagtail 8) opens its modal.
        page.goto(f"{live_site.url}{reverse('certificates_template:add')}")
        page.locator("#id_logo-chooser .chooser__choose-button").click()
        page.locator(".modal-dialog a").filter(has_text="Flur im Jugendamt").first.click()
        expect(page.locator("#id_logo-title")).to_have_text("Flur im Jugendamt")

        # A date-time picker (also inline-initialised) opens on a workshop date.
        page.goto(f"{live_site.url}/admin/workshop_dates/new/")
        page.locator("#id_starts_at").click()
        expect(page.locator(".xdsoft_datetimepicker").first).to_be_visible()

        for url in [
            "/admin/",
            "/admin/pages/",
            "/admin/images/",
            "/admin/images/multiple/add/",
            "/admin/documents/",
            "/admin/auswertungen/teilnahme/",
            "/admin/auswertungen/module/",
            f"/admin/auswertungen/abdeckung/?course={course.pk}",
            "/admin/auswertungen/import/",
            "/admin/zertifikate/vorlagen/",
            "/admin/zertifikate/liste/",
            "/admin/users/",
            "/admin/reports/site-history/",
            "/django-admin/",
        ]:
            response = page.goto(f"{live_site.url}{url}")
            assert response.ok, url
        watch.assert_clean()
