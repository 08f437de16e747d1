"""Public verification, "Meine Zertifikate" and downloads of stored PDFs."""

from __future__ import annotations

import logging
import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache, caches
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from content.page_cache import CSRF_PLACEHOLDER
from lms import versions
from lms.cache import RedisCache

from . import caching, services
from .models import Certificate
from .permissions import can_download

logger = logging.getLogger(__name__)

VERIFY_RATE_DEFAULT = (30, 60)  # requests per IP and window in seconds


def _verification_rate_exceeded(request: HttpRequest) -> bool:
    """A fixed window per client IP in the shared cache (Redis, or the database cache).

    With Redis (lms.cache) it is one round trip, which also brings the version tokens the page
    reads next (INCR and MGET pipelined; the request that opens the window sets the expiry).
    Other caches use incr(), and add() when the window is new.
    """
    limit, window = getattr(settings, "CERTIFICATE_VERIFY_RATE", VERIFY_RATE_DEFAULT)
    ip = get_adapter(request).get_client_ip(request)
    key = f"certificates:verify:{ip}:{int(time.time() // window)}"
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        try:
            count, tokens = backend.incr_and_get_many(
                key, list(versions.KEYS.values()), timeout=window + 1
            )
        except Exception:  # Redis unreachable: the page still answers (from the database)
            logger.warning("verification rate limit unavailable", exc_info=True)
            return False
        versions.remember(request, tokens)
        return count > limit
    # incr() first: an open window (the usual case) costs one operation, not two.
    try:
        return cache.incr(key) > limit
    except ValueError:  # no window yet
        pass
    if cache.add(key, 1, timeout=window + 1):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # the key expired between add() and incr()
        return False


# Rendered verification pages for anonymous visitors, by everything they show (language, path,
# the public facts): an entry can't go stale, a changed status is a different key. Per process.
_VERIFY_PAGES: dict[tuple, str] = {}
_VERIFY_PAGES_MAX = 500


def _renders_the_same_for_everybody(request: HttpRequest) -> bool:
    """Anonymous, no session and no pending messages: only the CSRF token is personal."""
    return not (
        request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        or request.COOKIES.get("messages")
        or request.META.get("QUERY_STRING")  # without parsing it into request.GET
        or request.user.is_authenticated
    )


def _verification_page(request: HttpRequest, context: dict) -> HttpResponse:
    if not _renders_the_same_for_everybody(request):
        return render(request, "certificates/verify.html", context)
    facts = context["facts"]
    key = (
        translation.get_language(),
        request.path,
        tuple(sorted(facts.items())),
        context["certificate"].snapshot.get("issued_on_text"),
    )
    html = _VERIFY_PAGES.get(key)
    if html is None:
        html = render_to_string(
            "certificates/verify.html", {**context, "csrf_token": CSRF_PLACEHOLDER}, request
        )
        if len(_VERIFY_PAGES) >= _VERIFY_PAGES_MAX:
            _VERIFY_PAGES.clear()
        _VERIFY_PAGES[key] = html
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, escape(get_token(request))))


def _rate_limited(request: HttpRequest) -> HttpResponse:
    response = render(request, "certificates/verify_rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


def _no_index(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    if _verification_rate_exceeded(request):
        return _no_index(_rate_limited(request))
    certificate = caching.published_certificate(code, request=request)
    return _no_index(
        _verification_page(
            request, {"certificate": certificate, "facts": services.public_facts(certificate)}
        )
    )


@require_GET
def verify_json(request: HttpRequest, code: str) -> HttpResponse:
    if _verification_rate_exceeded(request):
        return _no_index(JsonResponse({"error": "rate_limited"}, status=429))
    certificate = caching.published_certificate(code, request=request)
    return _no_index(
        JsonResponse(services.public_facts(certificate), json_dumps_params={"ensure_ascii": False})
    )


@login_required
@never_cache
def my_certificates(request: HttpRequest) -> HttpResponse:
    certificates = Certificate.objects.held_by(request.user)
    return render(request, "certificates/my_certificates.html", {"certificates": certificates})


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored file, never a new rendering; 404 for everyone who may not have it."""
    fields = ("user_id", "status", "number", "pdf", "snapshot")
    certificate = Certificate.objects.only(*fields).filter(pk=pk).order_by().first()
    if (
        certificate is None
        or not certificate.has_pdf
        or not can_download(request.user, certificate)
    ):
        raise Http404
    services.record_download(certificate=certificate, downloaded_by=request.user)
    response = FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=certificate.download_filename(),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
