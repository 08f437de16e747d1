"""Certificate desk views inside the Wagtail admin (registered by the viewsets in wagtail_hooks).

Views stay thin: they check the role, read a form and call a service.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator

from allauth.account.decorators import reauthentication_required
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request

from . import services
from .models import Certificate, CompletionWithoutCertificate
from .permissions import can_manage_certificates

ZIP_CHUNK_SIZE = 64 * 1024


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Grund"),
        max_length=services.MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Wird im Protokoll gespeichert, nicht öffentlich angezeigt."),
    )


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_certificates(request.user):
        raise PermissionDenied


def _managed_certificate(request: HttpRequest, pk: int) -> Certificate:
    """A certificate of a person the viewer manages; 404 for the others (no existence leak)."""
    _require_manager(request)
    return get_object_or_404(Certificate.objects.visible_to(request.user), pk=pk)


def _back(request: HttpRequest, fallback: str):
    # Only local paths: redirect() would look up anything else as a URL pattern name (a 500).
    target = get_valid_next_url_from_request(request)
    return redirect(target if target.startswith("/") else fallback)


def _report(request: HttpRequest, summary: services.IssueSummary) -> None:
    if summary.created:
        messages.success(
            request,
            ngettext(
                "%(count)s Zertifikat ausgestellt; das PDF wird im Hintergrund erstellt.",
                "%(count)s Zertifikate ausgestellt; die PDFs werden im Hintergrund erstellt.",
                len(summary.created),
            )
            % {"count": len(summary.created)},
        )
    if summary.existing:
        messages.info(
            request,
            ngettext(
                "%(count)s Person hatte bereits ein gültiges Zertifikat.",
                "%(count)s Personen hatten bereits ein gültiges Zertifikat.",
                len(summary.existing),
            )
            % {"count": len(summary.existing)},
        )
    for _enrollment, reason in summary.refused:
        messages.error(request, reason)


# --- Issuing from the eligible list ----------------------------------------------------------


@require_POST
def issue_one(request: HttpRequest, pk: int, *, index_url_name: str) -> HttpResponse:
    _require_manager(request)
    enrollment = get_object_or_404(
        CompletionWithoutCertificate.objects.visible_to(request.user), pk=pk
    )
    summary = services.issue_certificates(enrollments=[enrollment], issued_by=request.user)
    _report(request, summary)
    return _back(request, _reverse(index_url_name))


def issue_all(request: HttpRequest, *, index_url_name: str) -> HttpResponse:
    """Confirm, then issue for everyone on the viewer's eligible list."""
    _require_manager(request)
    eligible = CompletionWithoutCertificate.objects.awaiting_certificate().visible_to(request.user)
    if request.method == "POST":
        summary = services.issue_certificates(enrollments=list(eligible), issued_by=request.user)
        _report(request, summary)
        return redirect(index_url_name)
    return TemplateResponse(
        request,
        "certificates/admin/issue_all.html",
        {"count": eligible.count(), "index_url": _reverse(index_url_name)},
    )


# --- Actions on one certificate --------------------------------------------------------------


def _reason_view(request, *, certificate, template, action, inspect_url):
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = action(form.cleaned_data["reason"])
        except services.CertificateError as error:
            messages.error(request, str(error))
        else:
            return result
    return TemplateResponse(
        request,
        template,
        {"certificate": certificate, "form": form, "inspect_url": inspect_url},
    )


@reauthentication_required
def revoke(request: HttpRequest, pk: int, *, inspect_url_name: str) -> HttpResponse:
    """Revocation needs a fresh password check (allauth reauthentication)."""
    certificate = _managed_certificate(request, pk)
    inspect_url = _reverse(inspect_url_name, pk)

    def action(reason):
        services.revoke_certificate(certificate=certificate, revoked_by=request.user, reason=reason)
        messages.success(
            request, _("Zertifikat %(number)s widerrufen.") % {"number": certificate.number}
        )
        return redirect(inspect_url)

    return _reason_view(
        request,
        certificate=certificate,
        template="certificates/admin/revoke.html",
        action=action,
        inspect_url=inspect_url,
    )


def reissue(request: HttpRequest, pk: int, *, inspect_url_name: str) -> HttpResponse:
    certificate = _managed_certificate(request, pk)

    def action(reason):
        new = services.reissue_certificate(
            certificate=certificate, issued_by=request.user, reason=reason
        )
        messages.success(
            request,
            _("Neues Zertifikat %(new)s ausgestellt; %(old)s ist ersetzt.")
            % {"new": new.number, "old": certificate.number},
        )
        return redirect(_reverse(inspect_url_name, new.pk))

    return _reason_view(
        request,
        certificate=certificate,
        template="certificates/admin/reissue.html",
        action=action,
        inspect_url=_reverse(inspect_url_name, pk),
    )


@require_POST
def rerender(request: HttpRequest, pk: int, *, inspect_url_name: str) -> HttpResponse:
    certificate = _managed_certificate(request, pk)
    try:
        services.rerender_certificate(certificate=certificate, requested_by=request.user)
    except services.CertificateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Das PDF wird erneut erstellt."))
    return _back(request, _reverse(inspect_url_name, pk))


# --- ZIP of stored PDFs ----------------------------------------------------------------------


class _ChunkSink:
    """A write-only file for zipfile whose bytes are handed out as they are written."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self._position = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def zip_stream(certificates: Iterable[Certificate]) -> Iterator[bytes]:
    """Stream a ZIP built from the stored files (stored, not deflated: PDFs are compressed)."""
    sink = _ChunkSink()
    used_names: set[str] = set()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            name = certificate.download_filename()
            if name in used_names:  # pragma: no cover - numbers are unique
                name = f"{certificate.pk}-{name}"
            used_names.add(name)
            info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
            with certificate.pdf.open("rb") as source, archive.open(info, mode="w") as target:
                while chunk := source.read(ZIP_CHUNK_SIZE):
                    target.write(chunk)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()


def zip_response(request: HttpRequest, certificates: list[Certificate]) -> HttpResponse:
    certificates = [c for c in certificates if c.has_pdf]
    if not certificates:
        raise Http404
    for certificate in certificates:
        services.record_download(certificate=certificate, downloaded_by=request.user)
    response = StreamingHttpResponse(zip_stream(certificates), content_type="application/zip")
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="Zertifikate-{stamp}.zip"'
    response["Cache-Control"] = "no-store"
    return response


def _reverse(name: str, *args) -> str:
    from django.urls import reverse

    return reverse(name, args=args)
