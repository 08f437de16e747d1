"""The "Zertifikate" area of the Wagtail admin: eligible list, certificates, templates."""

from functools import partial

import django_filters
from django.contrib.admin.utils import unquote
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permissions import register_permission_policy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views.snippets import (
    HistoryView,
    IndexView,
    InspectView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from courses.coordination.filters import CourseChoiceFilter
from courses.models import CoursePage

from . import admin_views, services
from .models import Certificate, CertificateTemplate, CompletionWithoutCertificate
from .permissions import (
    can_manage_certificates,
    certificate_policy,
    completion_policy,
    template_policy,
)

# Registered before the viewsets, which look the policies up.
register_permission_policy(CertificateTemplate, template_policy)
register_permission_policy(Certificate, certificate_policy)
register_permission_policy(CompletionWithoutCertificate, completion_policy)


# --- Eligible list ("Abschlüsse ohne Zertifikat") ----------------------------------------------


class CompletionFilterSet(WagtailFilterSet):
    course = CourseChoiceFilter(label=_("Kurs"), queryset=CoursePage.objects.order_by("title"))

    class Meta:
        model = CompletionWithoutCertificate
        fields = ["course"]


class CompletionIndexView(IndexView):
    page_title = _("Abschlüsse ohne Zertifikat")

    @property
    def header_buttons(self):
        return [
            HeaderButton(
                _("Allen ausstellen"),
                url=reverse("certificates_eligible:issue_all"),
                icon_name="doc-full-inverse",
            )
        ]

    def get_list_more_buttons(self, instance):
        return []

    def get_list_buttons(self, instance):
        return [IssueButton(instance=instance, next_url=self.request.get_full_path())]


class IssueButton(Component):
    """A small POST form in the row: issuing changes state, so it is never a link."""

    show = True

    def __init__(self, *, instance, next_url):
        self.instance, self.next_url = instance, next_url

    def render_html(self, parent_context=None):
        from django.middleware.csrf import get_token

        request = parent_context["request"]
        return format_html(
            '<form method="post" action="{}?next={}" class="w-inline">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" class="button button-small button-secondary">{}'
            '<span class="w-sr-only"> – {}</span></button></form>',
            reverse("certificates_eligible:issue_one", args=[self.instance.pk]),
            self.next_url,
            get_token(request),
            _("Zertifikat ausstellen"),
            self.instance.user,
        )


class ScopedChooseViewMixin:
    """Snippet choosers list only certificates of people the viewer may see (and only for
    the coordinating roles): Wagtail's default chooser would list every holder's name."""

    def dispatch(self, request, *args, **kwargs):
        if not can_manage_certificates(request.user):
            return redirect("wagtailadmin_home")
        return super().dispatch(request, *args, **kwargs)

    def get_object_list(self):
        return self.model_class.objects.visible_to(self.request.user)


class ScopedChooseView(ScopedChooseViewMixin, snippet_chooser.ChooseView):
    pass


class ScopedChooseResultsView(ScopedChooseViewMixin, snippet_chooser.ChooseResultsView):
    pass


class ScopedChosenView(snippet_chooser.SnippetChosenView):
    def get_object(self, pk):
        return self.model_class.objects.visible_to(self.request.user).get(pk=pk)


class ScopedSnippetChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView


class CompletionViewSet(SnippetViewSet):
    model = CompletionWithoutCertificate
    chooser_viewset_class = ScopedSnippetChooserViewSet
    icon = "user"
    menu_label = _("Ohne Zertifikat")
    url_prefix = "zertifikate/ausstehend"
    url_namespace = "certificates_eligible"
    index_view_class = CompletionIndexView
    filterset_class = CompletionFilterSet
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    list_per_page = 50
    list_display = [
        "user",
        Column("organisation", label=_("Organisation"), accessor="user.organisation"),
        Column("course", label=_("Kurs"), accessor="course.title"),
        DateColumn("completed_at", label=_("abgeschlossen am"), sort_key="completed_at"),
    ]

    def get_queryset(self, request):
        return (
            CompletionWithoutCertificate.objects.awaiting_certificate()
            .visible_to(request.user)
            .select_related("user__organisation", "course")
            .order_by("-completed_at")
        )

    def get_urlpatterns(self):
        index = self.get_url_name("list")
        return [
            *super().get_urlpatterns(),
            path(
                "ausstellen/<int:pk>/",
                partial(admin_views.issue_one, index_url_name=index),
                name="issue_one",
            ),
            path("alle/", partial(admin_views.issue_all, index_url_name=index), name="issue_all"),
        ]


class IssueBulkAction(SnippetBulkAction):
    display_name = _("Zertifikat ausstellen")
    action_type = "issue_certificate"
    aria_label = _("Für die Auswahl Zertifikate ausstellen")
    template_name = "certificates/admin/confirm_bulk_issue.html"
    action_priority = 10
    models = [CompletionWithoutCertificate]

    def eligible(self):
        return CompletionWithoutCertificate.objects.awaiting_certificate().visible_to(
            self.request.user
        )

    def get_queryset(self, model, object_ids):
        return self.eligible().filter(pk__in=list(object_ids)).select_related("user", "course")

    def get_all_objects_in_listing_query(self, parent_id):
        return self.eligible().values_list("pk", flat=True)

    def check_perm(self, obj):
        return can_manage_certificates(self.request.user)

    def object_context(self, obj):
        return {"item": obj}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        summary = services.issue_certificates(enrollments=objects, issued_by=user)
        kwargs["self"].summary = summary
        return len(summary.created), len(summary.existing)

    def get_execution_context(self):
        return {**super().get_execution_context(), "user": self.request.user}

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)s Zertifikat ausgestellt; das PDF wird im Hintergrund erstellt.",
            "%(count)s Zertifikate ausgestellt; die PDFs werden im Hintergrund erstellt.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


