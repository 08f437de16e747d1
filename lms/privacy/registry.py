"""Every model that holds personal data: why, how long, and what account deletion does with it.

The registry is the single source for the data export ("Meine Daten"), account deletion, and the
table on the Datenschutz page. A test fails when a model links to the user model without an entry
here, the way Moodle's privacy API makes every plugin declare its personal data.

Each entry names:
- `subject`: the lookup from the model to the person the rows are *about* (exported in full,
  handled per `on_delete` when that person deletes the account), or "" when rows are never about a
  person;
- `actor_fields`: links recording who *did* something to someone else's record (enrolled, issued,
  recorded attendance, uploaded). Those rows belong to other people: the export only counts them
  and deletion clears the link;
- `email_field`: a field that names the person by address instead of a link (invitations);
- `content_match`: rows that carry the address inside free text or JSON (queued e-mails, audit log
  labels), found by text search on deletion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Handling(models.TextChoices):
    DELETE = "delete", _("wird gelöscht")
    ANONYMISE = "anonymise", _("wird anonymisiert")
    KEEP_REGISTER = "keep_register", _("bleibt als Zertifikatsregister (ohne Kontobezug)")
    UNLINK = "unlink", _("Bezug zur Person wird entfernt")


@dataclass(frozen=True)
class PersonalData:
    model: str
    purpose: str | Promise
    retention: str | Promise
    on_delete: Handling
    subject: str = ""
    actor_fields: tuple[str, ...] = ()
    email_field: str = ""
    content_match: tuple[str, ...] = ()
    exclude_from_export: tuple[str, ...] = ()
    # Shown on the Datenschutz page; technical entries (Wagtail internals) stay in the register.
    public: bool = True
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def label(self) -> str:
        return str(self.model_class._meta.verbose_name_plural)


UNTIL_ACCOUNT_DELETED = _("bis zur Löschung des Kontos")

REGISTRY: tuple[PersonalData, ...] = (
    # --- Konto ------------------------------------------------------------------------------
    PersonalData(
        model="accounts.User",
        subject="pk",
        purpose=_(
            "Konto für die Anmeldung; Name für Zertifikate; Organisation und Team, damit die "
            "zuständige Koordination Teilnahme und Fortschritt sieht."
        ),
        retention=_(
            "bis zur Löschung des Kontos; nicht bestätigte Registrierungen werden nach "
            "%(days)s Tagen gelöscht."
        ),
        on_delete=Handling.DELETE,
        exclude_from_export=("password",),
        extra={"retention_setting": "PRIVACY_UNVERIFIED_ACCOUNT_DAYS"},
    ),
    PersonalData(
        model="account.EmailAddress",
        subject="user",
        purpose=_("Bestätigte E-Mail-Adresse für Anmeldung und Benachrichtigungen."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
    ),
    PersonalData(
        model="mfa.Authenticator",
        subject="user",
        purpose=_(
            "Zweiter Faktor für die Anmeldung (Authenticator-App, Wiederherstellungscodes); für "
            "Referent*innen und Koordination vorgeschrieben, für Teilnehmende freiwillig."
        ),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
        # The secret and the recovery codes never leave the platform, not even to their owner.
        exclude_from_export=("data",),
    ),
    PersonalData(
        model="usersessions.UserSession",
        subject="user",
        purpose=_(
            "Angemeldete Geräte: IP-Adresse, Browser und Zeitpunkt jeder Anmeldung, damit Sie "
            "fremde Sitzungen erkennen und beenden können."
        ),
        retention=_("bis zum Ende der Sitzung (Abmeldung oder Ablauf nach 14 Tagen)"),
        on_delete=Handling.DELETE,
        exclude_from_export=("session_key",),
    ),
    PersonalData(
        model="socialaccount.SocialAccount",
        subject="user",
        purpose=_(
            "Verknüpfung mit dem Dienstkonto Ihrer Behörde (Single Sign-on): Kennung und die "
            "übermittelten Angaben (Name, E-Mail-Adresse)."
        ),
        retention=_("bis zur Trennung der Verbindung oder zur Löschung des Kontos"),
        on_delete=Handling.DELETE,
    ),
    PersonalData(
        model="socialaccount.SocialToken",
        subject="account__user",
        purpose=_("Zugangstoken des Dienstkontos (werden nicht gespeichert)."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
        exclude_from_export=("token", "token_secret"),
        public=False,
    ),
    PersonalData(
        model="account.EmailConfirmation",
        subject="email_address__user",
        purpose=_("Bestätigungslink für eine neue E-Mail-Adresse."),
        retention=_("bis zur Bestätigung, höchstens bis zur Löschung des Kontos"),
        on_delete=Handling.DELETE,
        exclude_from_export=("key",),
        public=False,
    ),
    PersonalData(
        model="wagtailusers.UserProfile",
        subject="user",
        purpose=_("Einstellungen der Verwaltungsoberfläche (Sprache, Darstellung, Profilbild)."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
        public=False,
    ),
    # --- Lernen -----------------------------------------------------------------------------
    PersonalData(
        model="courses.Enrollment",
        subject="user",
        actor_fields=("enrolled_by",),
        purpose=_("Einschreibung in Kurse, Status und Abschluss; Grundlage für Zertifikate."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
    ),
    PersonalData(
        model="courses.LessonCompletion",
        subject="user",
        purpose=_("Erledigte Lerneinheiten für den Lernfortschritt."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
    ),
    PersonalData(
        model="courses.QuizAttempt",
        subject="user",
        purpose=_("Antworten und Ergebnisse in Wissenschecks."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
    ),
    PersonalData(
        model="courses.ReflectionAnswer",
        subject="user",
        purpose=_("Private Notizen zu Reflexionsfragen; nur die Person selbst sieht sie."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
    ),
    PersonalData(
        model="courses.ReminderLog",
        subject="enrollment__user",
        purpose=_("Welche automatische Erinnerung verschickt wurde, damit keine doppelt kommt."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
    ),
    PersonalData(
        model="courses.Invitation",
        email_field="email",
        actor_fields=("invited_by",),
        purpose=_("Einladung zur Registrierung mit vorausgewähltem Kurs."),
        retention=_(
            "angenommene und nicht angenommene Einladungen werden nach %(days)s Tagen gelöscht"
        ),
        on_delete=Handling.DELETE,
        exclude_from_export=("token",),
        extra={"retention_setting": "PRIVACY_INVITATION_DAYS"},
    ),
    # --- Präsenztermine ---------------------------------------------------------------------
    PersonalData(
        model="courses.WorkshopDate",
        actor_fields=("trainers",),
        purpose=_("Referent*innen eines Präsenztermins."),
        retention=_("solange der Termin besteht"),
        on_delete=Handling.UNLINK,
    ),
    PersonalData(
        model="courses.WorkshopRegistration",
        subject="user",
        actor_fields=("attendance_recorded_by",),
        purpose=_("Anmeldung, Warteliste und Anwesenheit bei Präsenzterminen."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
    ),
    PersonalData(
        model="courses.AttendanceChange",
        subject="registration__user",
        actor_fields=("changed_by",),
        purpose=_("Nachvollziehbarkeit von Änderungen an der Anwesenheit."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
    ),
    PersonalData(
        model="courses.CalendarFeed",
        subject="user",
        purpose=_("Geheime Adresse für das persönliche Kalender-Abo."),
        retention=_("bis zum Widerruf des Abos oder zur Löschung des Kontos"),
        on_delete=Handling.DELETE,
        exclude_from_export=("token",),
    ),
    # --- Zertifikate ------------------------------------------------------------------------
    PersonalData(
        model="certificates.Certificate",
        subject="user",
        actor_fields=("issued_by", "revoked_by"),
        purpose=_(
            "Nachweis der Fortbildung; die Prüfadresse bestätigt Dritten die Echtheit "
            "(Name, Kurs, Datum, Nummer, Status)."
        ),
        retention=_(
            "dauerhaft als Zertifikatsregister, damit ausgestellte Zertifikate prüfbar bleiben; "
            "nach Löschung des Kontos ohne Bezug zum Konto"
        ),
        on_delete=Handling.KEEP_REGISTER,
        exclude_from_export=("pdf", "pdf_sha256", "render_error", "render_attempts"),
    ),
    # --- Verwaltung (Wagtail, Django) -------------------------------------------------------
    PersonalData(
        model="wagtailcore.Page",
        actor_fields=("owner", "locked_by"),
        purpose=_("Wer eine Seite angelegt oder gesperrt hat."),
        retention=_("solange die Seite besteht"),
        on_delete=Handling.UNLINK,
        public=False,
    ),
    PersonalData(
        model="wagtailcore.Revision",
        actor_fields=("user",),
        purpose=_("Wer eine Fassung einer Seite oder Vorlage gespeichert hat."),
        retention=_("solange die Fassung besteht"),
        on_delete=Handling.UNLINK,
        public=False,
    ),
    PersonalData(
        model="wagtailcore.PageLogEntry",
        actor_fields=("user",),
        content_match=("label", "data"),
        purpose=_("Protokoll der Änderungen an Seiten (wer hat was geändert)."),
        retention=_("dauerhaft; nach Löschung eines Kontos ohne Namen und E-Mail-Adresse"),
        on_delete=Handling.ANONYMISE,
        public=False,
    ),
    PersonalData(
        model="wagtailcore.ModelLogEntry",
        actor_fields=("user",),
        content_match=("label", "data"),
        purpose=_("Protokoll der Verwaltung (wer hat wen oder was geändert)."),
        retention=_("dauerhaft; nach Löschung eines Kontos ohne Namen und E-Mail-Adresse"),
        on_delete=Handling.ANONYMISE,
    ),
    PersonalData(
        model="wagtailcore.WorkflowState",
        actor_fields=("requested_by",),
        purpose=_("Freigabe-Workflows der Verwaltung."),
        retention=_("solange der Workflow besteht"),
        on_delete=Handling.UNLINK,
        public=False,
    ),
    PersonalData(
        model="wagtailcore.TaskState",
        actor_fields=("finished_by",),
        purpose=_("Schritte in Freigabe-Workflows."),
        retention=_("solange der Workflow besteht"),
        on_delete=Handling.UNLINK,
        public=False,
    ),
    PersonalData(
        model="wagtailcore.Comment",
        subject="user",
        actor_fields=("resolved_by",),
        purpose=_("Kommentare in der Seitenbearbeitung."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
        public=False,
    ),
    PersonalData(
        model="wagtailcore.CommentReply",
        subject="user",
        purpose=_("Antworten auf Kommentare in der Seitenbearbeitung."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
        public=False,
    ),
    PersonalData(
        model="wagtailcore.PageSubscription",
        subject="user",
        purpose=_("Benachrichtigung über Kommentare zu einer Seite."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
        public=False,
    ),
    PersonalData(
        model="wagtailcore.UploadedFile",
        subject="uploaded_by_user",
        purpose=_("Zwischengespeicherte Uploads der Verwaltung."),
        retention=_("bis zur Verarbeitung des Uploads"),
        on_delete=Handling.DELETE,
        public=False,
    ),
    PersonalData(
        model="wagtailcore.APIToken",
        subject="user",
        purpose=_("Zugangsschlüssel der Verwaltung."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
        exclude_from_export=("key_hash", "prefix"),
        public=False,
    ),
    PersonalData(
        model="wagtailadmin.EditingSession",
        subject="user",
        purpose=_("Hinweis, wer eine Seite gerade bearbeitet."),
        retention=_("wenige Minuten"),
        on_delete=Handling.DELETE,
        public=False,
    ),
    PersonalData(
        model="wagtailadmin.FormState",
        subject="user",
        purpose=_("Gespeicherter Zustand von Formularen der Verwaltung."),
        retention=UNTIL_ACCOUNT_DELETED,
        on_delete=Handling.DELETE,
        public=False,
    ),
    PersonalData(
        model="wagtaildocs.Document",
        actor_fields=("uploaded_by_user",),
        purpose=_("Wer ein Dokument hochgeladen hat."),
        retention=_("solange das Dokument besteht"),
        on_delete=Handling.UNLINK,
        public=False,
    ),
    PersonalData(
        model="wagtailimages.Image",
        actor_fields=("uploaded_by_user",),
        purpose=_("Wer ein Bild hochgeladen hat."),
        retention=_("solange das Bild besteht"),
        on_delete=Handling.UNLINK,
        public=False,
    ),
    PersonalData(
        model="admin.LogEntry",
        subject="user",
        content_match=("object_repr", "change_message"),
        purpose=_("Protokoll der technischen Systemverwaltung."),
        retention=_("dauerhaft; nach Löschung eines Kontos ohne Namen und E-Mail-Adresse"),
        on_delete=Handling.DELETE,
        public=False,
    ),
    PersonalData(
        model="django_tasks_database.DBTaskResult",
        content_match=("args_kwargs", "return_value"),
        purpose=_("Warteschlange für E-Mails und Hintergrundaufgaben."),
        retention=_("erledigte Aufgaben werden nach %(days)s Tagen gelöscht"),
        on_delete=Handling.DELETE,
        public=False,
        extra={"retention_setting": "PRIVACY_TASK_RESULT_DAYS"},
    ),
)


def get_registry() -> tuple[PersonalData, ...]:
    return REGISTRY


def entry_for(model: type[models.Model]) -> PersonalData | None:
    label = model._meta.concrete_model._meta.label
    return next((entry for entry in REGISTRY if entry.model == label), None)


def retention_text(entry: PersonalData) -> str:
    from django.conf import settings

    setting = entry.extra.get("retention_setting")
    if not setting:
        return str(entry.retention)
    return str(entry.retention) % {"days": getattr(settings, setting)}


def user_links(model: type[models.Model]) -> list[str]:
    """Names of the fields on `model` itself that link to the user model."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    fields = [*model._meta.local_fields, *model._meta.local_many_to_many]
    return [f.name for f in fields if f.is_relation and f.related_model is user_model]


def models_linking_to_user() -> dict[str, list[str]]:
    """Every installed concrete model with a ForeignKey, OneToOne or ManyToMany to the user."""
    found = {}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        links = user_links(model)
        if links:
            found[model._meta.label] = links
    return found
