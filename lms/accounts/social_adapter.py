"""Single sign-on (allauth.socialaccount): claims to profile, sign-up policy, the trust rule.

The rule: an SSO sign-in is connected to an existing local account only when the provider's app
is marked trusted (settings["trusted"], see lms/settings/sso.py). Then allauth's e-mail
authentication logs into the account with the same address and connects it. Otherwise the
provider's e-mail addresses count as unverified, and a sign-in whose address belongs to an
existing account is stopped with a page that explains how to connect the account oneself.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import services
from .models import User
from .validators import validate_person_name

if TYPE_CHECKING:
    from allauth.socialaccount.models import SocialLogin
    from allauth.socialaccount.providers.base import Provider

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = User._meta.get_field("first_name").max_length


def is_trusted(provider: Provider) -> bool:
    app = getattr(provider, "app", None)
    return bool(app is not None and app.settings.get("trusted"))


def clean_person_name(value: str | None) -> str:
    """The name from the provider if the project's name rules accept it, else "" (to type in)."""
    value = (value or "").strip()
    if not value or len(value) > NAME_MAX_LENGTH:
        return ""
    try:
        validate_person_name(value)
    except ValidationError:
        return ""
    return value


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    error_messages = {
        "email_taken": _(
            "Für diese E-Mail-Adresse gibt es bereits ein Konto. Bitte melden Sie sich zuerst "
            "damit an und verbinden Sie danach die Anmeldung über %s."
        ),
        "invalid_token": _("Die Anmeldedaten des Dienstkontos sind ungültig."),
        "no_password": _(
            "Ihr Konto hat noch kein Passwort. Bitte legen Sie zuerst ein Passwort fest, "
            "sonst könnten Sie sich nicht mehr anmelden."
        ),
        "no_verified_email": _(
            "Ihr Konto hat keine bestätigte E-Mail-Adresse. Bitte bestätigen Sie zuerst eine "
            "E-Mail-Adresse, sonst könnten Sie Ihr Passwort nicht zurücksetzen."
        ),
        "disconnect_last": _("Sie können die letzte Anmeldemöglichkeit nicht entfernen."),
        "connected_other": _("Dieses Dienstkonto ist bereits mit einem anderen Konto verbunden."),
    }

    # --- trust -----------------------------------------------------------------------------

    def is_email_verified(self, provider: Provider, email: str) -> bool:
        return is_trusted(provider)

    def can_authenticate_by_email(self, login: SocialLogin, email: str) -> bool:
        return is_trusted(login.provider)

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        user.first_name = clean_person_name(user.first_name)
        user.last_name = clean_person_name(user.last_name)
        if not is_trusted(sociallogin.provider):
            # The provider's own "email_verified" claim is not taken on trust either.
            for address in sociallogin.email_addresses:
                address.verified = False
        return user

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Stop a sign-in that would otherwise create a second account for a known address."""
        if sociallogin.is_existing or sociallogin.state.get("process") == AuthProcess.CONNECT:
            return
        email = self._address_of_existing_account(sociallogin)
        if email:
            logger.info("SSO sign-in refused: address belongs to an unconnected account")
            raise ImmediateHttpResponse(
                render(
                    request,
                    "socialaccount/account_exists.html",
                    {"email": email, "provider": sociallogin.provider},
                )
            )

    @staticmethod
    def _address_of_existing_account(sociallogin: SocialLogin) -> str | None:
        addresses = [address.email for address in sociallogin.email_addresses]
        if sociallogin.user is not None and sociallogin.user.email:
            addresses.append(sociallogin.user.email)
        for email in addresses:
            if (
                EmailAddress.objects.filter(email__iexact=email).exists()
                or User.objects.filter(email__iexact=email).exists()
            ):
                return email
        return None

    # --- sign-up ---------------------------------------------------------------------------

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        app = sociallogin.provider.app
        allowed = app is None or app.settings.get("allow_signup", True)
        return bool(allowed) and super().is_open_for_signup(request, sociallogin)

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None) -> User:
        """A new participant, like a local sign-up (AccountAdapter stores the form's profile)."""
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            if form is None:  # auto sign-up: no profile form ran, so no role yet
                services.register_account(user=user)
        return user

    # --- errors ----------------------------------------------------------------------------

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        logger.warning(
            "SSO sign-in failed: provider=%s error=%s exception=%r",
            getattr(provider, "sub_id", provider),
            error,
            exception,
        )
        super().on_authentication_error(request, provider, error, exception, extra_context)
