from django.core.exceptions import PermissionDenied

from lms.accounts.reauthentication import require_recent_authentication


def is_coordinating(user) -> bool:
    """Koordination (all people), Träger-Koordination (own organisation) and superusers."""
    return user.is_authenticated and (user.is_coordinator or user.is_provider_coordinator)


class CoordinatorRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not is_coordinating(request.user):
            raise PermissionDenied
        if "export" in request.GET:
            # A spreadsheet of many people's data leaves the platform: confirm who asks for it.
            require_recent_authentication(request)
        return super().dispatch(request, *args, **kwargs)