# --- Certificates ----------------------------------------------------------------------------


class CertificateFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Certificate.Status.choices)
    course = CourseChoiceFilter(label=_("Kurs"), queryset=CoursePage.objects.order_by("title"))
    workshop_date = django_filters.DateFilter(
        label=_("Präsenztermin am"),
        method="filter_workshop_date",
        help_text=_("Alle, die an diesem Tag einen Präsenztermin besucht haben."),
    )
    search = django_filters.CharFilter(label=_("Nummer oder Name"), method="filter_search")
    render_failed = django_filters.BooleanFilter(
        label=_("PDF fehlgeschlagen"), method="filter_render_failed"
    )

    class Meta:
        model = Certificate
        fields = ["status", "course"]

    def filter_workshop_date(self, queryset, name, value):
        return queryset.filter(workshop_dates__contains=value.isoformat())

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(number__icontains=value)
            | Q(user__first_name__icontains=value)
            | Q(user__last_name__icontains=value)
        )

    def filter_render_failed(self, queryset, name, value):
        failed = Q(status=Certificate.Status.PENDING) & ~Q(render_error="")
        return queryset.filter(failed) if value else queryset.exclude(failed)


class StatusColumn(Column):
    cell_template_name = "certificates/admin/status_cell.html"


class CertificateIndexView(IndexView):
    page_title = _("Zertifikate")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.extend(certificate_menu_items(instance))
        return buttons


def certificate_menu_items(certificate: Certificate) -> list[MenuItem]:
    items = []
    if certificate.has_pdf:
        items.append(
            MenuItem(
                _("PDF herunterladen"),
                url=reverse("certificate_download", args=[certificate.pk]),
                icon_name="download",
                priority=40,
            )
        )
    if certificate.is_valid:
        items.append(
            MenuItem(
                _("Neu ausstellen"),
                url=reverse("certificates_certificate:reissue", args=[certificate.pk]),
                icon_name="repeat",
                priority=50,
            )
        )
        items.append(
            MenuItem(
                _("Widerrufen"),
                url=reverse("certificates_certificate:revoke", args=[certificate.pk]),
                icon_name="cross",
                priority=60,
            )
        )
    return items


