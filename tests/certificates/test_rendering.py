"""The renderer prints only escaped text and fetches nothing but the bundled fonts."""

import io
import re
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pypdf
import pytest

from certificates import rendering
from certificates.snapshots import build_snapshot, hours_label

TEMPLATE_PART = {
    "heading": "Zertifikat",
    "body": "{name} hat an der Fortbildungsreihe „{kurs}“ ({ue} UE) am {datum} teilgenommen.",
    "show_modules": True,
    "show_workshops": True,
    "issuer": "Jugendamt Stadt und Landkreis Hildesheim",
    "place": "Hildesheim",
    "signatory_name": "Kim Hoffmann",
    "signatory_function": "Koordination",
    "signature_data_url": "",
    "logo_data_url": "",
    "accent_colour": "#2044AA",
    "orientation": "landscape",
    "template_id": None,
    "template_revision_id": None,
}


def snapshot(name="Jana Özdemir", **overrides):
    data = build_snapshot(
        holder_name=name,
        course_title="Fachkraft Leaving Care",
        workload_units=24,
        completed_on=date(2026, 3, 12),
        issued_on=date(2026, 3, 14),
        number="LC-2026-0042",
        code="Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
        modules=[
            {"title": f"Modul {n}", "minutes": 90, "hours": hours_label(90)} for n in range(6)
        ],
        workshops=[
            {
                "title": "Präsenztermin Übergangsmodell",
                "date": "2026-02-05",
                "date_text": "5. Februar 2026",
                "place": "Kreishaus",
            }
        ],
        template_part=TEMPLATE_PART,
    )
    data.update(overrides)
    return data


def read(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    # Line breaks may fall anywhere in long text: compare without whitespace. pypdf reads
    # two-byte codes around fallback-font glyphs (emoji) with stray NULs: drop them.
    return "".join(read(pdf).pages[0].extract_text().replace("\x00", "").split())


def squeeze(text: str) -> str:
    return "".join(text.split())


def assert_no_embedded_files(reader: pypdf.PdfReader) -> None:
    root = reader.trailer["/Root"]
    names = root.get("/Names")
    assert not names or "/EmbeddedFiles" not in names.get_object()
    assert "/AF" not in root
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"


def test_pdf_shows_name_course_number_and_verification_url():
    data = snapshot()
    pdf = rendering.render_pdf(data)
    text = text_of(pdf)
    assert "JanaÖzdemir" in text
    assert "FachkraftLeavingCare" in text
    assert "LC-2026-0042" in text
    assert squeeze(data["verification_url"]) in text
    assert "Modul5" in text and "1,5Std." in text
    assert "5.Februar2026" in text
    assert len(read(pdf).pages) == 1


def test_pdf_is_pdf_a_3b_with_metadata():
    reader = read(rendering.render_pdf(snapshot()))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part(=\"|>)3", xmp)
    assert re.search(r"pdfaid:conformance(=\"|>)B", xmp)
    assert reader.trailer["/Root"]["/OutputIntents"]
    assert reader.metadata.title == "Zertifikat LC-2026-0042"


def test_fonts_are_the_bundled_ones():
    reader = read(rendering.render_pdf(snapshot()))
    fonts = {
        str(font.get_object()["/BaseFont"])
        for font in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert any("Fira" in name for name in fonts), fonts


def test_portrait_orientation_is_one_a4_page():
    page = read(rendering.render_pdf(snapshot(orientation="portrait"))).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert round(width) == 595 and round(height) == 842


class _Canary(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        _Canary.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"x")

    def log_message(self, *args):
        pass


@pytest.fixture
def canary():
    _Canary.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def hostile_names(canary_url):
    return [
        '<img src="file:///etc/passwd">',
        f'<link rel=attachment href="{canary_url}/attach">',
        '<link rel="attachment" href="file:///etc/passwd">',
        f'<a rel=attachment href="{canary_url}/a">x</a>',
        f"<style>body {{ background: url({canary_url}/css) }}</style>",
        f"x{{}} * {{ background: url({canary_url}/css2) }}",
        f'"><svg><image href="{canary_url}/svg"/></svg>',
        "Ä" * 300,
        "مريم العلي",
        "Jörg Müßig-Åström 😀🎓",
    ]


def test_hostile_values_are_printed_literally_and_fetch_nothing(canary):
    for name in hostile_names(canary):
        data = snapshot(
            name=name,
            course_title=f"<img src='{canary}/course'>",
            issuer=f"url({canary}/issuer)",
            workshops=[{"title": f"<iframe src='{canary}/ws'>", "date": "x", "date_text": "y"}],
        )
        pdf = rendering.render_pdf(data)
        reader = read(pdf)
        assert len(reader.pages) == 1, name
        assert_no_embedded_files(reader)
        text = text_of(pdf)
        visible = squeeze(name.replace("😀🎓", ""))
        assert visible[:60] in text, name
    assert _Canary.hits == []


def test_hostile_snapshot_fields_outside_the_text_are_neutralised(canary):
    data = snapshot(
        accent_colour=f"red; background: url({canary}/accent)",
        orientation="landscape; } body { background: url(x)",
        logo_data_url=f"{canary}/logo.png",
        signature_data_url="file:///etc/passwd",
    )
    html = rendering.render_html(data)
    assert canary not in html
    assert "file:///etc/passwd" not in html
    pdf = rendering.render_pdf(data)
    assert len(read(pdf).pages) == 1
    assert _Canary.hits == []


def test_the_fetcher_serves_bundled_fonts_and_data_urls_only(canary):
    fetcher = rendering.BundledAssetsFetcher()
    font_url = next(iter(rendering.bundled_assets()))
    assert fetcher(font_url).read()[:4] in (b"\x00\x01\x00\x00", b"OTTO")
    assert fetcher("data:text/plain;base64,SGFsbG8=").read() == b"Hallo"
    for url in [
        "file:///etc/passwd",
        font_url.replace(".woff2", ".woff2/../../../../etc/passwd"),
        f"{canary}/",
        "https://example.org/",
        "ftp://example.org/x",
    ]:
        with pytest.raises(rendering.RefusedResource):
            fetcher(url)
    assert len(fetcher.refused) == 5
    assert _Canary.hits == []


def test_long_lists_still_fit_on_one_page():
    data = snapshot(
        modules=[{"title": "Sehr langer Modultitel " * 6, "hours": "2 Std."}] * 30,
        workshops=[{"title": "Termin " * 10, "date": "2026-01-01", "date_text": "1. Januar"}] * 30,
        paragraphs=["Langer Absatz. " * 200] * 5,
    )
    assert len(read(rendering.render_pdf(data)).pages) == 1
