"""Sensitive actions ask for the password (or a second factor) again: one rule, one place."""

from allauth.account.decorators import reauthentication_required

# allauth's public decorator, applied to a view that does nothing: calling it performs the check.
_check_recent_authentication = reauthentication_required(lambda request: None)


def require_recent_authentication(request) -> None:
    """Raise allauth's ReauthenticationRequired unless the person signed in a moment ago.

    allauth's AccountMiddleware turns the exception into a redirect to the confirmation page,
    which returns to the same URL afterwards, so nothing the person asked for is lost.
    """
    _check_recent_authentication(request)
