import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An e-mailed invitation to sign up, with course and organisation preselected."""

    email = models.EmailField(_("E-Mail-Adresse"))
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="invitations"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Einladung")
        verbose_name_plural = _("Einladungen")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "course",
                condition=models.Q(accepted_at__isnull=True),
                name="invitation_open_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.course}"


class ReminderRule(models.Model):
    """Automatic reminders of a course (Erinnerungen), configured by the coordination."""

    course = models.OneToOneField(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="reminder_rule",
        verbose_name=_("Kurs"),
    )
    not_started_days = models.PositiveSmallIntegerField(
        _("Erinnern, wenn nach so vielen Tagen nicht begonnen"), null=True, blank=True
    )
    stalled_days = models.PositiveSmallIntegerField(
        _("Erinnern, wenn so viele Tage ohne Aktivität"), null=True, blank=True
    )
    copy_to_provider_coordination = models.BooleanField(
        _("Kopie an die Träger-Koordination der Organisation"), default=False
    )

    class Meta:
        verbose_name = _("Erinnerungsregel")
        verbose_name_plural = _("Erinnerungsregeln")

    def __str__(self) -> str:
        return str(self.course)


class ReminderLog(models.Model):
    """Which automatic reminder went to which enrolment: each kind is sent once."""

    class Kind(models.TextChoices):
        NOT_STARTED = "not_started", _("nicht begonnen")
        STALLED = "stalled", _("ohne Aktivität")

    enrollment = models.ForeignKey(
        "courses.Enrollment", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "kind"], name="reminder_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} ({self.get_kind_display()})"
