"""gunicorn's settings for PeerLink's web workers, which the Dockerfile passes to
gunicorn as `--config python:peerlink.gunicorn_config`."""

import time


def post_worker_init(worker):
    """Read the cards of the mentors who may be suggested as the worker starts, so that
    the first newcomers it serves do not wait for them (`warm_mentor_cards`).

    A worker whose database cannot answer yet starts anyway: its pages read the
    cards they need, as they would without this.
    """
    from django.db import DatabaseError, connections

    from matching.selectors import warm_mentor_cards

    started = time.monotonic()
    try:
        kept = warm_mentor_cards()
    except DatabaseError as error:
        worker.log.warning("Mentor cards not read at start (%s)", type(error).__name__)
        return
    finally:
        connections.close_all()
    worker.log.info("Read %d mentor cards in %.1f s", kept, time.monotonic() - started)
