"""Celery tasks for crisis safety. They take ids only and are idempotent."""

import smtplib

from celery import shared_task

from peerlink.queue import enqueue

from . import services
from .notifications import send_help_request_alert

SMTP_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(
    name="safety.alert_staff_of_help_request",
    autoretry_for=SMTP_ERRORS,
    max_retries=5,
    retry_backoff=30,
    retry_backoff_max=600,
)
def alert_staff_of_help_request(help_request_id: int) -> None:
    """Tell staff at once that a member asked for help now."""

    send_help_request_alert(help_request_id=help_request_id)


@shared_task(name="safety.sweep")
def sweep() -> int:
    """Every minute: enqueue the alerts the broker never delivered."""
    pending = services.help_requests_not_yet_alerted()
    for help_request_id in pending:
        enqueue(alert_staff_of_help_request, help_request_id)
    return len(pending)
