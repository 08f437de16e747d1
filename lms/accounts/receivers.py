"""Session consequences of authentication events (connected in AccountsConfig.ready)."""

from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from allauth.usersessions.internal.flows.sessions import end_other_sessions
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import MFA_CONFIRMED_SESSION_KEY


@receiver([authenticator_added, authenticator_removed, authenticator_reset])
def end_other_sessions_on_mfa_change(sender, request, user, **kwargs) -> None:
    """A changed second factor may mean a lost phone: every other session has to sign in anew."""
    end_other_sessions(request, user)
    request.session.pop(MFA_CONFIRMED_SESSION_KEY, None)


@receiver(user_logged_in)
def forget_mfa_confirmation_on_login(sender, request, user, **kwargs) -> None:
    # A session taken over from another person must not carry over their confirmation.
    if request is not None and hasattr(request, "session"):
        request.session.pop(MFA_CONFIRMED_SESSION_KEY, None)
