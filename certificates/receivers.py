"""Automatic issue on course completion: only calls the issue service, never renders."""

import logging

from django.dispatch import receiver

from courses.signals import course_completed

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
