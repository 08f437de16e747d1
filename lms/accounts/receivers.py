"""Session consequences of authentication events (connected in AccountsConfig.ready)."""

from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import MFA_CONFIRMED_SESSION_KEY


@receiver([authenticator_added, authenticator_removed, authenticator_reset])
def end_other_sessions_on_mfa_change(sender, request, user, **kwargs) -> None:
    """A changed second factor may mean a lost phone: every other session has to sign in anew."""
    others = UserSession.objects.filter(user_id=user.pk).exclude(
        session_key=request.session.session_key
    )
    get_usersessions_adapter().end_sessions(others)
    request.session.pop(MFA_CONFIRMED_SESSION_KEY, None)


@receiver(user_logged_in)
def forget_mfa_confirmation_on_login(sender, request, user, **kwargs) -> None:
    # A session taken over from another person must not carry over their confirmation.
    if request is not None and hasattr(request, "session"):
        request.session.pop(MFA_CONFIRMED_SESSION_KEY, None)
