from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from content.demo import load_demo_content
from lms.accounts.demo import create_demo_accounts


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
        self.stdout.write(
            self.style.SUCCESS(f"Demodaten geladen. Demo-Zugänge (Passwort: {password}):")
        )
        for user in accounts:
            self.stdout.write(f"  {user.email}")
