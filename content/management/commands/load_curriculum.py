from django.core.management.base import BaseCommand

from content.curriculum import load_curriculum


class Command(BaseCommand):
    help = "Load or update the starter curriculum from content/curriculum/ (idempotent)."

    def handle(self, *args, **options):
        report = load_curriculum()
        self.stdout.write(
            f"Curriculum: {len(report.created)} neu, {len(report.updated)} aktualisiert, "
            f"{len(report.unchanged)} unverändert, "
            f"{len(report.skipped_edited)} übersprungen (in der Verwaltung bearbeitet)."
        )
        for label in report.skipped_edited:
            self.stdout.write(f"  übersprungen: {label}")
