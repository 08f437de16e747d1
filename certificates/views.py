"""Public verification, "Meine Zertifikate" and downloads of stored PDFs."""

from __future__ import annotations

import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import services
from .models import Certificate
from .permissions import can_download

VERIFY_RATE_DEFAULT = (30, 60)  # requests per IP and window in seconds


def _verification_rate_exceeded(request: HttpRequest) -> bool:
    """A fixed window per client IP in the shared cache (the database cache in production)."""
    limit, window = getattr(settings, "CERTIFICATE_VERIFY_RATE", VERIFY_RATE_DEFAULT)
    ip = get_adapter(request).get_client_ip(request)
    key = f"certificates:verify:{ip}:{int(time.time() // window)}"
    if cache.add(key, 1, timeout=window + 1):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # the key expired between add() and incr()
        return False


def _published_certificate(code: str) -> Certificate:
    """Certificates whose PDF exists; an unknown or still unrendered code is a plain 404."""
    return get_object_or_404(
        Certificate.objects.exclude(status=Certificate.Status.PENDING).select_related(
            "replaced_by"
        ),
        verification_code=code,
    )


def _rate_limited(request: HttpRequest) -> HttpResponse:
    response = render(request, "certificates/verify_rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


def _no_index(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-cache, max-age=0"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    if _verification_rate_exceeded(request):
        return _no_index(_rate_limited(request))
    certificate = _published_certificate(code)
    return _no_index(
        render(
            request,
            "certificates/verify.html",
            {"certificate": certificate, "facts": services.public_facts(certificate)},
        )
    )


@require_GET
def verify_json(request: HttpRequest, code: str) -> HttpResponse:
    if _verification_rate_exceeded(request):
        return _no_index(JsonResponse({"error": "rate_limited"}, status=429))
    certificate = _published_certificate(code)
    return _no_index(
        JsonResponse(services.public_facts(certificate), json_dumps_params={"ensure_ascii": False})
    )


@login_required
@never_cache
def my_certificates(request: HttpRequest) -> HttpResponse:
    certificates = Certificate.objects.filter(user=request.user).select_related("replaced_by")
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
