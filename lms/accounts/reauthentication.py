"""Sensitive actions ask for the password (or a second factor) again: one rule, one place."""

import time

from allauth.account.decorators import reauthentication_required

# allauth's public decorator, applied to a view that does nothing: calling it performs the check.
_check_recent_authentication = reauthentication_required(lambda request: None)


def require_recent_authentication(request) -> None:
    """Raise allauth's ReauthenticationRequired unless the person signed in a moment ago.

    allauth's AccountMiddleware turns the exception into a redirect to the confirmation page,
    which returns to the same URL afterwards, so nothing the person asked for is lost.
    """
    _check_recent_authentication(request)


# How old the record of a sign-in may be to count as a confirmation (password, then code).
FRESH_SIGN_IN_SECONDS = 120


def count_sign_in_as_confirmation(request) -> None:
    """Whoever just typed their password (and code) to sign in is not asked for it again.

    allauth counts only an explicit confirmation ("reauthenticated") as recent; a new
    coordinator would otherwise be asked for the password right after signing in, on the way
    to the required set-up of the second factor. The sign-in records stay allauth's own.
    """
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY)
    if not isinstance(records, list):
        return
    now = time.time()
    for record in records:
        if (
            record.get("method") in {"password", "mfa"}
            and now - record["at"] < FRESH_SIGN_IN_SECONDS
        ):
            record["reauthenticated"] = True
    request.session.modified = True
