"""Enqueue Celery tasks without letting a broken broker break a member's page."""

import logging

from celery import current_app
from django.utils.module_loading import autodiscover_modules
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task, *args, countdown: int | None = None) -> bool:
    """Enqueue `task(*args)`, after `countdown` seconds if given; return False and log
    (ids only) if the broker is down.

    `task` is a task or its registered name (`"matching.recompute_suggestions"`):
    services enqueue by name, so that no service imports a task module (the tasks
    import the services they call).

    Callers keep the work in the database (an outbox row), and a periodic
    sweep enqueues it again, so nothing is lost while the broker is away.
    """
    if isinstance(task, str):
        if task not in current_app.tasks:
            # A web process has not imported the apps' task modules yet. Import them
            # as Django does: Celery's own way (`loader.import_default_modules`)
            # runs `django.setup()` again, which resets logging to the settings and
            # drops any handler added since.
            autodiscover_modules("tasks")
        task = current_app.tasks[task]
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
