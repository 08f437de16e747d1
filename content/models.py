from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.url_routing import RouteResult

from . import page_cache
from .blocks import RICH_TEXT_FEATURES, PageBodyBlock

# Every process that loads the models drops cached page content when pages change.
page_cache.connect()


class HomePage(Page):
    """The start page: what the series is, who it is for, where to begin."""

    intro = RichTextField(_("Einleitung"), features=RICH_TEXT_FEATURES, blank=True)
    body = StreamField(PageBodyBlock(), verbose_name=_("Inhalt"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("Startseite")

    def route(self, request, path_components):
        """Resolve a deep URL without queries while the content is unchanged.

        Pages below the home page have unique URL paths, so the target is looked up directly
        (two queries), then kept in the content cache (content/page_cache.py) until any page
        changes; anything unusual (drafts, unknown paths) falls back to Wagtail's routing.
        """
        if path_components:
            url_path = f"{self.url_path}{'/'.join(path_components)}/"
            page = page_cache.live_page_at(url_path, request=request)
            if page is not None:
                return RouteResult(page)
        return super().route(request, path_components)

    def get_view_restrictions(self):
        return page_cache.view_restrictions(self)


class StandardPage(Page):
    """Impressum, Datenschutz, Erklärung zur Barrierefreiheit and similar plain pages."""

    intro = models.TextField(_("Kurzbeschreibung"), blank=True)
    body = StreamField(PageBodyBlock(), verbose_name=_("Inhalt"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["content.HomePage", "content.StandardPage"]
    subpage_types = ["content.StandardPage"]

    class Meta:
        verbose_name = _("Standardseite")
        verbose_name_plural = _("Standardseiten")

    def get_view_restrictions(self):
        return page_cache.view_restrictions(self)
