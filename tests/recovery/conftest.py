"""The recovery check's people and instruments."""

import importlib
import uuid

import pytest
from django.apps import apps

from recovery.selectors import current_version
from recovery.services import check_record, instrument_import, version_make_live

LABELS_6 = [
    "Strongly disagree",
    "Disagree",
    "Somewhat disagree",
    "Somewhat agree",
    "Agree",
    "Strongly agree",
]


def ten_statement_file(name: str = "Ten statements (test)", **overrides) -> dict:
    """An instrument shaped like the BARC-10 (ten items, six points, threshold 47), with
    placeholder statements: no published item text."""
    data = {
        "name": name,
        "citation": "A test instrument.",
        "validated": True,
        "cadence_days": 90,
        "scale": {"min": 1, "max": 6, "labels": LABELS_6},
        "items": [
            {"text": f"Statement {number}", "area": area}
            for number, area in enumerate(
                ["social", "physical", "human", "cultural"] * 2 + ["human", "social"], start=1
            )
        ],
        "thresholds": [{"value": 47, "meaning": "Associated with sustained remission"}],
    }
    data.update(overrides)
    return data


def ensure_starter():
    """Return PeerLink's own starter check, shipped live by its data migration; a test
    database flushed by an earlier transactional test gets it back from the migration."""
    version = current_version()
    if version is None:
        importlib.import_module("recovery.migrations.0002_starter_instrument").add_starter(
            apps, None
        )
        version = current_version()
    return version


@pytest.fixture
def starter(db):
    return ensure_starter()


def take(member, version=None, value=4, key=None, when=None, answers=None):
    """Record `member`'s check with every answer `value` (or `answers` by order)."""
    version = version or current_version()
    items = list(version.items.order_by("order"))
    given = answers or [value] * len(items)
    check, _ = check_record(
        member=member,
        version_id=version.pk,
        answers={item.pk: given[index] for index, item in enumerate(items)},
        idempotency_key=key or f"key-{member.pk}-{uuid.uuid4().hex[:16]}",
        now=when,
    )
    return check


@pytest.fixture
def ten_statements(db):
    """A live ten-statement instrument, made live after the starter."""
    version = instrument_import(data=ten_statement_file())
    return version_make_live(version_id=version.pk)
