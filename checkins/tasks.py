"""Celery tasks for check-ins. They take ids only, are small, and are idempotent."""

import logging
import smtplib

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.db import transaction

from peerlink.queue import enqueue

from . import services
from .notifications import send_concern_alert, send_staff_digest

logger = logging.getLogger(__name__)

# Bounded retries with back-off; the longest wait (10 min) stays well inside
# the Redis visibility timeout (1 h), so no message is redelivered early.
SMTP_ERRORS = (smtplib.SMTPException, OSError)
# Reminders per message: one message per reminder spends more on the broker
# round trip than on the email.
BATCH = 25
# A batch running longer than this hands the rest on (soft time limit: 60 s).
BATCH_SECONDS = 30


@shared_task(name="checkins.tick")
def tick() -> int:
    """Every minute: add the reminders that came due and enqueue the unsent ones."""
    services.reminders_create_due()
    reminder_ids = services.reminders_claim_due()
    batches = [reminder_ids[i : i + BATCH] for i in range(0, len(reminder_ids), BATCH)]
    transaction.on_commit(lambda: [enqueue(send_reminders, batch) for batch in batches])
    # Concerns whose alert never went out (broker down when they were raised).
    for checkin_id in services.concerns_not_yet_alerted():
        enqueue(alert_staff_of_concern, checkin_id)
    return len(reminder_ids)


@shared_task(name="checkins.send_reminders", bind=True, max_retries=5, retry_backoff_max=600)
def send_reminders(self, reminder_ids: list[int]) -> int:
    """Send each reminder in the batch once; return how many went out now.

    Each reminder is claimed on its own just before it is sent, so a worker
    killed mid-batch leaves at most one reminder in doubt. On an SMTP error the
    batch is retried with back-off (what was sent is skipped); once the retries
    are spent the tick enqueues what is left. A batch that runs long hands its
    rest to a new message, well inside the soft time limit.
    """
    try:
        sent, rest = services.reminders_send(reminder_ids=reminder_ids, seconds=BATCH_SECONDS)
    except SMTP_ERRORS as exc:
        countdown = get_exponential_backoff_interval(
            factor=30,
            retries=self.request.retries,
            maximum=self.retry_backoff_max,
            full_jitter=True,
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
    if rest:
        enqueue(send_reminders, rest)
    return sent


@shared_task(
    name="checkins.alert_staff_of_concern",
    autoretry_for=SMTP_ERRORS,
    max_retries=5,
    retry_backoff=30,
    retry_backoff_max=600,
)
def alert_staff_of_concern(checkin_id: int) -> None:
    """Tell staff at once that a check-in raised a concern."""

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

    return send_staff_digest()
