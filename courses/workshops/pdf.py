"""The printable sign-in sheet (Teilnehmendenliste) of a workshop date, rendered by WeasyPrint.

The HTML is the project's own template with autoescaping; the URL fetcher serves only the
bundled fonts (from static/fonts) and `data:` URLs and refuses everything else, so no value in a
name or note can make the renderer read a file or call a server.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from courses.models import WorkshopDate, WorkshopRegistration

logger = logging.getLogger(__name__)

TEMPLATE = "courses/workshops/pdf/sign_in_sheet.html"
FONT_FACES = [
    ("LC Fira Sans", "fira-sans-latin-400-normal.woff2", 400, "normal"),
    ("LC Fira Sans", "fira-sans-latin-600-normal.woff2", 600, "normal"),
    ("LC Fira Sans Ext", "fira-sans-latin-ext-400-normal.woff2", 400, "normal"),
    ("LC Fira Sans Ext", "fira-sans-latin-ext-600-normal.woff2", 600, "normal"),
]
MAX_DATA_URL_LENGTH = 100_000
EMPTY_ROWS = 5  # for walk-ins who sign on paper


class RefusedResource(ValueError):
    """The renderer asked for something that is not a bundled font or a data: URL."""


def fonts_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "fonts"


@cache
def _fonts() -> dict[str, bytes]:
    return {
        (fonts_dir() / filename).resolve().as_uri(): (fonts_dir() / filename).read_bytes()
        for _family, filename, _weight, _style in FONT_FACES
    }


class FontsOnlyFetcher(URLFetcher):
    def __init__(self):
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        font = _fonts().get(url)
        if font is not None:
            return URLFetcherResponse(url, font, {"Content-Type": "font/woff2"})
        if url.startswith("data:") and len(url) <= MAX_DATA_URL_LENGTH:
            return super().fetch(url, headers)
        logger.warning("Teilnehmendenliste: Ressource abgelehnt: %.200s", url)
        raise RefusedResource(f"refused: {url[:200]}")


def _font_face_css() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; '
        f'src: url("{(fonts_dir() / filename).resolve().as_uri()}") format("woff2"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for family, filename, weight, style in FONT_FACES
    )


def sign_in_sheet_html(date: WorkshopDate) -> str:
    people = list(
        date.registrations.filter(status=WorkshopRegistration.Status.REGISTERED)
        .select_related("user", "user__organisation", "user__team")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    context = {
        "date": date,
        "people": people,
        "empty_rows": range(EMPTY_ROWS),
        "trainers": ", ".join(trainer.get_full_name() for trainer in date.trainers.all()),
        "printed_at": timezone.localtime(),
        "font_faces": mark_safe(_font_face_css()),
    }
    with translation.override("de"):
        return render_to_string(TEMPLATE, context)


def render_sign_in_sheet(date: WorkshopDate) -> bytes:
    html = sign_in_sheet_html(date)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=FontsOnlyFetcher())
    return document.write_pdf(font_config=FontConfiguration(), custom_metadata=False)
