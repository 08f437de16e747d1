"""Certificate templates (edited by Koordination) and the certificates issued from them.

A certificate is a frozen record: everything it prints is copied into `snapshot` when it is
issued, and its PDF is rendered once and stored. Later edits to the person, the course or the
template never change an issued certificate; a correction is a re-issue with a new number.
"""

import functools
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import PreviewableMixin, RevisionMixin

from courses.models import Enrollment
from lms.db import fetch_rows, instance_from_row

PLACEHOLDERS = {
    "name": _("Name der Person"),
    "kurs": _("Titel des Kurses"),
    "datum": _("Datum des Abschlusses"),
    "ue": _("Umfang in Unterrichtseinheiten"),
    "nummer": _("Zertifikatsnummer"),
}
PLACEHOLDER_PATTERN = re.compile(r"\{([a-z]+)\}")

DEFAULT_BODY = (
    "{name} hat an der Fortbildungsreihe „{kurs}“ im Umfang von {ue} Unterrichtseinheiten "
    "teilgenommen und sie am {datum} erfolgreich abgeschlossen.\n"
    "Die Fortbildung vermittelt Fachkräften öffentlicher und freier Träger die Grundlagen "
    "einer verlässlichen Begleitung junger Menschen beim Übergang aus der Jugendhilfe in ein "
    "eigenständiges Leben."
)
DEFAULT_ISSUER = "Jugendamt Stadt und Landkreis Hildesheim"


