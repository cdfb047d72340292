"""The Celery application. Settings come from Django's, prefixed CELERY_."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerlink.settings.base")

app = Celery("peerlink")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """Create the embedded broker's folders; kombu expects them to exist."""
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        folder = app.conf.broker_transport_options.get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_embedded_broker(sender, **kwargs):
    ensure_broker_folders()
