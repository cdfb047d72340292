"""Celery tasks for the audit trail."""

from celery import shared_task

from . import services


@shared_task(name="audit.purge_expired")
def purge_expired() -> int:
    """Daily: delete audit rows past the retention period (six years at least)."""
    return services.purge_expired()
