"""Automatic issue on course completion (only calls the issue service, never renders), and the
certificate version that tells every process's cache (caching.py) that certificates changed."""

import logging

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from courses.signals import course_completed
from lms import versions

from .models import Certificate

logger = logging.getLogger(__name__)


@receiver(course_completed, dispatch_uid="certificates_issue_on_completion")
def issue_on_completion(sender, *, enrollment, **kwargs):
    from .services import CertificateError, issue_automatically_on_completion

    try:
        issue_automatically_on_completion(enrollment=enrollment)
    except CertificateError:
        logger.warning("Automatisches Zertifikat für %s nicht ausgestellt", enrollment.pk)
    except Exception:
        # The learner's request must not fail because of the certificate desk; the completion
        # stays on the "eligible" list, so Koordination can still issue by hand.
        logger.exception(
            "Automatisches Zertifikat für Einschreibung %s fehlgeschlagen", enrollment.pk
        )


@receiver(post_save, sender=Certificate, dispatch_uid="certificates_version_on_save")
@receiver(post_delete, sender=Certificate, dispatch_uid="certificates_version_on_delete")
def certificate_changed(sender, *, raw=False, **kwargs):
    # Every save: issue, PDF stored, revocation, replacement. QuerySet.update() and
    # bulk_create() send no signal: code that changes what the caches show (status, snapshot,
    # PDF, number, holder) that way renews the version itself (generate_data does).
    if not raw:
        versions.changed("certificates")
