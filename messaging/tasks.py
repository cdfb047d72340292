"""Celery tasks for messaging. They take ids only (never text), are small, and are idempotent."""

import smtplib

from celery import shared_task
from django.db import transaction

from peerlink.queue import enqueue

from . import emails

SMTP_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(name="messaging.email_tick")
def email_tick() -> int:
    """Every minute: enqueue the "your peer wrote" emails that came due, and any lost."""
    email_ids = emails.claim_due()
    transaction.on_commit(lambda: [enqueue(send_message_email, pk) for pk in email_ids])
    return len(email_ids)


@shared_task(
    name="messaging.send_message_email",
    autoretry_for=SMTP_ERRORS,
    max_retries=5,
    retry_backoff=30,
    retry_backoff_max=600,
)
def send_message_email(email_id: int) -> bool:
    """Send one "your peer wrote" email once, unless it is no longer wanted."""
    return emails.send_due_email(email_id)
