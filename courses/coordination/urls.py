from django.urls import path

from . import reports, views

app_name = "coordination"

urlpatterns = [
    path("teilnahme/", reports.ParticipationReportView.as_view(), name="participation"),
    path(
        "teilnahme/ergebnisse/",
        reports.ParticipationReportView.as_view(results_only=True),
        name="participation_results",
    ),
    path("module/", reports.ModuleOverviewView.as_view(), name="modules"),
    path(
        "module/ergebnisse/",
        reports.ModuleOverviewView.as_view(results_only=True),
        name="modules_results",
    ),
    path("termine/", reports.WorkshopDatesReportView.as_view(), name="dates"),
    path(
        "termine/ergebnisse/",
        reports.WorkshopDatesReportView.as_view(results_only=True),
        name="dates_results",
    ),
    path("abdeckung/", views.CoverageView.as_view(), name="coverage"),
    path("personen/", views.PeopleView.as_view(), name="people"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("person/<int:user_id>/", views.PersonDetailView.as_view(), name="person"),
    path("person/<int:user_id>/einschreiben/", views.enrol_person, name="enrol_person"),
    path("person/<int:user_id>/erinnern/", views.remind_person, name="remind_person"),
    path(
        "person/<int:user_id>/zertifikat/<int:enrollment_id>/",
        views.issue_for_person,
        name="issue_for_person",
    ),
]
