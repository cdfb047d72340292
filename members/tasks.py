"""Celery tasks for members. Tasks take ids only and are idempotent."""

import logging

from celery import shared_task

from .services import retention_purge as purge

logger = logging.getLogger(__name__)


@shared_task(name="retention.purge")
def retention_purge() -> dict:
    """Purge what the programme's retention settings no longer allow us to keep."""

    counts = purge()
    # Counts only: never an id, a name or an address.
    logger.info(
        "Retention purge: %s", ", ".join(f"{name} {count}" for name, count in counts.items())
    )
    return counts
