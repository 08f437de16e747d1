from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    name = "lms.accounts"
    label = "accounts"
    verbose_name = _("Konten und Organisationen")


class UsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin with the project's profile fields (organisation, team)."""

    user_viewset = "lms.accounts.viewsets.UserViewSet"
