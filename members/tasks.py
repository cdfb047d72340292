"""Celery tasks for members. Tasks take ids only and are idempotent."""

import logging

from celery import shared_task

from .services import retention_purge as purge

logger = logging.getLogger(__name__)


@shared_task(name="retention.purge")
def retention_purge() -> dict:
    """Purge what the programme's retention settings no longer allow us to keep."""

    result = purge()
    # Counts only: never an id, a name or an address.
    logger.info(
        "Retention purge: %d matches, %d check-ins, %d reports, %d messages, "
        "%d stale sign-ups, %d sign-in records",
        result.matches_purged,
        result.checkins_purged,
        result.reports_purged,
        result.messages_purged,
        result.signups_deleted,
        result.sign_in_records_deleted,
    )
    return result.__dict__
