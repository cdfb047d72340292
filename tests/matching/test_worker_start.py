"""A web worker reads the suggestable mentors' cards as it starts (peerlink.gunicorn_config)."""

import logging

import pytest
from django.db import OperationalError

from matching import selectors
from peerlink import gunicorn_config
from tests.factories import MentorFactory

pytestmark = pytest.mark.django_db


class Worker:
    """What gunicorn hands the hook: a worker with gunicorn's error log."""

    log = logging.getLogger("gunicorn.error")


def test_a_starting_worker_reads_the_cards_and_says_how_many(caplog):
    mentors = [MentorFactory(display_name="Casey") for _ in range(3)]
    selectors._mentor_cards.clear()

    with caplog.at_level(logging.INFO, logger="gunicorn.error"):
        gunicorn_config.post_worker_init(Worker())

    assert set(selectors._mentor_cards) == {m.pk for m in mentors}
    assert "Read 3 mentor cards" in caplog.text
    assert "Casey" not in caplog.text


def test_a_worker_whose_database_cannot_answer_still_starts(monkeypatch, caplog):
    def unreachable():
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(selectors, "warm_mentor_cards", unreachable)
    selectors._mentor_cards.clear()

    with caplog.at_level(logging.INFO, logger="gunicorn.error"):
        gunicorn_config.post_worker_init(Worker())

    assert selectors._mentor_cards == {}
    assert "Mentor cards not read at start (OperationalError)" in caplog.text
