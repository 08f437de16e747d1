import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lms.accounts.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Zeigt den aktuellen Anmeldecode der Demo-Konten mit Rolle (nur mit DEBUG=True)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Nur in der Entwicklungsumgebung (DEBUG=True).")
        period = 30
        counter = int(time.time()) // period
        seconds_left = period - int(time.time()) % period
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
        self.stdout.write(f"{code}  (noch {seconds_left} s gültig)")
