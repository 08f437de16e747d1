from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, Role
from .validators import validate_person_name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PUBLIC = "public", _("öffentlicher Träger")
        PRIVATE = "private", _("freier Träger")

    name = models.CharField(_("Name"), max_length=200, unique=True)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["-kind", "name"]  # the public provider (Jugendamt) first
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", _("Bezirk (Bezirkssozialarbeit)")
        TEAM = "team", _("Team")
        FACILITY = "facility", _("Einrichtung oder Gruppe")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="teams",
        verbose_name=_("Organisation"),
    )
    name = models.CharField(_("Name"), max_length=200)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.TEAM)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("Team")
        verbose_name_plural = _("Teams")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} – {self.name}"


def check_team_in_organisation(*, organisation, team) -> None:
    """A team can only be chosen together with the organisation it belongs to."""
    if team is not None and (organisation is None or team.organisation_id != organisation.pk):
        raise ValidationError(
            {"team": _("Das Team gehört nicht zur gewählten Organisation.")},
            code="team_outside_organisation",
        )


class UserQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "UserQuerySet":
        """The people whose data `viewer` may see: the single rule for coordinator scope."""
        if not viewer.is_authenticated:
            return self.none()
        if viewer.is_superuser or viewer.has_role(Role.COORDINATOR):
            return self
        if viewer.has_role(Role.PROVIDER_COORDINATOR) and viewer.organisation_id:
            return self.filter(organisation_id=viewer.organisation_id)
        return self.filter(pk=viewer.pk)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    first_name = models.CharField(_("Vorname"), max_length=100, validators=[validate_person_name])
    last_name = models.CharField(_("Nachname"), max_length=100, validators=[validate_person_name])
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("Organisation"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("Team / Bezirk"),
    )
    is_staff = models.BooleanField(
        _("Zugang zur Systemverwaltung"),
        default=False,
        help_text=_("Nur für die technische Betreuung (Django-Verwaltung)."),
    )
    is_active = models.BooleanField(_("aktiv"), default=True)
    date_joined = models.DateTimeField(_("registriert am"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("Person")
        verbose_name_plural = _("Personen")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        # The reports and the people list page through people in name order (docs/indexes.md).
        indexes = [models.Index(fields=["last_name", "first_name"], name="user_name_order")]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)
        check_team_in_organisation(organisation=self.organisation, team=self.team)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    def has_role(self, role: Role) -> bool:
        # Group names are cached per instance: templates and permission checks ask repeatedly.
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return role.value in self._role_names

    @property
    def is_coordinator(self) -> bool:
        return self.is_superuser or self.has_role(Role.COORDINATOR)

    @property
    def is_provider_coordinator(self) -> bool:
        return self.has_role(Role.PROVIDER_COORDINATOR)

    @property
    def is_trainer(self) -> bool:
        return self.has_role(Role.TRAINER)

    @property
    def has_staff_role(self) -> bool:
        return self.is_superuser or any(self.has_role(role) for role in STAFF_ROLES)
