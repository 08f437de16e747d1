from django.urls import path

from . import views

urlpatterns = [
    path("lernbereich/", views.dashboard, name="learner_dashboard"),
    path("lernbereich/notizen/", views.notes, name="learner_notes"),
    path("suche/", views.search, name="lesson_search"),
    path("kurs/<int:course_id>/einschreiben/", views.enrol, name="course_enrol"),
    path("kurs/<int:course_id>/abmelden/", views.withdraw, name="course_withdraw"),
    path("lerneinheit/<int:lesson_id>/erledigt/", views.complete_lesson, name="lesson_complete"),
    path(
        "lerneinheit/<int:lesson_id>/wissenscheck/<str:block_id>/",
        views.submit_check,
        name="lesson_check",
    ),
    path(
        "lerneinheit/<int:lesson_id>/reflexion/<str:block_id>/",
        views.save_reflection,
        name="lesson_reflection",
    ),
]

from .coordination.invitations import follow_invitation  # noqa: E402

urlpatterns += [path("einladung/<str:token>/", follow_invitation, name="follow_invitation")]
