from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from courses.coordination.tasks import send_due_reminders


class Command(BaseCommand):
    help = "Queue the daily reminder task unless one is already waiting (safe to run often)."

    def handle(self, *args, **options):
        waiting = DBTaskResult.objects.filter(
            task_path=send_due_reminders.module_path, status="READY"
        ).exists()
        if waiting:
            self.stdout.write("Erinnerungen sind bereits eingeplant.")
            return
        send_due_reminders.enqueue()
        self.stdout.write("Tägliche Erinnerungen eingeplant.")
