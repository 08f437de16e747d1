"""The project's URLs plus /__bench__/bare/<size>/ (selected by bench.settings only)."""

from django.urls import path

from lms.urls import urlpatterns as project_urlpatterns

from . import bare_views

urlpatterns = [
    path("__bench__/bare/<int:size>/", bare_views.bare_page, name="bench_bare_page"),
    *project_urlpatterns,
]
