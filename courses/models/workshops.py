"""Workshop dates (Präsenztermine), registrations, attendance and personal calendar feeds.

State changes go through `courses.workshops.services`; these models hold data and the rules the
database can enforce (one registration per person and date, attendance only for registered
people, an end after the start, at least one place).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkshopDateQuerySet(models.QuerySet):
    def scheduled(self):
        return self.filter(status=WorkshopDate.Status.SCHEDULED)

    def upcoming(self):
        """Dates that have not ended yet and are not cancelled."""
        return self.scheduled().filter(ends_at__gt=timezone.now())

    def led_by(self, user):
        return self.filter(trainers=user)

    def with_counts(self):
        registrations = "registrations__status"
        return self.annotate(
            registered_count=models.Count(
                "registrations",
                filter=Q(**{registrations: WorkshopRegistration.Status.REGISTERED}),
                distinct=True,
            ),
            waitlist_count=models.Count(
                "registrations",
                filter=Q(**{registrations: WorkshopRegistration.Status.WAITLISTED}),
                distinct=True,
            ),
        )

    def with_status_of(self, user):
        """Annotate `my_status` (the person's registration status, or None)."""
        if not user.is_authenticated:
            return self.annotate(my_status=models.Value(None, output_field=models.CharField()))
        mine = WorkshopRegistration.objects.filter(date=models.OuterRef("pk"), user=user)
        return self.annotate(my_status=models.Subquery(mine.values("status")[:1]))


class WorkshopDate(models.Model):
    """A Präsenztermin of a course: for one module, or for the whole course (kick-off, closing).

    Several dates may serve the same module (alternatives and make-up dates); attending any one
    of them fulfils the module's workshop requirement.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("geplant")
        CANCELLED = "cancelled", _("abgesagt")

    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="workshop_dates",
        verbose_name=_("Kurs"),
    )
    module = models.ForeignKey(
        "courses.ModulePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_dates",
        verbose_name=_("Modul"),
        help_text=_("Leer lassen für Termine des ganzen Kurses (Auftakt, Abschluss)."),
    )
    title = models.CharField(_("Titel"), max_length=200)
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    location = models.CharField(
        _("Adresse"),
        max_length=300,
        blank=True,
        help_text=_("Zum Beispiel: Jugendamt, Bischof-Janssen-Straße 31, 31134 Hildesheim"),
    )
    room = models.CharField(_("Raum"), max_length=100, blank=True)
    online_url = models.URLField(
        _("Online-Link"),
        blank=True,
        help_text=_("Für Online-Termine; nur angemeldete Personen sehen den Link."),
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="workshop_dates_led",
        verbose_name=_("Referent*innen"),
    )
    capacity = models.PositiveSmallIntegerField(
        _("Plätze"), default=20, validators=[MinValueValidator(1)]
    )
    registration_deadline = models.DateTimeField(
        _("Anmeldeschluss"), null=True, blank=True, help_text=_("Leer: bis zum Beginn.")
    )
    cancellation_deadline = models.DateTimeField(
        _("Abmeldeschluss"),
        null=True,
        blank=True,
        help_text=_("Bis dahin können sich Teilnehmende selbst abmelden. Leer: bis zum Beginn."),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("Erinnerung (Tage vorher)"),
        default=3,
        help_text=_("So viele Tage vor Beginn erhalten Angemeldete eine Erinnerung; 0: keine."),
    )
    notes = models.TextField(
        _("Hinweise für Teilnehmende"),
        blank=True,
        help_text=_("Zum Beispiel Anfahrt, Verpflegung, was mitzubringen ist."),
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    cancelled_at = models.DateTimeField(_("abgesagt am"), null=True, blank=True)
    cancellation_reason = models.TextField(_("Grund der Absage"), blank=True)
    # iCalendar identity: the UID stays, SEQUENCE grows with every change people are told about.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkshopDateQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("Präsenztermin")
        verbose_name_plural = _("Präsenztermine")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="workshopdate_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="workshopdate_capacity_min"),
        ]
        indexes = [
            models.Index(fields=["course", "starts_at"], name="workshopdate_course_start"),
            models.Index(fields=["module", "starts_at"], name="workshopdate_module_start"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.title} ({local:%d.%m.%Y %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("workshop_date", kwargs={"date_id": self.pk})

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("Das Ende muss nach dem Beginn liegen.")
        for field in ("registration_deadline", "cancellation_deadline"):
            deadline = getattr(self, field)
            if deadline and self.starts_at and deadline > self.starts_at:
                errors[field] = _("Die Frist muss vor dem Beginn des Termins liegen.")
        if not (self.location or self.online_url):
            errors["location"] = _("Bitte geben Sie eine Adresse oder einen Online-Link an.")
        if self.module_id and self.course_id:
            module = self.module
            if (
                not module.path.startswith(self.course.path)
                or module.depth != self.course.depth + 1
            ):
                errors["module"] = _("Das Modul gehört nicht zu diesem Kurs.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_online(self) -> bool:
        return bool(self.online_url) and not self.location

    @property
    def place(self) -> str:
        """One line for lists, e-mails, calendars and certificates."""
        parts = [part for part in (self.room, self.location) if part]
        if not parts:
            return str(_("Online")) if self.online_url else ""
        return ", ".join(parts)

    @property
    def registration_closes_at(self):
        return self.registration_deadline or self.starts_at

    @property
    def cancellation_closes_at(self):
        return self.cancellation_deadline or self.starts_at

    def has_started(self, now=None) -> bool:
        return self.starts_at <= (now or timezone.now())

    def is_over(self, now=None) -> bool:
        return self.ends_at <= (now or timezone.now())

    def registration_open(self, now=None) -> bool:
        now = now or timezone.now()
        return not self.is_cancelled and now < self.registration_closes_at and now < self.starts_at

    def is_led_by(self, user) -> bool:
        """Uses prefetched trainers when present, so lists stay at a fixed number of queries."""
        if not user.is_authenticated:
            return False
        return any(trainer.pk == user.pk for trainer in self.trainers.all())


class WorkshopRegistration(models.Model):
    """A person's place (or waiting-list position) at a date, and their attendance."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("angemeldet")
        WAITLISTED = "waitlisted", _("Warteliste")
        CANCELLED = "cancelled", _("abgemeldet")

    class Attendance(models.TextChoices):
        PRESENT = "present", _("anwesend")
        EXCUSED = "excused", _("entschuldigt")
        ABSENT = "absent", _("abwesend")

    date = models.ForeignKey(
        WorkshopDate,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("Präsenztermin"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="workshop_registrations",
        verbose_name=_("Person"),
    )
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices)
    # Waiting-list order: set whenever the person (re-)joins; ties broken by id.
    queued_at = models.DateTimeField(_("angemeldet am"), default=timezone.now)
    promoted_at = models.DateTimeField(_("nachgerückt am"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("abgemeldet am"), null=True, blank=True)
    walk_in = models.BooleanField(
        _("vor Ort nachgetragen"),
        default=False,
        help_text=_("Ohne vorherige Anmeldung erschienen und von der Referent*in eingetragen."),
    )
    # Grows whenever the person's own calendar entry changes (cancel, re-register); together
    # with the date's sequence it gives a SEQUENCE that never goes down.
    revision = models.PositiveIntegerField(default=0)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(
        _("Teilnahme"), max_length=20, choices=Attendance.choices, blank=True
    )
    attendance_note = models.CharField(_("Notiz"), max_length=300, blank=True)
    attendance_recorded_at = models.DateTimeField(_("erfasst am"), null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erfasst von"),
    )

    class Meta:
        verbose_name = _("Anmeldung zum Präsenztermin")
        verbose_name_plural = _("Anmeldungen zu Präsenzterminen")
        constraints = [
            models.UniqueConstraint(fields=["date", "user"], name="workshopregistration_unique"),
            models.CheckConstraint(
                condition=Q(attendance="") | Q(status="registered"),
                name="workshopregistration_attendance_needs_place",
            ),
        ]
        indexes = [
            models.Index(
                fields=["date", "status", "queued_at"], name="workshopreg_date_status_queue"
            ),
            models.Index(fields=["user", "status"], name="workshopreg_user_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.date} ({self.get_status_display()})"

    @property
    def ical_sequence(self) -> int:
        return self.date.sequence + self.revision


class AttendanceChange(models.Model):
    """History of attendance: who recorded or changed what, and when."""

    registration = models.ForeignKey(
        WorkshopRegistration,
        on_delete=models.CASCADE,
        related_name="attendance_changes",
        verbose_name=_("Anmeldung"),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("geändert von"),
    )
    changed_at = models.DateTimeField(_("geändert am"), default=timezone.now)
    attendance_before = models.CharField(
        _("vorher"), max_length=20, choices=WorkshopRegistration.Attendance.choices, blank=True
    )
    attendance_after = models.CharField(
        _("nachher"), max_length=20, choices=WorkshopRegistration.Attendance.choices, blank=True
    )
    note_before = models.CharField(_("Notiz vorher"), max_length=300, blank=True)
    note_after = models.CharField(_("Notiz nachher"), max_length=300, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("Änderung der Teilnahme")
        verbose_name_plural = _("Änderungen der Teilnahme")

    def __str__(self) -> str:
        return f"{self.registration}: {self.attendance_before} → {self.attendance_after}"


class CalendarFeed(models.Model):
    """A person's secret calendar subscription address; a new token revokes the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("Person"),
    )
    token = models.CharField(_("Schlüssel"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)

    class Meta:
        verbose_name = _("Kalender-Abo")
        verbose_name_plural = _("Kalender-Abos")

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        return reverse("workshop_calendar_feed", kwargs={"token": self.token})
