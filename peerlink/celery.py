"""The Celery application. Settings come from Django's, prefixed CELERY_."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerlink.settings.development")

app = Celery("peerlink")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """Create the embedded broker's folders; kombu expects them to exist."""
    for key in (
        "data_folder_in",
        "data_folder_out",
        "staging_folder",
        "claimed_folder",
        "control_folder",
    ):
        folder = app.conf.broker_transport_options.get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_embedded_broker(sender, **kwargs):
    ensure_broker_folders()


@task_prerun.connect
@task_postrun.connect
def _close_old_database_connections(sender=None, **kwargs):
    """Around each task, as around each request: drop a connection that broke or aged out.

    Connections then live for CONN_MAX_AGE (with CELERY_DB_REUSE_MAX set) rather
    than one per task. Eager tasks run inside the caller's transaction: leave those.
    """
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