def validate_placeholders(text: str) -> None:
    unknown = sorted(set(PLACEHOLDER_PATTERN.findall(text)) - set(PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            _("Unbekannte Platzhalter: %(names)s. Erlaubt sind: %(allowed)s."),
            params={
                "names": ", ".join(f"{{{name}}}" for name in unknown),
                "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            },
            code="unknown_placeholder",
        )


def new_verification_code() -> str:
    """192 random bits, URL-safe: unguessable, so the code alone proves possession."""
    return secrets.token_urlsafe(24)


def certificate_upload_to(instance: "Certificate", filename: str) -> str:
    # The verification code keeps stored file names unguessable even if a directory leaks.
    return f"{instance.year}/{instance.number}-{instance.verification_code[:12]}.pdf"


def certificate_storage():
    from .storage import CertificateStorage

    return CertificateStorage()


class CertificateTemplateQuerySet(models.QuerySet):
    def for_course(self, course) -> "CertificateTemplate | None":
        """The course's own template, else the general one (a template without course)."""
        own = self.filter(course=course).first() if course is not None else None
        return own or self.filter(course__isnull=True).order_by("pk").first()


class CertificateTemplate(PreviewableMixin, RevisionMixin, models.Model):
    class Heading(models.TextChoices):
        CERTIFICATE = "Zertifikat", _("Zertifikat")
        ATTENDANCE = "Teilnahmebescheinigung", _("Teilnahmebescheinigung")

    class Orientation(models.TextChoices):
        PORTRAIT = "portrait", _("A4 hoch")
        LANDSCAPE = "landscape", _("A4 quer")

    name = models.CharField(
        _("Bezeichnung"), max_length=200, help_text=_("Nur intern, z. B. „Standardvorlage“.")
    )
    course = models.OneToOneField(
        "courses.CoursePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificate_template",
        verbose_name=_("Kurs"),
        help_text=_("Leer lassen für die allgemeine Vorlage aller Kurse ohne eigene Vorlage."),
    )
    issue_automatically = models.BooleanField(
        _("Bei Abschluss automatisch ausstellen"),
        default=False,
        help_text=_(
            "Sobald eine Person den Kurs abschließt, wird das Zertifikat ohne weiteren "
            "Schritt der Koordination ausgestellt."
        ),
    )
    heading = models.CharField(
        _("Überschrift"), max_length=40, choices=Heading.choices, default=Heading.CERTIFICATE
    )
    body = models.TextField(
        _("Text"),
        default=DEFAULT_BODY,
        validators=[validate_placeholders],
        help_text=_(
            "Ein Absatz pro Zeile. Platzhalter: {name}, {kurs}, {datum}, {ue} "
            "(Unterrichtseinheiten), {nummer}."
        ),
    )
    show_modules = models.BooleanField(_("Abgeschlossene Module mit Stunden zeigen"), default=True)
    show_workshops = models.BooleanField(_("Besuchte Präsenztermine zeigen"), default=True)
    issuer = models.CharField(_("Ausstellende Stelle"), max_length=200, default=DEFAULT_ISSUER)
    place = models.CharField(_("Ort"), max_length=100, default="Hildesheim")
    signatory_name = models.CharField(_("Name der unterzeichnenden Person"), max_length=200)
    signatory_function = models.CharField(_("Funktion"), max_length=200, blank=True)
    signature_image = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Unterschrift (Bild)"),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Logo"),
    )
    accent_colour = models.CharField(
        _("Akzentfarbe"),
        max_length=7,
        default="#2044AA",
        validators=[
            RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("Bitte eine Farbe wie #2044AA angeben."))
        ],
    )
    orientation = models.CharField(
        _("Format"), max_length=20, choices=Orientation.choices, default=Orientation.LANDSCAPE
    )

    objects = CertificateTemplateQuerySet.as_manager()

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("course")]),
        FieldPanel("issue_automatically"),
        MultiFieldPanel(
            [FieldPanel("heading"), FieldPanel("body")],
            heading=_("Text"),
        ),
        MultiFieldPanel(
            [FieldPanel("show_modules"), FieldPanel("show_workshops")],
            heading=_("Nachweise"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("issuer"),
                FieldPanel("place"),
                FieldRowPanel([FieldPanel("signatory_name"), FieldPanel("signatory_function")]),
                FieldPanel("signature_image"),
            ],
            heading=_("Unterschrift"),
        ),
        MultiFieldPanel(
            [FieldPanel("logo"), FieldPanel("accent_colour"), FieldPanel("orientation")],
            heading=_("Gestaltung"),
        ),
    ]

    class Meta:
        verbose_name = _("Zertifikatsvorlage")
        verbose_name_plural = _("Zertifikatsvorlagen")

    def __str__(self) -> str:
        return self.name

    def get_preview_template(self, request, mode_name):  # pragma: no cover - serve_preview
        return ""

    def serve_preview(self, request, mode_name):
        """The real renderer with sample data: what the preview shows is what gets printed."""
        from django.http import HttpResponse

        from .rendering import render_pdf
        from .snapshots import sample_snapshot

        response = HttpResponse(render_pdf(sample_snapshot(self)), content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="Vorschau.pdf"'
        response["Cache-Control"] = "no-store"
        return response


class CertificateNumberCounter(models.Model):
    """Last number handed out per year; the row lock keeps numbers gapless and unique."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Zähler für Zertifikatsnummern")
        verbose_name_plural = _("Zähler für Zertifikatsnummern")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(status__in=Certificate.VALID_STATUSES)

    def held_by(self, user, *, limit: int | None = None) -> list["Certificate"]:
        """A person's own certificates as their lists show them (_certificate_rows.html),
        newest first: the columns those show, and `replacement_number`, the number of the
        certificate that replaced one. One query, in SQL written once from the model's
        metadata: it runs on every dashboard, and compiling the ORM query cost more than
        running it."""
        sql = _held_by_sql(connection.vendor, limited=limit is not None)
        params = [user.pk] if limit is None else [user.pk, limit]
        certificates = []
        for row in fetch_rows(sql, params):
            certificate = instance_from_row(self.model, HELD_BY_FIELDS, row)
            certificate.replacement_number = row[-1]
            certificates.append(certificate)
        return certificates

    def published(self, code: str) -> "Certificate | None":
        """The certificate with this verification code if its PDF exists (not pending), as
        the public verification shows it: `.only("status", "snapshot")`. Plain SQL written
        once: building the ORM query cost several times the indexed lookup itself."""
        rows = fetch_rows(_published_sql(connection.vendor), [code, Certificate.Status.PENDING])
        return instance_from_row(self.model, PUBLISHED_FIELDS, rows[0]) if rows else None

    def visible_to(self, viewer) -> "CertificateQuerySet":
        """Certificates of the people `viewer` may see (User.objects.visible_to decides)."""
        from django.contrib.auth import get_user_model

        if not viewer.is_authenticated:
            return self.none()
        if viewer.is_coordinator:
            # Includes certificates whose holder's account was deleted.
            return self
        return self.filter(user__in=get_user_model().objects.visible_to(viewer))


PUBLISHED_FIELDS = ("id", "status", "snapshot")


@functools.cache
def _published_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    meta = Certificate._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    return (
        f"SELECT {', '.join(column(name) for name in PUBLISHED_FIELDS)}"  # noqa: S608
        f" FROM {quote(meta.db_table)}"
        f" WHERE {column('verification_code')} = %s AND {column('status')} <> %s"
    )


HELD_BY_FIELDS = ("id", "user", "number", "status", "issued_at", "pdf", "snapshot")


@functools.cache
def _held_by_sql(vendor: str, *, limited: bool) -> str:
    quote = connection.ops.quote_name
    meta = Certificate._meta

    def col(name: str, alias: str = "c") -> str:
        return f"{alias}.{quote(meta.get_field(name).column)}"

    # Only table and column names go into the text; the person and the limit are parameters.
    return (
        f"SELECT {', '.join(col(name) for name in HELD_BY_FIELDS)},"  # noqa: S608
        f" r.{quote(meta.get_field('number').column)} AS {quote('replacement_number')}"
        f" FROM {quote(meta.db_table)} c LEFT JOIN {quote(meta.db_table)} r"
        f" ON {col('replaces', 'r')} = {col('id')}"
        f" WHERE {col('user')} = %s"
        f" ORDER BY {col('issued_at')} DESC, {col('id')} DESC" + (" LIMIT %s" if limited else "")
    )


class Certificate(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("wird erstellt")
        ISSUED = "issued", _("ausgestellt")
        REVOKED = "revoked", _("widerrufen")
        REPLACED = "replaced", _("ersetzt")

    VALID_STATUSES = (Status.PENDING, Status.ISSUED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # The certificate outlives the account: the holder's name is in the snapshot.
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("Person"),
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("Kurs"),
    )
    year = models.PositiveSmallIntegerField(_("Jahr"))
    sequence = models.PositiveIntegerField(_("laufende Nummer"))
    number = models.CharField(_("Nummer"), max_length=32, unique=True)
    verification_code = models.CharField(
        _("Prüfcode"), max_length=64, unique=True, default=new_verification_code, editable=False
    )
    snapshot = models.JSONField(_("gedruckte Angaben"), default=dict, editable=False)
    template = models.ForeignKey(
        CertificateTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("Vorlage"),
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    issued_at = models.DateTimeField(_("ausgestellt am"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ausgestellt von"),
    )
    workshop_dates = models.CharField(
        _("Präsenztermine"),
        max_length=500,
        blank=True,
        editable=False,
        help_text=_("ISO-Daten der besuchten Termine, für die Suche nach Termin."),
    )
    pdf = models.FileField(
        _("PDF"), storage=certificate_storage, upload_to=certificate_upload_to, blank=True
    )
    pdf_sha256 = models.CharField(_("Prüfsumme des PDF"), max_length=64, blank=True)
    rendered_at = models.DateTimeField(_("PDF erstellt am"), null=True, blank=True)
    render_attempts = models.PositiveSmallIntegerField(_("Erstellungsversuche"), default=0)
    render_error = models.TextField(_("Fehler beim Erstellen"), blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("ersetzt Zertifikat"),
    )
    reissue_reason = models.TextField(_("Grund der Neuausstellung"), blank=True)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("widerrufen von"),
    )
    revocation_reason = models.TextField(_("Grund des Widerrufs"), blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("Zertifikat")
        verbose_name_plural = _("Zertifikate")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=Q(status__in=["pending", "issued"]),
                name="certificate_one_valid_per_person_and_course",
            ),
            models.UniqueConstraint(fields=["year", "sequence"], name="certificate_number_unique"),
        ]
        indexes = [models.Index(fields=["course", "status"], name="certificate_course_status")]

    def __str__(self) -> str:
        return f"{self.number} – {self.holder_name}"

    def get_absolute_url(self) -> str:
        return reverse("certificate_verify", kwargs={"code": self.verification_code})

    @property
    def holder_name(self) -> str:
        return self.snapshot.get("holder_name", "")

    @property
    def course_title(self) -> str:
        return self.snapshot.get("course_title", "")

    @property
    def verification_url(self) -> str:
        return self.snapshot.get("verification_url", "")

    @property
    def is_valid(self) -> bool:
        return self.status in self.VALID_STATUSES

    @property
    def has_pdf(self) -> bool:
        return bool(self.pdf)

    def download_filename(self) -> str:
        """German, readable and safe: "Zertifikat LC-2026-0042 Jana Özdemir.pdf"."""
        heading = self.snapshot.get("heading") or "Zertifikat"
        name = re.sub(r"[^\w\- ]+", "", self.holder_name, flags=re.UNICODE).strip()[:80]
        return f"{heading} {self.number} {name}".strip() + ".pdf"


class CompletionWithoutCertificateQuerySet(models.QuerySet):
    def awaiting_certificate(self):
        valid_certificate = Certificate.objects.valid().filter(
            user=OuterRef("user"), course=OuterRef("course")
        )
        return (
            self.filter(completed_at__isnull=False)
            .exclude(status=Enrollment.Status.WITHDRAWN)
            .exclude(Exists(valid_certificate))
        )

    def visible_to(self, viewer):
        from django.contrib.auth import get_user_model

        return self.filter(user__in=get_user_model().objects.visible_to(viewer))


class CompletionWithoutCertificate(Enrollment):
    """A completed enrolment seen from the certificate desk (the "eligible" list)."""

    objects = CompletionWithoutCertificateQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("Abschluss ohne Zertifikat")
        verbose_name_plural = _("Abschlüsse ohne Zertifikat")

    def __str__(self) -> str:
        return f"{self.user} – {self.course.title}"
