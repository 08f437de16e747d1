"""The coordinators' reports ("Auswertungen") in the Wagtail admin, scoped on the server."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn, NumberColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from lms.accounts.models import User

from ..models import Enrollment, ModulePage, WorkshopDate, WorkshopRegistration
from ..progress import progress_for_enrollments
from .access import CoordinatorRequiredMixin
from .exports import GermanSpreadsheetExportMixin
from .filters import ParticipationFilterSet
from .rows import extra_columns_for_rows


class CoordinationReportView(CoordinatorRequiredMixin, GermanSpreadsheetExportMixin, ReportView):
    """Base for the reports: coordinator-only, German spreadsheets, audit-logged exports."""

    def render_to_response(self, context, **response_kwargs):
        if self.is_export:
            from .services import log_export

            log_export(user=self.request.user, report=str(self.page_title), query=self.request.GET)
        return super().render_to_response(context, **response_kwargs)


class ParticipationReportView(CoordinationReportView):
    page_title = _("Teilnahme")
    header_icon = "group"
    index_url_name = "coordination:participation"
    index_results_url_name = "coordination:participation_results"
    filterset_class = ParticipationFilterSet
    export_filename = "teilnahme"
    paginate_by = 50
    columns = [
        TitleColumn(
            "person",
            label=_("Person"),
            accessor="user",
            url_name="coordination:person",
            id_accessor="user_id",
            width="14%",
        ),
        Column("affiliation", label=_("Organisation / Team")),
        Column("course", label=_("Kurs"), accessor="course.title"),
        DateColumn("enrolled_at", label=_("Eingeschrieben am")),
        NumberColumn("progress_percent", label=_("Fortschritt %")),
        Column("modules_label", label=_("Module erledigt")),
        NumberColumn("attended_dates", label=_("Präsenztermine besucht")),
        DateColumn("last_activity_at", label=_("Letzte Aktivität")),
        DateColumn("completed_at", label=_("Abgeschlossen am")),
        Column("certificate_status", label=_("Zertifikat")),
    ]
    list_export = [
        "user.last_name",
        "user.first_name",
        "user.email",
        "user.organisation.name",
        "user.team.name",
        "course.title",
        "get_status_display",
        "enrolled_at",
        "progress_percent",
        "modules_done",
        "modules_total",
        "attended_dates",
        "last_activity_at",
        "completed_at",
        "certificate_status",
    ]
    export_headings = {
        "user.last_name": _("Nachname"),
        "user.first_name": _("Vorname"),
        "user.email": _("E-Mail"),
        "user.organisation.name": _("Organisation"),
        "user.team.name": _("Team / Bezirk"),
        "course.title": _("Kurs"),
        "get_status_display": _("Status"),
        "enrolled_at": _("Eingeschrieben am"),
        "progress_percent": _("Fortschritt in %"),
        "modules_done": _("Module erledigt"),
        "modules_total": _("Module gesamt"),
        "attended_dates": _("Präsenztermine besucht"),
        "last_activity_at": _("Letzte Aktivität"),
        "completed_at": _("Abgeschlossen am"),
        "certificate_status": _("Zertifikat"),
    }

    def get_queryset(self):
        return (
            Enrollment.objects.visible_to(self.request.user)
            .select_related("user__organisation", "user__team", "course")
            .order_by("user__last_name", "user__first_name", "pk")
        )

    def decorate_rows(self, rows):
        rows = list(rows)
        progress = progress_for_enrollments(rows)
        extras = extra_columns_for_rows(rows)
        for row in rows:
            state = progress[row.pk]
            row.affiliation = " – ".join(
                str(part)
                for part in (row.user.organisation, row.user.team and row.user.team.name)
                if part
            )
            row.progress_percent = state.percent
            row.modules_done = state.modules_done
            row.modules_total = len(state.modules)
            row.modules_label = f"{state.modules_done} / {len(state.modules)}"
            row.attended_dates = extras.attended_dates.get(row.pk, 0)
            row.certificate_status = extras.certificate_status.get(row.pk, "–")
        return rows

    def decorate_paginated_queryset(self, object_list):
        # Exports decorate chunk by chunk while streaming (GermanSpreadsheetExportMixin).
        return object_list if self.is_export else self.decorate_rows(object_list)


class ModuleOverviewView(CoordinationReportView):
    """Per module: started, completed, median time to complete, first-attempt pass rate."""

    page_title = _("Modul-Übersicht")
    header_icon = "list-ol"
    index_url_name = "coordination:modules"
    index_results_url_name = "coordination:modules_results"
    export_filename = "modul-uebersicht"
    paginate_by = 100
    columns = [
        Column("course_title", label=_("Kurs")),
        Column("title", label=_("Modul")),
        NumberColumn("lesson_count", label=_("Lerneinheiten")),
        NumberColumn("started", label=_("begonnen")),
        NumberColumn("completed", label=_("abgeschlossen")),
        Column("median_days_label", label=_("Median bis Abschluss")),
        Column("first_pass_label", label=_("Wissenscheck beim 1. Versuch bestanden")),
    ]
    list_export = [
        "course_title",
        "title",
        "lesson_count",
        "started",
        "completed",
        "median_days",
        "first_pass_rate",
    ]
    export_headings = {
        "course_title": _("Kurs"),
        "title": _("Modul"),
        "lesson_count": _("Lerneinheiten"),
        "started": _("begonnen"),
        "completed": _("abgeschlossen"),
        "median_days": _("Median Tage bis Abschluss"),
        "first_pass_rate": _("Erstversuch bestanden in %"),
    }

    def get_queryset(self):
        return ModulePage.objects.live().order_by("path")

    def decorate_paginated_queryset(self, object_list):
        return object_list if self.is_export else self.decorate_rows(object_list)

    def decorate_rows(self, object_list):
        from .module_stats import module_statistics

        modules = list(object_list)
        stats = module_statistics(
            modules=modules, people=User.objects.visible_to(self.request.user)
        )
        for module in modules:
            for name, value in stats[module.pk].items():
                setattr(module, name, value)
        return modules


class WorkshopDatesReportView(CoordinationReportView):
    """Per date: registrations, waiting list, attendance (counting only people in scope)."""

    page_title = _("Präsenztermine")
    header_icon = "date"
    index_url_name = "coordination:dates"
    index_results_url_name = "coordination:dates_results"
    export_filename = "praesenztermine"
    paginate_by = 50
    columns = [
        DateColumn("starts_at", label=_("Beginn")),
        Column("title", label=_("Termin")),
        Column("course", label=_("Kurs"), accessor="course.title"),
        NumberColumn("capacity", label=_("Plätze")),
        NumberColumn("registered", label=_("angemeldet")),
        NumberColumn("waiting", label=_("Warteliste")),
        NumberColumn("present", label=_("anwesend")),
        NumberColumn("excused", label=_("entschuldigt")),
        NumberColumn("absent", label=_("abwesend")),
    ]
    list_export = [
        "starts_at",
        "title",
        "course.title",
        "get_status_display",
        "capacity",
        "registered",
        "waiting",
        "present",
        "excused",
        "absent",
    ]
    export_headings = {
        "starts_at": _("Beginn"),
        "title": _("Termin"),
        "course.title": _("Kurs"),
        "get_status_display": _("Status"),
        "capacity": _("Plätze"),
        "registered": _("angemeldet"),
        "waiting": _("Warteliste"),
        "present": _("anwesend"),
        "excused": _("entschuldigt"),
        "absent": _("abwesend"),
    }

    def get_queryset(self):
        people = User.objects.visible_to(self.request.user).values("pk")
        registration = WorkshopRegistration

        def count(**conditions):
            # A correlated subquery per figure, not COUNT(DISTINCT) over a join: the database
            # then sorts the dates, takes one page and counts only for those (683 ms -> 7-18 ms
            # at 50,000 participants, docs/indexes.md); the page count is a plain COUNT(*).
            rows = (
                registration.objects.filter(date=OuterRef("pk"), user__in=people, **conditions)
                .order_by()
                .values("date")
                .annotate(n=Count("pk"))
                .values("n")
            )
            return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

        return (
            WorkshopDate.objects.select_related("course")
            .annotate(
                registered=count(status=registration.Status.REGISTERED),
                waiting=count(status=registration.Status.WAITLISTED),
                present=count(attendance=registration.Attendance.PRESENT),
                excused=count(attendance=registration.Attendance.EXCUSED),
                absent=count(attendance=registration.Attendance.ABSENT),
            )
            .order_by("-starts_at")
        )
