from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path, reverse_lazy
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.documents import urls as wagtaildocs_urls

from content import page_cache

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
    # The Wagtail admin signs people in through allauth, so its rate limits apply there too.
    path(
        "admin/login/",
        RedirectView.as_view(url=reverse_lazy("account_login"), query_string=True),
        name="wagtailadmin_login",
    ),
    # The site history (audit log) shows who did what to whom: Koordination only.
    path("admin/reports/site-history/", views.coordination_only(LogEntriesView.as_view())),
    path(
        "admin/reports/site-history/results/",
        views.coordination_only(LogEntriesView.as_view(results_only=True)),
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("lms.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The public verification page first: it is the most requested route and resolving it
    # then skips every other pattern.
    path("", include("certificates.urls")),
    path("", include("courses.urls")),
    path("", include("courses.workshops.urls")),
    path("", include("lms.privacy.urls")),  # privacy: Meine Daten, Konto löschen
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's URLs with its page view swapped for content.page_cache.serve (the site and its
# root page from the content cache: two queries fewer on every page). Its _util/ views
# (unlocking password-protected pages, the login for private pages) stay as Wagtail has them.
urlpatterns += [
    re_path(wagtail_urls.serve_pattern, page_cache.serve, name="wagtail_serve")
    if pattern.name == "wagtail_serve"
    else pattern
    for pattern in wagtail_urls.urlpatterns
]
