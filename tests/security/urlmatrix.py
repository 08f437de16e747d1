"""Enumerating the project's URLs and resolving them against real objects of participant A."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

PROJECT_MODULES = ("lms.", "courses.", "certificates.", "content.")
# Wagtail admin areas the project adds (its own viewsets and their choosers).
PROJECT_ADMIN_PREFIXES = (
    "admin/auswertungen/",
    "admin/zertifikate/",
    "admin/workshop_dates/",
    "admin/snippets/choose/certificates/",
    "admin/reports/site-history/",
)
ALLAUTH_PREFIX = "accounts/"


@dataclass(frozen=True)
class Route:
    key: str  # the URL name (namespace:name), or the route itself for unnamed patterns
    route: str
    pattern: URLPattern
    module: str


def _module(pattern: URLPattern) -> str:
    callback = pattern.callback
    if hasattr(callback, "view_class"):
        return callback.view_class.__module__
    if hasattr(callback, "func"):  # functools.partial
        return getattr(callback.func, "__module__", "")
    return getattr(callback, "__module__", "")


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        else:
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield prefix + str(entry.pattern), name, entry


def project_routes() -> list[Route]:
    routes: dict[str, Route] = {}
    for route, name, pattern in _walk(get_resolver().url_patterns):
        module = _module(pattern)
        ours = module.startswith(PROJECT_MODULES) and not route.startswith("django-admin/")
        ours |= route.startswith(PROJECT_ADMIN_PREFIXES)
        ours |= route.startswith(ALLAUTH_PREFIX) and module.startswith("allauth.")
        if not ours:
            continue
        key = name or route
        # The first pattern wins, exactly as in resolving (lms.accounts' signup shadows allauth's).
        routes.setdefault(key, Route(key=key, route=route, pattern=pattern, module=module))
    return list(routes.values())
