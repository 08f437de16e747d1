from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certificates.demo import create_demo_certificates
from content.demo import load_demo_content
from courses.coordination.demo import create_demo_cohort
from lms.accounts.demo import DEMO_TOTP_SECRET, create_demo_accounts


class Command(BaseCommand):
    help = "Load the demo course, demo organisations and demo accounts (idempotent; DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Die Demodaten werden nur mit DEBUG=True geladen (nie in Produktion)."
            )
        password = settings.DEMO_PASSWORD
        accounts = create_demo_accounts(password=password)
        load_demo_content()
        coordinator = next(u for u in accounts if u.email == "koordination@example.org")
        certificate = create_demo_certificates(issued_by=coordinator)
        create_demo_cohort(password=password)
        self.stdout.write(
            self.style.SUCCESS(f"Demodaten geladen. Demo-Zugänge (Passwort: {password}):")
        )
        for user in accounts:
            self.stdout.write(f"  {user.email}")
        self.stdout.write(f"  absolventin@example.org (Zertifikat {certificate.number})")
        self.stdout.write(f"Zertifikat prüfen: {certificate.verification_url}")
        self.stdout.write(
            "Referent*innen, Koordination und admin@ melden sich mit einem zweiten Faktor an: "
            "Code aus einer Authenticator-App mit dem Demo-Schlüssel "
            f"{DEMO_TOTP_SECRET}, oder `.venv/bin/python manage.py demo_code`."
        )
