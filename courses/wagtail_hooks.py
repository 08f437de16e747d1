from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from .coordination.access import is_coordinating
from .workshops import wagtail_hooks  # noqa: F401  (registers the workshop dates viewset)


@hooks.register("before_serve_document")
def documents_only_for_signed_in_people(document, request):
    """Course material is for the participants of the series, not for the public web."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


@hooks.register("register_admin_urls")
def coordination_urls():
    from django.urls import include, path

    from .coordination import urls

    return [path("auswertungen/", include(urls, namespace="coordination"))]


class CoordinationMenuItem(MenuItem):
    def is_shown(self, request):
        return is_coordinating(request.user)


@hooks.register("register_admin_menu_item")
def coordination_menu():
    submenu = Menu(
        items=[
            CoordinationMenuItem(
                _("Teilnahme"), reverse("coordination:participation"), icon_name="group", order=100
            ),
            CoordinationMenuItem(
                _("Modul-Übersicht"),
                reverse("coordination:modules"),
                icon_name="list-ol",
                order=200,
            ),
            CoordinationMenuItem(
                _("Präsenztermine"), reverse("coordination:dates"), icon_name="date", order=250
            ),
            CoordinationMenuItem(
                _("Abdeckung"), reverse("coordination:coverage"), icon_name="site", order=300
            ),
            CoordinationMenuItem(
                _("Personen einschreiben"),
                reverse("coordination:people"),
                icon_name="user",
                order=400,
            ),
            CoordinationMenuItem(
                _("Adressliste importieren"),
                reverse("coordination:import"),
                icon_name="upload",
                order=500,
            ),
        ]
    )
    return CoordinationSubmenu(_("Auswertungen"), submenu, icon_name="table", order=250)


class CoordinationSubmenu(SubmenuMenuItem):
    def is_shown(self, request):
        return is_coordinating(request.user)


@hooks.register("register_log_actions")
def register_coordination_log_actions(actions):
    actions.register_action("lms.enrol", _("Eingeschrieben"), _("Person eingeschrieben"))
    actions.register_action("lms.import", _("Import"), _("Adressliste importiert"))
    actions.register_action("lms.export", _("Export"), _("Auswertung exportiert"))
    actions.register_action("lms.reminder", _("Erinnerung"), _("Erinnerung verschickt"))
    actions.register_action(
        "lms.release_place",
        _("Anmeldung storniert"),
        _("Anmeldung zu einem Präsenztermin durch die Koordination storniert"),
    )


@hooks.register("construct_reports_menu")
def site_history_only_for_coordination(request, menu_items):
    if not request.user.is_coordinator:
        menu_items[:] = [item for item in menu_items if item.name != "site-history"]
