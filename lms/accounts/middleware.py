import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from .backends import REPLACED_BACKENDS
from .mfa import has_second_factor, requires_mfa

MFA_CONFIRMED_SESSION_KEY = "lms.mfa_confirmed"
LAST_ACTIVITY_SESSION_KEY = "lms.last_activity"
# The activity stamp is written at most once a minute, so not every request saves the session.
ACTIVITY_RESOLUTION_SECONDS = 60


class SessionBackendMiddleware:
    """Keeps sessions signed in across the switch to lms.accounts.backends: a session naming a
    replaced backend is moved to its successor before AuthenticationMiddleware reads it (once
    per session; otherwise a form sent with such a session would end at the login page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            replacement = REPLACED_BACKENDS.get(session.get(BACKEND_SESSION_KEY))
            if replacement:
                session[BACKEND_SESSION_KEY] = replacement
        return self.get_response(request)


class StaffSecurityMiddleware:
    """Sessions of staff roles: a second factor is required, and idle sessions end.

    Participants and anonymous visitors pass straight through (no query, no session write).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def setup_paths(self) -> tuple[str, ...]:
        """Where a staff member without a second factor may still go: set it up, or leave."""
        return (
            reverse("mfa_index"),
            reverse("account_logout"),
            reverse("account_reauthenticate"),
            reverse("set_language"),
            reverse("healthz"),
        )

    def __call__(self, request):
        user = request.user
        if not requires_mfa(user):
            return self.get_response(request)
        if self._idle_too_long(request):
            logout(request)
            minutes = settings.STAFF_IDLE_TIMEOUT // 60
            messages.info(
                request,
                _(
                    "Sie wurden nach %(minutes)s Minuten ohne Aktivität abgemeldet. "
                    "Bitte melden Sie sich erneut an."
                )
                % {"minutes": minutes},
            )
            return redirect_to_login(request.get_full_path())
        if not request.session.get(MFA_CONFIRMED_SESSION_KEY):
            if has_second_factor(user):
                request.session[MFA_CONFIRMED_SESSION_KEY] = True
            elif not request.path_info.startswith(self.setup_paths):
                messages.warning(
                    request,
                    _(
                        "Für Ihre Rolle ist die Zwei-Faktor-Authentifizierung vorgeschrieben. "
                        "Bitte richten Sie sie jetzt mit einer Authenticator-App ein."
                    ),
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _idle_too_long(self, request) -> bool:
        now = time.time()
        last_activity = request.session.get(LAST_ACTIVITY_SESSION_KEY)
        if last_activity is not None and now - last_activity > settings.STAFF_IDLE_TIMEOUT:
            return True
        # The admin's editor pings while a tab is open: that is not the person being active.
        is_background_ping = "/editing-sessions/" in request.path_info
        if not is_background_ping and (
            last_activity is None or now - last_activity > ACTIVITY_RESOLUTION_SECONDS
        ):
            request.session[LAST_ACTIVITY_SESSION_KEY] = now
        return False
