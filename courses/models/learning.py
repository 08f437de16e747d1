from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EnrollmentQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status=Enrollment.Status.WITHDRAWN)

    def visible_to(self, viewer):
        """Enrolments of the people `viewer` may see (User.objects.visible_to decides)."""
        from django.contrib.auth import get_user_model

        return self.filter(user__in=get_user_model().objects.visible_to(viewer).values("pk"))


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("aktiv")
        COMPLETED = "completed", _("abgeschlossen")
        WITHDRAWN = "withdrawn", _("abgebrochen")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("Person"),
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("Kurs"),
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    enrolled_at = models.DateTimeField(_("eingeschrieben am"), default=timezone.now)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eingeschrieben von"),
    )
    withdrawn_at = models.DateTimeField(_("abgemeldet am"), null=True, blank=True)
    completed_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("letzte Aktivität"), null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Einschreibung")
        verbose_name_plural = _("Einschreibungen")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="enrollment_unique"),
        ]
        indexes = [
            models.Index(fields=["course", "status"], name="enrollment_course_status"),
            # "Ohne Zertifikat" (the certificate desk) lists completions newest first: an index
            # over the completed enrolments only, instead of scanning and sorting all of them
            # (EXPLAIN at 50,000 participants in docs/indexes.md).
            models.Index(
                fields=["completed_at"],
                condition=models.Q(completed_at__isnull=False),
                name="enrollment_completed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.course}"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.WITHDRAWN


class LessonCompletion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_completions"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="completions"
    )
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("erledigte Lerneinheit")
        verbose_name_plural = _("erledigte Lerneinheiten")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lesson_completion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.lesson}"


class QuizAttempt(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    block_id = models.CharField(max_length=64)
    score = models.PositiveSmallIntegerField(_("Ergebnis in Prozent"))
    passed = models.BooleanField(_("bestanden"))
    answers = models.JSONField(_("Antworten"), default=dict)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Versuch im Wissenscheck")
        verbose_name_plural = _("Versuche im Wissenscheck")
        indexes = [models.Index(fields=["user", "lesson"], name="quizattempt_user_lesson")]

    def __str__(self) -> str:
        return f"{self.user} – {self.lesson} ({self.score} %)"


class ReflectionAnswer(models.Model):
    """A learner's private answer to a reflection question; nobody else ever sees it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflection_answers"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="reflection_answers"
    )
    block_id = models.CharField(max_length=64)
    text = models.TextField(_("Ihre Antwort"), max_length=10000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Antwort auf Reflexionsfrage")
        verbose_name_plural = _("Antworten auf Reflexionsfragen")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson", "block_id"], name="reflection_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.lesson}"
