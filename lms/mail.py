"""Outgoing e-mail as background tasks: rendered in the request, sent by the worker, retried.

Retry: django-tasks has no automatic retry, so a failed send re-queues itself with a growing
delay; after the last attempt the error is logged and the task fails visibly (DBTaskResult).
"""

import logging
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKEND = "background"


@task(backend=BACKEND, queue_name="email")
def send_mail_task(
    *,
    to: list[str],
    subject: str,
    text_body: str,
    html_body: str = "",
    attachments: list[tuple[str, str, str]] | None = None,
    attempt: int = 1,
) -> None:
    """Send one e-mail; attachments are (filename, text content, mimetype) triples."""
    message = EmailMultiAlternatives(subject=subject, body=text_body, to=to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    try:
        message.send()
    except Exception:
        if attempt >= MAX_ATTEMPTS:
            logger.exception("Giving up on e-mail %r to %s after %s attempts", subject, to, attempt)
            raise
        delay = timedelta(minutes=2**attempt)
        logger.warning("E-mail %r to %s failed, retrying in %s", subject, to, delay)
        send_mail_task.using(run_after=timezone.now() + delay).enqueue(
            to=to,
            subject=subject,
            text_body=text_body,
            html_body=html_body,
            attachments=attachments,
            attempt=attempt + 1,
        )


def queue_templated_mail(
    *,
    to: list[str],
    template: str,
    context: dict,
    attachments: list[tuple[str, str, str]] | None = None,
) -> None:
    """Render `<template>_subject.txt`, `.txt` and `.html` now; send after the commit."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    text_body = render_to_string(f"{template}.txt", context)
    html_body = render_to_string(f"{template}.html", context)
    transaction.on_commit(
        lambda: send_mail_task.enqueue(
            to=to,
            subject=subject,
            text_body=text_body,
            html_body=html_body,
            attachments=attachments,
        )
    )