class CertificateInspectView(InspectView):
    template_name = "certificates/admin/inspect.html"

    def get_object(self, queryset=None):
        # Only certificates of people the viewer may see; the others do not exist here.
        return get_object_or_404(
            Certificate.objects.visible_to(self.request.user).select_related(
                "replaces", "replaced_by", "issued_by", "revoked_by"
            ),
            pk=unquote(str(self.pk)),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["certificate"] = self.object
        context["facts"] = services.public_facts(self.object)
        context["verify_url"] = self.object.get_absolute_url()
        context["history_url"] = reverse("certificates_certificate:history", args=[self.object.pk])
        return context


class CertificateHistoryView(HistoryView):
    """The audit trail of one certificate, readable by everyone who may see the certificate."""

    any_permission_required = ["view"]

    def get_base_object_queryset(self):
        return Certificate.objects.visible_to(self.request.user)


class CertificateViewSet(SnippetViewSet):
    model = Certificate
    chooser_viewset_class = ScopedSnippetChooserViewSet
    icon = "doc-full-inverse"
    menu_label = _("Ausgestellt")
    url_prefix = "zertifikate/liste"
    url_namespace = "certificates_certificate"
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    history_view_class = CertificateHistoryView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    filterset_class = CertificateFilterSet
    list_per_page = 50
    list_display = [
        "number",
        Column("holder_name", label=_("Person")),
        Column("course_title", label=_("Kurs")),
        StatusColumn("status", label=_("Status"), sort_key="status"),
        DateColumn("issued_at", label=_("ausgestellt am"), sort_key="issued_at"),
    ]
    list_export = ["number", "holder_name", "course_title", "status", "issued_at"]

    def get_queryset(self, request):
        return Certificate.objects.visible_to(request.user).select_related("user")

    def get_urlpatterns(self):
        inspect = self.get_url_name("inspect")
        return [
            *super().get_urlpatterns(),
            path(
                "widerrufen/<int:pk>/",
                partial(admin_views.revoke, inspect_url_name=inspect),
                name="revoke",
            ),
            path(
                "neu-ausstellen/<int:pk>/",
                partial(admin_views.reissue, inspect_url_name=inspect),
                name="reissue",
            ),
            path(
                "neu-erzeugen/<int:pk>/",
                partial(admin_views.rerender, inspect_url_name=inspect),
                name="rerender",
            ),
        ]


class ZipBulkAction(SnippetBulkAction):
    """Streams the stored PDFs of the selection (e.g. one workshop date's) as one ZIP."""

    display_name = _("Als ZIP herunterladen")
    action_type = "download_zip"
    aria_label = _("PDFs der Auswahl als ZIP herunterladen")
    template_name = "certificates/admin/confirm_bulk_issue.html"
    action_priority = 10
    models = [Certificate]

    def get_queryset(self, model, object_ids):
        return (
            Certificate.objects.visible_to(self.request.user)
            .filter(pk__in=list(object_ids))
            .exclude(pdf="")
            .order_by("number")
        )

    def get_all_objects_in_listing_query(self, parent_id):
        return Certificate.objects.visible_to(self.request.user).values_list("pk", flat=True)

    def check_perm(self, obj):
        return can_manage_certificates(self.request.user)

    def get(self, request, *args, **kwargs):
        objects, _without_access = self.get_actionable_objects()
        return admin_views.zip_response(request, objects)

    @classmethod
    def execute_action(cls, objects, **kwargs):  # pragma: no cover - GET streams directly
        return len(objects), 0


# --- Templates -------------------------------------------------------------------------------


class CertificateTemplateViewSet(SnippetViewSet):
    model = CertificateTemplate
    icon = "form"
    menu_label = _("Vorlagen")
    url_prefix = "zertifikate/vorlagen"
    url_namespace = "certificates_template"
    list_display = [
        "name",
        Column("course", label=_("Kurs")),
        Column("heading", label=_("Überschrift")),
        Column("issue_automatically", label=_("automatisch")),
    ]


class CertificatesGroup(SnippetViewSetGroup):
    menu_label = _("Zertifikate")
    menu_icon = "doc-full-inverse"
    menu_order = 300
    items = (CompletionViewSet, CertificateViewSet, CertificateTemplateViewSet)


register_snippet(CertificatesGroup)


hooks.register("register_bulk_action", IssueBulkAction)
hooks.register("register_bulk_action", ZipBulkAction)


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    actions.register_action(
        "certificates.issue", _("Zertifikat ausgestellt"), _("Zertifikat ausgestellt")
    )
    actions.register_action(
        "certificates.reissue", _("Zertifikat neu ausgestellt"), _("Zertifikat neu ausgestellt")
    )
    actions.register_action(
        "certificates.replaced", _("Zertifikat ersetzt"), _("Zertifikat durch ein neues ersetzt")
    )
    actions.register_action(
        "certificates.revoke", _("Zertifikat widerrufen"), _("Zertifikat widerrufen")
    )
    actions.register_action(
        "certificates.download",
        _("Zertifikat heruntergeladen"),
        _("PDF des Zertifikats von der Verwaltung heruntergeladen"),
    )
    actions.register_action(
        "certificates.rerender", _("PDF neu angefordert"), _("PDF des Zertifikats neu angefordert")
    )


class FailedRendersPanel(Component):
    """Dashboard hint for Koordination: certificates whose PDF could not be produced."""

    name = "certificates_failed_renders"
    order = 90
    template_name = "certificates/admin/failed_renders_panel.html"

    def __init__(self, failed):
        self.failed = failed

    def get_context_data(self, parent_context=None):
        return {
            "failed": self.failed,
            "list_url": reverse("certificates_certificate:list") + "?render_failed=true",
        }


@hooks.register("construct_homepage_panels")
def add_failed_renders_panel(request, panels):
    if not can_manage_certificates(request.user):
        return
    failed = list(
        Certificate.objects.visible_to(request.user)
        .filter(status=Certificate.Status.PENDING)
        .exclude(render_error="")[:10]
    )
    if failed:
        panels.append(FailedRendersPanel(failed))
