from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from lms.privacy.tasks import apply_retention_daily


class Command(BaseCommand):
    help = "Queue the daily retention task unless one is already waiting (safe to run often)."

    def handle(self, *args, **options):
        waiting = DBTaskResult.objects.filter(
            task_path=apply_retention_daily.module_path, status="READY"
        ).exists()
        if waiting:
            self.stdout.write("Löschfristen sind bereits eingeplant.")
            return
        apply_retention_daily.enqueue()
        self.stdout.write("Tägliche Löschfristen eingeplant.")
