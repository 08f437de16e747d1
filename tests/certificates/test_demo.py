import pytest
from django.contrib.auth import authenticate

from certificates.demo import GRADUATE_EMAIL, create_demo_certificates
from certificates.models import Certificate, CertificateTemplate
from content.demo import load_demo_content
from lms.accounts.demo import create_demo_accounts


@pytest.mark.django_db(transaction=True)
def test_demo_graduate_holds_a_rendered_certificate(home_page, settings):
    accounts = create_demo_accounts(password=settings.DEMO_PASSWORD)
    load_demo_content()
    coordinator = next(user for user in accounts if user.email == "koordination@example.org")

    certificate = create_demo_certificates(issued_by=coordinator)
    again = create_demo_certificates(issued_by=coordinator)

    assert again.pk == certificate.pk
    assert Certificate.objects.count() == 1
    assert CertificateTemplate.objects.count() == 1
    assert certificate.status == Certificate.Status.ISSUED
    assert certificate.pdf.read().startswith(b"%PDF")
    assert certificate.user.email == GRADUATE_EMAIL
    assert certificate.course_title == "Fachkraft Leaving Care"
    assert len(certificate.snapshot["modules"]) >= 6
    assert certificate.verification_url.endswith(f"/verify/{certificate.verification_code}/")
    assert authenticate(email=GRADUATE_EMAIL, password=settings.DEMO_PASSWORD)
