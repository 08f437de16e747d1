"""Two-factor authentication: who must use it, and what that means for their sessions.

Staff roles (Referent*innen, Koordination, Träger-Koordination) and superusers see personal data
of many people and edit what everybody learns, so a password alone is not enough for them.
Participants may switch it on for themselves.
"""

from allauth.mfa.adapter import DefaultMFAAdapter, get_adapter
from allauth.mfa.models import Authenticator
from django.utils.translation import gettext_lazy as _

# Authenticator types that count as a second factor (recovery codes only back them up).
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def requires_mfa(user) -> bool:
    return user.is_authenticated and user.has_staff_role


def has_second_factor(user) -> bool:
    return get_adapter().is_mfa_enabled(user, types=SECOND_FACTOR_TYPES)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Für Ihre Rolle ist die Zwei-Faktor-Authentifizierung vorgeschrieben. Richten Sie "
            "zuerst ein anderes Verfahren ein, bevor Sie dieses entfernen."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type not in SECOND_FACTOR_TYPES or not requires_mfa(authenticator.user):
            return True
        others = Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=SECOND_FACTOR_TYPES
        ).exclude(pk=authenticator.pk)
        return others.exists()
