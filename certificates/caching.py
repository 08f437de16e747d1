"""What certificate pages keep per worker process, for as long as the certificate version lasts.

The public verification page (opened from QR codes, by anyone) and the certificate section of
"Mein Lernbereich" (on every visit) read certificates, which change rarely. They keep what they
read in the per-process cache of content/page_cache.py, tagged with the *certificate version*
(lms.versions) instead of the content version. Every save or deletion of a certificate renews
that token, right away and again after the commit (receivers.py), so a revocation or a newly
issued certificate shows on the next request in every process. Unknown codes are never kept:
guessing can't fill the memory, and the rate limit protects the database.
"""

from __future__ import annotations

from django.http import Http404
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from content import page_cache
from lms import versions

from .models import Certificate

DASHBOARD_LIMIT = 20  # rows in the dashboard's section; "Alle Zertifikate" lists all


def published_certificate(code: str, *, request) -> Certificate:
    """The certificate with this verification code as the public pages show it (status and
    snapshot); 404 for unknown codes and for certificates whose PDF doesn't exist yet."""
    certificate = page_cache.cached(
        ("verification", code),
        lambda: Certificate.objects.published(code),
        version=versions.current("certificates", request),
        keep_none=False,
    )
    if certificate is None:
        raise Http404
    return certificate


def dashboard_section(*, request, user) -> SafeString:
    """The certificate section of the person's dashboard, empty when they have none."""

    def build() -> SafeString:
        certificates = Certificate.objects.held_by(user, limit=DASHBOARD_LIMIT)
        if not certificates:
            return mark_safe("")
        # No request: nothing in the section is personal beyond the rows themselves.
        html = render_to_string(
            "certificates/_dashboard_certificates.html", {"certificates": certificates}
        )
        return mark_safe(html)  # rendered, and escaped, by the template engine

    return page_cache.cached(
        ("dashboard-certificates", user.pk),
        build,
        version=versions.current("certificates", request),
    )
