"""Derived and rendered page content, kept per worker process, dropped on every content change.

What is kept here is the same for everybody who may see a page: the course outline (modules,
lessons, their addresses), routed page objects, rendered non-interactive lesson blocks and page
fragments. Per-person state (enrolment, progress, check results, notes, workshop registrations)
is never stored here; it is read from the database on every request.

Validity: one shared token, the *content version* (lms.versions), lives in the default cache
(Redis or the database cache). Every entry here belongs to the version it was built under; a
request reads the tokens once (one cache round trip) and ignores everything built under another
version. Any change to a page, a view restriction, a site, an image or a document gives this
process a new version at once and every process a new random token once the transaction commits
(so no process keeps data it read before the commit). A lost token (cache flushed or culled)
simply becomes a new one: tokens are random and never reused, so an entry can't come back to
life. Entries also expire after LOCAL_TTL seconds as a last line of defence against changes made
behind the ORM's back (raw SQL, `QuerySet.update`).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from lms import versions

VERSION_KEY = versions.KEYS["content"]
LOCAL_TTL = 600.0  # seconds
MAX_ENTRIES = 4000
# Page fields that only concern drafts, locks and comments: saving just these (a new draft
# revision, locking) doesn't change what learners see.
DRAFT_ONLY_FIELDS = frozenset(
    {
        "latest_revision",
        "latest_revision_created_at",
        "draft_title",
        "has_unpublished_changes",
        "locked",
        "locked_at",
        "locked_by",
        "wagtail_admin_comments",
        "comments",
    }
)
# Stands in for the CSRF token while a fragment is rendered for the cache; replaced by the
# person's own token whenever the fragment is served.
CSRF_PLACEHOLDER = "lms-csrf-placeholder-8d1f0c7e4b2a"


class Store(dict):
    """Values of one kind kept in this process, by full key: (value, time kept). Emptied whole
    when full; `for_version()` also empties it when its single version moves on, since
    everything kept under the old one can't be reached any more."""

    def __init__(self, max_entries: int):
        super().__init__()
        self.max_entries = max_entries
        self.version = None

    def for_version(self, version: str) -> Store:
        if version != self.version:
            self.clear()
            self.version = version
        return self


_entries = Store(MAX_ENTRIES)


def content_version(request=None) -> str:
    """The current content version: read once per request (lms.versions), together with the
    other version tokens."""
    return versions.current("content", request)


def shareable(request, page=None) -> bool:
    """May markup rendered for this request be kept for others? Not for previews (they show
    drafts), and for a page only when it is the published one routed through this cache."""
    if request is None or getattr(request, "is_preview", False):
        return False
    return page is None or getattr(page, "_lms_content_version", None) is not None


def cached(
    key: tuple[Hashable, ...],
    build: Callable[[], Any],
    *,
    request=None,
    version=None,
    keep_none: bool = True,
    store: Store | None = None,
) -> Any:
    """`build()` once per content version and worker process; `key` must name everything the
    value depends on apart from the content (the language is added here).

    `version`: the content version if already known, another version (lms.versions) for values
    that depend on other data, or a constant for values that depend on no data at all (then no
    version lookup happens). `store`: where to keep them (default: the content's).
    """
    version = version or content_version(request)
    store = _entries if store is None else store
    full_key = (version, translation.get_language(), *key)
    now = time.monotonic()
    entry = store.get(full_key)
    if entry is not None and now - entry[1] < LOCAL_TTL:
        return entry[0]
    value = build()
    if (value is None and not keep_none) or version.startswith(versions.UNCACHED):
        return value  # without a shared cache nothing is kept: it could never be renewed
    if len(store) >= store.max_entries:
        store.clear()
    store[full_key] = (value, now)
    return value


def with_csrf_token(html: str, context) -> str:
    """Put the person's CSRF token into a fragment rendered with CSRF_PLACEHOLDER."""
    if CSRF_PLACEHOLDER not in html:
        return html
    token = escape(context.get("csrf_token", ""))
    return mark_safe(html.replace(CSRF_PLACEHOLDER, token))


