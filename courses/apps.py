from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Kurse und Lernfortschritt")

    def ready(self):
        from .coordination import invitations  # noqa: F401  (connects the sign-up receiver)
