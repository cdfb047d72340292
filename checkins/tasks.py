"""Celery tasks for check-ins. They take ids only, are small, and are idempotent."""

import logging
import smtplib

from celery import shared_task
from django.db import transaction

from peerlink.queue import enqueue

from . import services

logger = logging.getLogger(__name__)

# Bounded retries with back-off; the longest wait (10 min) stays well inside
# the Redis visibility timeout (1 h), so no message is redelivered early.
SMTP_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(name="checkins.tick")
def tick() -> int:
    """Every minute: add the reminders that came due and enqueue the unsent ones."""
    services.reminders_create_due()
    reminder_ids = services.reminders_claim_due()
    transaction.on_commit(lambda: [enqueue(send_reminder, pk) for pk in reminder_ids])
    # Concerns whose alert never went out (broker down when they were raised).
    for checkin_id in services.concerns_not_yet_alerted():
        enqueue(alert_staff_of_concern, checkin_id)
    return len(reminder_ids)


@shared_task(
    name="checkins.send_reminder",
    autoretry_for=SMTP_ERRORS,
    max_retries=5,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
)
def send_reminder(reminder_id: int) -> bool:
    """Send one reminder, once."""
    return services.reminder_send(reminder_id=reminder_id)


@shared_task(
    name="checkins.alert_staff_of_concern",
    autoretry_for=SMTP_ERRORS,
    max_retries=5,
    retry_backoff=30,
    retry_backoff_max=600,
)
def alert_staff_of_concern(checkin_id: int) -> None:
    """Tell staff at once that a check-in raised a concern."""
    from .notifications import send_concern_alert

    send_concern_alert(checkin_id=checkin_id)


@shared_task(
    name="checkins.staff_digest",
    autoretry_for=SMTP_ERRORS,
    max_retries=5,
    retry_backoff=30,
    retry_backoff_max=600,
)
def staff_digest() -> int:
    """Email staff the daily list of matches that need attention."""
    from .notifications import send_staff_digest

    return send_staff_digest()
