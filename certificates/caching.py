"""What certificate pages keep per worker process, for as long as the certificate version lasts.

The public verification page (opened from QR codes, by anyone) and the certificate section of
"Mein Lernbereich" (on every visit) read certificates, which change rarely. They keep what they
read in a store of their own (content/page_cache.py's Store), under the *certificate version*
(lms.versions): every save or deletion of a certificate (receivers.py) gives the process that
made it a new version at once and every process a new shared token after the commit, so a
revocation or a newly issued certificate shows on the next request everywhere. The store is
emptied whenever the version moves on, and it is separate from the content's, so certificate
changes never push rendered lessons out. Unknown codes are never kept: guessing can't fill
the memory, and the rate limit protects the database.
"""

from __future__ import annotations

import copy

from django.http import Http404
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from content import page_cache
from lms import versions

from .models import Certificate

DASHBOARD_LIMIT = 20  # rows in the dashboard's section; "Alle Zertifikate" lists all

_kept = page_cache.Store(max_entries=4000)


def _cached(key: tuple, build, *, request, keep_none: bool = True):
    version = versions.current("certificates", request)
    return page_cache.cached(
        key, build, version=version, keep_none=keep_none, store=_kept.for_version(version)
    )


def published_certificate(code: str, *, request) -> Certificate:
    """The certificate with this verification code as the public pages show it (status and
    snapshot); 404 for unknown codes and for certificates whose PDF doesn't exist yet."""
    certificate = _cached(
        ("verification", code),
        lambda: Certificate.objects.published(code),
        request=request,
        keep_none=False,
    )
    if certificate is None:
        raise Http404
    return copy.copy(certificate)  # the kept one stays as it was read, whatever a caller sets


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

    return _cached(("dashboard-certificates", user.pk), build, request=request)
