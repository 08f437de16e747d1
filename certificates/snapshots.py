"""What a certificate prints, frozen at issue time as plain JSON-able data.

The renderer reads only the snapshot, never the database, so a certificate looks the same
whenever its PDF is produced, and editing a course, a person or a template changes nothing
that was already issued.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from .models import PLACEHOLDER_PATTERN, CertificateTemplate

logger = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1
IMAGE_RENDITION = "max-800x300|format-png"
MAX_IMAGE_BYTES = 400_000


@dataclass(frozen=True)
class AttendedDate:
    title: str
    starts_at: datetime
    place: str


def attended_dates(*, user, course) -> list:
    """Workshop dates the person attended in this course.

    The workshop feature provides `courses.attendance.attended_dates`; until it exists,
    certificates simply list no dates (this is the only place that knows about it).
    """
    try:
        from courses.attendance import attended_dates as lookup
    except ImportError:
        return []
    try:
        return list(lookup(user=user, course=course))
    except AttributeError:  # pragma: no cover - half-built workshop models
        logger.warning("Präsenztermine für %s nicht lesbar", course, exc_info=True)
        return []


def german_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    with translation.override("de"):
        return formats.date_format(value, "j. F Y")


def hours_label(minutes: int) -> str:
    hours = round(minutes / 60, 1)
    text = f"{hours:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} Std."


def verification_url(code: str) -> str:
    base = getattr(settings, "CERTIFICATE_VERIFY_BASE_URL", "") or settings.WAGTAILADMIN_BASE_URL
    return base.rstrip("/") + reverse("certificate_verify", kwargs={"code": code})


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace {name}, {kurs}, ... with plain text; unknown braces stay as they are."""
    return PLACEHOLDER_PATTERN.sub(lambda match: values.get(match[1], match[0]), text)


def image_data_url(image) -> str:
    """A PNG rendition as a data: URL, so the snapshot carries the picture itself."""
    if image is None:
        return ""
    try:
        rendition = image.get_rendition(IMAGE_RENDITION)
        with rendition.file.open("rb") as handle:
            data = handle.read(MAX_IMAGE_BYTES + 1)
    except (OSError, ValueError):
        logger.warning("Bild %s für Zertifikat nicht lesbar", image.pk, exc_info=True)
        return ""
    if len(data) > MAX_IMAGE_BYTES:
        logger.warning("Bild %s ist für ein Zertifikat zu groß", image.pk)
        return ""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def template_values(template: CertificateTemplate) -> dict:
    """The template's share of the snapshot (images included, so later edits change nothing)."""
    return {
        "heading": template.heading,
        "body": template.body,
        "show_modules": template.show_modules,
        "show_workshops": template.show_workshops,
        "issuer": template.issuer,
        "place": template.place,
        "signatory_name": template.signatory_name,
        "signatory_function": template.signatory_function,
        "signature_data_url": image_data_url(template.signature_image),
        "logo_data_url": image_data_url(template.logo),
        "accent_colour": template.accent_colour,
        "orientation": template.orientation,
        "template_id": template.pk,
        "template_revision_id": template.latest_revision_id,
    }


def build_snapshot(
    *,
    holder_name: str,
    course_title: str,
    workload_units: int,
    completed_on: date,
    issued_on: date,
    number: str,
    code: str,
    modules: list[dict],
    workshops: list[dict],
    template_part: dict,
) -> dict:
    values = {
        "name": holder_name,
        "kurs": course_title,
        "datum": german_date(completed_on),
        "ue": str(workload_units),
        "nummer": number,
    }
    paragraphs = [
        fill_placeholders(line.strip(), values)
        for line in template_part["body"].splitlines()
        if line.strip()
    ]
    template_part = {key: value for key, value in template_part.items() if key != "body"}
    return {
        "version": SNAPSHOT_VERSION,
        "holder_name": holder_name,
        "course_title": course_title,
        "workload_units": workload_units,
        "completed_on": completed_on.isoformat(),
        "completed_on_text": values["datum"],
        "issued_on": issued_on.isoformat(),
        "issued_on_text": german_date(issued_on),
        "number": number,
        "verification_url": verification_url(code),
        "paragraphs": paragraphs,
        "modules": modules,
        "workshops": workshops,
        **template_part,
    }


def module_entries(modules) -> list[dict]:
    """Modules with their hours as printed."""
    return [
        {
            "title": module.title,
            "minutes": module.estimated_minutes,
            "hours": hours_label(module.estimated_minutes),
        }
        for module in modules
    ]


def workshop_entries(dates) -> list[dict]:
    entries = []
    for attended in sorted(dates, key=lambda item: item.starts_at):
        local = timezone.localtime(attended.starts_at)
        entries.append(
            {
                "title": str(attended.title),
                "date": local.date().isoformat(),
                "date_text": german_date(local),
                "place": str(attended.place or ""),
            }
        )
    return entries


def sample_snapshot(template: CertificateTemplate) -> dict:
    """Example data for the template preview in the admin."""
    today = timezone.localdate()
    course = template.course
    minutes = [120, 90, 100]
    return build_snapshot(
        holder_name="Maria Musterfrau",
        course_title=course.title if course else "Fachkraft Leaving Care",
        workload_units=(course.workload_units if course else 0) or 24,
        completed_on=today,
        issued_on=today,
        number=f"LC-{today.year}-0000",
        code="VORSCHAU-keine-gueltige-Nummer",
        modules=[
            {"title": f"Beispielmodul {index}", "minutes": value, "hours": hours_label(value)}
            for index, value in enumerate(minutes, start=1)
        ],
        workshops=[
            {
                "title": "Präsenztermin: Das Hildesheimer Übergangsmodell",
                "date": today.isoformat(),
                "date_text": german_date(today),
                "place": "Kreishaus Hildesheim",
            }
        ],
        template_part=template_values(template),
    )
