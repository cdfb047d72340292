"""Enqueue Celery tasks without letting a broken broker break a member's page."""

import logging

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task, *args, countdown: int | None = None) -> bool:
    """Enqueue `task(*args)`, after `countdown` seconds if given; return False and log
    (ids only) if the broker is down.

    Callers keep the work in the database (an outbox row), and a periodic
    sweep enqueues it again, so nothing is lost while the broker is away.
    """
    try:
        if countdown is None:
            task.delay(*args)
        else:
            task.apply_async(args=args, countdown=countdown)
    except (OperationalError, ConnectionError, OSError) as exc:
        logger.warning(
            "Broker unreachable (%s); %s%r will be retried by the sweep",
            type(exc).__name__,
            task.name,
            args,
        )
        return False
    return True
