"""Präsenztermine in the Wagtail admin: list with filters, create, edit (through the services, so
people are told about moves), cancel, and links to the roster and the sign-in sheet.

Permissions follow the roles, not Django model permissions: trainers manage the dates they lead,
the coordination manages all of them (see `WorkshopDatePermissionPolicy`).
"""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView as BaseHistoryView
from wagtail.admin.views.generic.usage import UsageView as BaseUsageView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log
from wagtail.permission_policies.base import BasePermissionPolicy

from courses.coordination.filters import CourseChoiceFilter
from courses.coordination.forms import PageChoiceField
from courses.models import CoursePage, ModulePage, WorkshopDate
from lms.accounts.models import User
from lms.accounts.roles import Role

from . import services
from .forms import CancelDateForm, WorkshopDateForm, staff_for_dates
from .permissions import can_cancel, can_manage_dates, can_run


class WorkshopDatePermissionPolicy(BasePermissionPolicy):
    """Trainers: add, and change the dates they lead; coordination: everything.

    Deleting is only for dates nobody registered for; otherwise a date is cancelled.
    """

    def user_has_permission(self, user, action):
        return action in {"add", "change", "delete", "view"} and can_manage_dates(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action) or not can_run(user, instance):
            return False
        if action == "delete":
            return not instance.registrations.exists()
        return True

    def instances_user_has_any_permission_for(self, user, actions):
        if not any(self.user_has_permission(user, action) for action in actions):
            return WorkshopDate.objects.none()
        if user.is_coordinator:
            return WorkshopDate.objects.all()
        return WorkshopDate.objects.led_by(user)

    def users_with_any_permission(self, actions):
        return User.objects.filter(
            Q(is_superuser=True) | Q(groups__name__in=[Role.TRAINER, Role.COORDINATOR]),
            is_active=True,
        ).distinct()


