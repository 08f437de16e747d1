"""Background tasks (backend "background", run by `manage.py db_worker`)."""

from django_tasks import task

BACKEND = "background"


@task(backend=BACKEND, queue_name="pdf")
def render_certificate_task(*, certificate_id: int, attempt: int = 1) -> None:
    from .services import render_certificate

    render_certificate(certificate_id=certificate_id, attempt=attempt)
