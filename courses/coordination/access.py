from django.core.exceptions import PermissionDenied


def is_coordinating(user) -> bool:
    """Koordination (all people), Träger-Koordination (own organisation) and superusers."""
    return user.is_authenticated and (user.is_coordinator or user.is_provider_coordinator)


class CoordinatorRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not is_coordinating(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
