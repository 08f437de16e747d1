"""PDF rendering with WeasyPrint: the only module of the project that imports it.

Safety: the HTML comes from the project's own template with autoescaping, so every value in a
snapshot is printed as text. The URL fetcher serves only the bundled fonts and `data:` URLs and
refuses everything else (other files, http(s), anything a hostile value might smuggle in);
attachments are never passed to WeasyPrint. The result is PDF/A-3b, one A4 page.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from functools import cache
from pathlib import Path

import segno
import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from fontTools.ttLib import woff2
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3b"
TEMPLATE = "certificates/pdf/certificate.html"
DEFAULT_ACCENT = "#2044AA"
ACCENT_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")
ORIENTATIONS = {"portrait", "landscape"}
MAX_DATA_URL_LENGTH = 600_000

# (family, file, weight, style, unicode-range) – two families because WeasyPrint mixes up
# subsets that share a family name (see docs/ui-components.md).
FONT_FACES = [
    ("LC Fira Sans", "fira-sans-latin-400-normal.woff2", 400, "normal"),
    ("LC Fira Sans", "fira-sans-latin-400-italic.woff2", 400, "italic"),
    ("LC Fira Sans", "fira-sans-latin-600-normal.woff2", 600, "normal"),
    ("LC Fira Sans Ext", "fira-sans-latin-ext-400-normal.woff2", 400, "normal"),
    ("LC Fira Sans Ext", "fira-sans-latin-ext-400-italic.woff2", 400, "italic"),
    ("LC Fira Sans Ext", "fira-sans-latin-ext-600-normal.woff2", 600, "normal"),
]


class RefusedResource(ValueError):
    """The renderer asked for something that is not a bundled asset or a data: URL."""


def fonts_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "fonts"


@cache
def bundled_assets() -> dict[str, tuple[bytes, str]]:
    """file: URL → (content, mime type) of the only files the renderer may read.

    The WOFF2 files are decompressed once per process: WeasyPrint would otherwise do it on
    every render (about a third of the render time).
    """
    assets = {}
    for _family, filename, _weight, _style in FONT_FACES:
        path = (fonts_dir() / filename).resolve()
        decompressed = io.BytesIO()
        woff2.decompress(io.BytesIO(path.read_bytes()), decompressed)
        assets[path.as_uri()] = (decompressed.getvalue(), "font/ttf")
    return assets


_local = threading.local()


def font_configuration() -> FontConfiguration:
    """One font configuration per thread, reused: it only ever holds the bundled fonts.

    Values are escaped text, so no document can add a font face of its own; reusing the
    configuration skips loading the same six fonts into Fontconfig for every certificate.
    """
    if not hasattr(_local, "font_config"):
        _local.font_config = FontConfiguration()
    return _local.font_config


class BundledAssetsFetcher(URLFetcher):
    """Serves bundled fonts from memory and `data:` URLs; refuses and records all else."""

    def __init__(self):
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        asset = bundled_assets().get(url)
        if asset is not None:
            content, mime_type = asset
            return URLFetcherResponse(url, content, {"Content-Type": mime_type})
        if url.startswith("data:") and len(url) <= MAX_DATA_URL_LENGTH:
            return super().fetch(url, headers)
        self.refused.append(url[:200])
        logger.warning("Zertifikat: Ressource abgelehnt: %.200s", url)
        raise RefusedResource(f"refused: {url[:200]}")


def font_face_css() -> str:
    rules = []
    for family, filename, weight, style in FONT_FACES:
        url = (fonts_dir() / filename).resolve().as_uri()
        rules.append(
            f'@font-face {{ font-family: "{family}"; src: url("{url}") format("woff2"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


def qr_code_svg(url: str) -> str:
    """The verification URL as inline SVG (paths only: nothing of the input survives as text)."""
    return segno.make(url, error="m").svg_inline(scale=1, border=0, omitsize=True, dark="#000")


def _safe_data_url(value) -> str:
    value = value if isinstance(value, str) else ""
    if value.startswith("data:image/png;base64,") and len(value) <= MAX_DATA_URL_LENGTH:
        return value
    return ""


def name_size_class(name: str) -> str:
    """Long names get smaller type, so every name fits on the one page."""
    length = len(name)
    if length <= 32:
        return "name--l"
    if length <= 60:
        return "name--m"
    if length <= 120:
        return "name--s"
    return "name--xs"


def render_html(snapshot: dict) -> str:
    accent = snapshot.get("accent_colour", "")
    orientation = snapshot.get("orientation", "")
    modules = snapshot.get("modules") or []
    workshops = snapshot.get("workshops") or []
    context = {
        "s": snapshot,
        "font_faces": mark_safe(font_face_css()),
        "accent": accent if isinstance(accent, str) and ACCENT_PATTERN.match(accent) else None,
        "orientation": orientation if orientation in ORIENTATIONS else "landscape",
        "qr_svg": mark_safe(qr_code_svg(str(snapshot.get("verification_url", "")))),
        "name_class": name_size_class(str(snapshot.get("holder_name", ""))),
        "logo": _safe_data_url(snapshot.get("logo_data_url")),
        "signature": _safe_data_url(snapshot.get("signature_data_url")),
        "modules": modules[:12] if snapshot.get("show_modules", True) else [],
        "workshops": workshops[:8] if snapshot.get("show_workshops", True) else [],
        "compact": len(modules) + len(workshops) > 8,
    }
    context["accent"] = context["accent"] or DEFAULT_ACCENT
    return render_to_string(TEMPLATE, context)


def write_pdf(html: str) -> bytes:
    fetcher = BundledAssetsFetcher()
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.write_pdf(
        font_config=font_configuration(),
        pdf_variant=PDF_VARIANT,
        attachments=None,
        # No metadata from <meta> tags beyond the standard ones: nothing a value can add.
        custom_metadata=False,
    )


def render_pdf(snapshot: dict) -> bytes:
    """The certificate as PDF/A-3b bytes; raises on any rendering error."""
    return write_pdf(render_html(snapshot))
