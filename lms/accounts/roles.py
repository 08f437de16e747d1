"""The four roles of the platform, kept as Django groups (created by a data migration)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PARTICIPANT = "Teilnehmende", _("Teilnehmende")
    TRAINER = "Referent*innen", _("Referent*innen")
    COORDINATOR = "Koordination", _("Koordination")
    PROVIDER_COORDINATOR = "Träger-Koordination", _("Träger-Koordination")


STAFF_ROLES = (Role.TRAINER, Role.COORDINATOR, Role.PROVIDER_COORDINATOR)