def invalidate() -> None:
    """A new content version: for this process now, for every process once the current
    transaction commits (lms.versions.changed)."""
    _entries.clear()
    versions.changed("content")


# --- Receivers (connected when content.models is imported, i.e. in every process) ------------

_content_models: tuple[type, ...] = ()


def _is_content(sender) -> bool:
    global _content_models
    if not _content_models:
        from wagtail.documents.models import AbstractDocument
        from wagtail.images.models import AbstractImage
        from wagtail.models import Page, PageViewRestriction, Site

        _content_models = (Page, PageViewRestriction, Site, AbstractImage, AbstractDocument)
    return isinstance(sender, type) and issubclass(sender, _content_models)


def _on_save(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if raw or not _is_content(sender):
        return
    if update_fields and DRAFT_ONLY_FIELDS.issuperset(update_fields):
        return
    invalidate()


def _on_delete(sender, instance, **kwargs) -> None:
    if _is_content(sender):
        invalidate()


def _on_m2m(sender, instance, action, **kwargs) -> None:
    # View restrictions limited to groups keep their groups in a many-to-many table.
    if action.startswith("post_") and _is_content(type(instance)):
        invalidate()


def _on_page_signal(sender, **kwargs) -> None:
    invalidate()


def connect() -> None:
    from wagtail.signals import page_published, page_unpublished, post_page_move

    post_save.connect(_on_save, dispatch_uid="lms_content_cache_save")
    post_delete.connect(_on_delete, dispatch_uid="lms_content_cache_delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="lms_content_cache_m2m")
    page_published.connect(_on_page_signal, dispatch_uid="lms_content_cache_published")
    page_unpublished.connect(_on_page_signal, dispatch_uid="lms_content_cache_unpublished")
    post_page_move.connect(_on_page_signal, dispatch_uid="lms_content_cache_moved")


# --- Serving pages -------------------------------------------------------------------------


def live_page_at(url_path: str, *, request):
    """The live page (specific) at `url_path`, or None; a private copy of the cached object.

    Only found pages are kept (unknown addresses would otherwise fill the cache). The copy
    remembers the content version, so view restrictions can be looked up without another
    cache round trip (see `view_restrictions`).
    """
    from wagtail.models import Page

    def lookup():
        return Page.objects.live().filter(url_path=url_path).specific().first()

    page = cached(("page-at", url_path), lookup, request=request, keep_none=False)
    if page is None:
        return None
    page = copy.copy(page)
    page._lms_content_version = content_version(request)
    return page


def view_restrictions(page):
    """`page.get_view_restrictions()` without queries while no restriction applies.

    Wagtail's own lookup runs (and its answer is used) whenever the page or one of its
    ancestors is restricted, and for page objects that weren't routed through the cache.
    """
    from wagtail.models import Page, PageViewRestriction

    version = getattr(page, "_lms_content_version", None)
    if version is None:
        return Page.get_view_restrictions(page)
    restricted = cached(
        ("restricted", page.pk),
        lambda: Page.get_view_restrictions(page).exists(),
        version=version,
    )
    return Page.get_view_restrictions(page) if restricted else PageViewRestriction.objects.none()


def site_for_request(request):
    """Wagtail's site for this request with its root page already specific, from the cache.

    Wagtail looks the site up with one query per request and then loads the root page's
    specific object with another, before routing starts. Both change only with the content.
    """
    from django.http.request import split_domain_port
    from wagtail.models import Site

    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()

    def find():
        site = Site._find_for_request(request)
        if site is not None:
            site.root_page = site.root_page.specific
        return site

    return cached(("site", hostname, port), find, request=request, keep_none=False)


def serve(request, path):
    """Wagtail's page view (`wagtail.views.serve`), with the site from the content cache.

    It takes the place of Wagtail's own page view in the URLconf (lms/urls.py).
    """
    from wagtail.views import serve as wagtail_serve

    if not hasattr(request, "_wagtail_site"):
        site = site_for_request(request)
        if site is not None:
            # Private copies, as for routed pages: the home page is served from this object.
            site = copy.copy(site)
            site.root_page = copy.copy(site.root_page)
        request._wagtail_site = site
    return wagtail_serve(request, path)
