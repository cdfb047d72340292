"""Celery tasks for matching. Tasks take ids only and are idempotent."""

from celery import shared_task


@shared_task(name="peerlink.ping")
def ping() -> str:
    """Answer 'pong': lets operators and the smoke test see a worker run a task."""
    return "pong"