class WorkshopDateAdminForm(WorkshopDateForm):
    """Plain selects for course and module (grouped by course) instead of page choosers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        courses = {course.path: course.title for course in CoursePage.objects.all()}
        self.fields["course"] = PageChoiceField(
            queryset=CoursePage.objects.order_by("path"),
            label=_("Kurs"),
            initial=self.fields["course"].initial,
        )
        module = PageChoiceField(
            queryset=ModulePage.objects.order_by("path"),
            label=_("Modul"),
            required=False,
            help_text=WorkshopDate._meta.get_field("module").help_text,
        )
        module.label_from_instance = lambda page: (
            f"{courses.get(page.path[: -page.steplen], '')} › {page.title}"
        )
        self.fields["module"] = module


class WorkshopDateFilterSet(WagtailFilterSet):
    period = django_filters.ChoiceFilter(
        label=gettext_lazy("Zeitraum"),
        choices=[
            ("upcoming", gettext_lazy("kommende")),
            ("past", gettext_lazy("vergangene")),
        ],
        method="filter_period",
        empty_label=gettext_lazy("alle"),
    )
    course = CourseChoiceFilter(
        label=gettext_lazy("Kurs"), queryset=CoursePage.objects.order_by("path")
    )
    trainers = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Referent*in"), queryset=lambda request: staff_for_dates()
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=WorkshopDate.Status.choices
    )

    class Meta:
        model = WorkshopDate
        fields = ["period", "course", "trainers", "status"]

    def filter_period(self, queryset, name, value):
        now = timezone.now()
        if value == "upcoming":
            return queryset.filter(ends_at__gt=now)
        if value == "past":
            return queryset.filter(ends_at__lte=now)
        return queryset


def _seats(date) -> str:
    text = f"{date.registered_count} / {date.capacity}"
    if date.waitlist_count:
        text += " " + _("(+%(count)s Warteliste)") % {"count": date.waitlist_count}
    return text


class IndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            self.permission_policy.instances_user_has_any_permission_for(
                self.request.user, ["change"]
            )
            .with_counts()
            .select_related("course", "module")
            .prefetch_related("trainers")
        )

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            MenuItem(
                _("Anwesenheit"),
                url=reverse("workshop_roster", args=[instance.pk]),
                icon_name="tasks",
                priority=5,
            )
        )
        buttons.append(
            MenuItem(
                _("Teilnehmendenliste (PDF)"),
                url=reverse("workshop_sign_in_sheet", args=[instance.pk]),
                icon_name="doc-full",
                priority=6,
            )
        )
        if can_cancel(self.request.user) and not instance.is_cancelled:
            buttons.append(
                MenuItem(
                    _("Absagen"),
                    url=reverse("workshop_dates:cancel", args=[instance.pk]),
                    icon_name="warning",
                    priority=25,
                )
            )
        return buttons


class _ScopedObjectMixin:
    def get_queryset(self):
        return self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, ["change"]
        ).prefetch_related("trainers")


class _ScopedBaseObjectMixin:
    def get_base_object_queryset(self):
        return self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, ["change"]
        )


class HistoryView(_ScopedBaseObjectMixin, BaseHistoryView):
    pass


class UsageView(_ScopedBaseObjectMixin, BaseUsageView):
    pass


class CopyView(generic.CopyView):
    """A new date with the same details (alternative or make-up date), never the same row."""

    COPIED = (
        "course_id",
        "module_id",
        "title",
        "starts_at",
        "ends_at",
        "location",
        "room",
        "online_url",
        "capacity",
        "registration_deadline",
        "cancellation_deadline",
        "reminder_days",
        "notes",
    )

    def get_initial_form_instance(self):
        original = self.get_object()
        return WorkshopDate(**{name: getattr(original, name) for name in self.COPIED})

    def get_initial(self):
        initial = super().get_initial()
        initial["trainers"] = list(self.get_object().trainers.values_list("pk", flat=True))
        return initial


class EditView(_ScopedObjectMixin, generic.EditView):
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except services.WorkshopError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)

    def save_instance(self):
        change = services.save_workshop_date(
            date=self.form.instance,
            changed_by=self.request.user,
            trainers=self.form.cleaned_data.get("trainers"),
        )
        log(instance=change.date, action="wagtail.edit", user=self.request.user)
        if change.changed_fields:
            messages.info(
                self.request,
                _(
                    "Alle Angemeldeten und Wartenden werden per E-Mail "
                    "über die Änderung informiert."
                ),
            )
        return change.date

    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if can_cancel(self.request.user) and not self.object.is_cancelled:
            buttons.append(
                Button(
                    _("Absagen"),
                    url=reverse("workshop_dates:cancel", args=[self.object.pk]),
                    icon_name="warning",
                    priority=30,
                )
            )
        buttons.append(
            Button(
                _("Anwesenheit"),
                url=reverse("workshop_roster", args=[self.object.pk]),
                icon_name="tasks",
                priority=5,
            )
        )
        return buttons


class DeleteView(_ScopedObjectMixin, generic.DeleteView):
    def dispatch(self, request, *args, **kwargs):
        date = get_object_or_404(self.get_queryset(), pk=kwargs.get("pk"))
        if date.registrations.exists():
            messages.error(
                request,
                _(
                    "Für diesen Termin gibt es bereits Anmeldungen. Bitte sagen Sie ihn ab, "
                    "statt ihn zu löschen."
                ),
            )
            return redirect("workshop_dates:edit", date.pk)
        return super().dispatch(request, *args, **kwargs)


class CancelDateView(generic.base.WagtailAdminTemplateMixin, FormView):
    """Cancel a date: confirmation with an optional reason that goes to everyone registered."""

    template_name = "courses/workshops/admin/cancel.html"
    form_class = CancelDateForm
    header_icon = "date"
    page_title = gettext_lazy("Termin absagen")

    def dispatch(self, request, *args, **kwargs):
        self.date = get_object_or_404(
            WorkshopDate.objects.select_related("course"), pk=kwargs["pk"]
        )
        if not can_cancel(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.date)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            date=self.date,
            people=self.date.registrations.filter(status__in=services.HOLDING).count(),
        )
        return context

    def form_valid(self, form):
        try:
            services.cancel_workshop_date(
                date=self.date,
                cancelled_by=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except services.WorkshopError as error:
            messages.error(self.request, str(error))
            return redirect("workshop_dates:edit", self.date.pk)
        log(instance=self.date, action="wagtail.edit", user=self.request.user)
        messages.success(
            self.request,
            _("Der Termin „%(title)s“ ist abgesagt. Alle Angemeldeten werden informiert.")
            % {"title": self.date.title},
        )
        return redirect("workshop_dates:index")


class WorkshopDateViewSet(ModelViewSet):
    model = WorkshopDate
    icon = "date"
    menu_label = gettext_lazy("Präsenztermine")
    menu_order = 260
    add_to_admin_menu = True
    name = "workshop_dates"
    index_view_class = IndexView
    copy_view_class = CopyView
    history_view_class = HistoryView
    usage_view_class = UsageView
    edit_view_class = EditView
    delete_view_class = DeleteView
    filterset_class = WorkshopDateFilterSet
    search_fields = ["title", "location", "room"]
    list_display = [
        "title",
        Column("starts_at", label=gettext_lazy("Beginn"), sort_key="starts_at"),
        Column("course", label=gettext_lazy("Kurs")),
        Column("module", label=gettext_lazy("Modul")),
        Column("place", label=gettext_lazy("Ort")),
        Column("seats", label=gettext_lazy("Angemeldet / Plätze"), accessor=_seats),
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
    ]
    list_export = ["title", "starts_at", "ends_at", "course", "module", "place", "capacity"]
    edit_handler = ObjectList(
        [
            FieldPanel("course"),
            FieldPanel("module"),
            FieldPanel("title"),
            FieldRowPanel(
                [FieldPanel("starts_at"), FieldPanel("ends_at")],
                heading=gettext_lazy("Zeit (Ortszeit Hildesheim)"),
            ),
            MultiFieldPanel(
                [FieldPanel("location"), FieldPanel("room"), FieldPanel("online_url")],
                heading=gettext_lazy("Ort"),
            ),
            FieldPanel("trainers"),
            MultiFieldPanel(
                [
                    FieldPanel("capacity"),
                    FieldRowPanel(
                        [
                            FieldPanel("registration_deadline"),
                            FieldPanel("cancellation_deadline"),
                        ]
                    ),
                    FieldPanel("reminder_days"),
                ],
                heading=gettext_lazy("Anmeldung"),
            ),
            FieldPanel("notes"),
        ],
        base_form_class=WorkshopDateAdminForm,
    )

    @property
    def cancel_view(self):
        return CancelDateView.as_view()

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("cancel/<int:pk>/", self.cancel_view, name="cancel"),
        ]


workshop_date_viewset = WorkshopDateViewSet()
