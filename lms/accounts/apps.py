from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    default = True  # apps.py holds two configs: this one is the app's own
    name = "lms.accounts"
    label = "accounts"
    verbose_name = _("Konten und Organisationen")

    def ready(self) -> None:
        from . import receivers  # noqa: F401


class UsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin with the project's profile fields (organisation, team)."""

    user_viewset = "lms.accounts.viewsets.UserViewSet"
