from allauth.account.decorators import secure_admin_login
from django.contrib.admin import AdminSite


class SuperuserAdminSite(AdminSite):
    """Django's admin is a repair tool for superusers; everybody else works in Wagtail's admin."""

    site_header = "Fachkraft Leaving Care – Systemverwaltung"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def login(self, request, extra_context=None):
        # Sign-in goes through allauth: its rate limits and the second factor apply here too.
        return secure_admin_login(super().login)(request, extra_context)
