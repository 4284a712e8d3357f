"""Email leaves through the worker: a request only queues it, so a slow or down mail server never holds a page."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(subject: str, body: str, to: list[str]) -> None:
    # Raises on an SMTP failure, so the worker retries it with back-off.
    send_mail(subject, body, None, to)


def queue_email(subject: str, body: str, to: Sequence[str]) -> None:
    """Send after the current transaction commits (and never if it rolls back)."""
    recipients = [address for address in to if address]
    if recipients:
        send_email.enqueue(subject=subject, body=body, to=recipients)
