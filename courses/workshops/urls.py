from django.urls import path

from . import views

urlpatterns = [
    path("termine/meine/", views.my_dates, name="workshop_my_dates"),
    path("termine/<int:date_id>/", views.date_detail, name="workshop_date"),
    path("termine/<int:date_id>/anmelden/", views.register, name="workshop_register"),
    path("termine/<int:date_id>/abmelden/", views.cancel, name="workshop_cancel"),
    path("termine/<int:date_id>/termin.ics", views.date_ics, name="workshop_date_ics"),
    path("termine/<int:date_id>/anwesenheit/", views.roster, name="workshop_roster"),
    path(
        "termine/<int:date_id>/anmeldungen/<int:registration_id>/stornieren/",
        views.release_place,
        name="workshop_release_place",
    ),
    path(
        "termine/<int:date_id>/teilnehmendenliste.pdf",
        views.sign_in_sheet,
        name="workshop_sign_in_sheet",
    ),
    path("kalender/<str:token>/termine.ics", views.calendar_feed, name="workshop_calendar_feed"),
    path("konto/kalender/neu/", views.renew_calendar_feed, name="workshop_calendar_renew"),
    path("konto/kalender/loeschen/", views.revoke_calendar_feed, name="workshop_calendar_revoke"),
]
