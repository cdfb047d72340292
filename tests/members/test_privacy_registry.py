"""Every app says what happens to its rows about a member: in their export, when they
delete their account and when the retention job runs (`members.privacy`)."""

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from members import privacy
from members.export import SECTIONS, member_data_export
from members.models import Member
from tests.factories import NewcomerFactory


def models_pointing_at_a_member() -> set[type[models.Model]]:
    """Return every model with a foreign key or one-to-one to a member or an account,
    or an audit row naming one by a plain id."""
    targets = {Member, apps.get_model(settings.AUTH_USER_MODEL)}
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model in targets:
                found.add(model)
            elif isinstance(field, models.IntegerField) and field.name.endswith(
                ("member_id", "user_id")
            ):
                # The audit trail names people by plain ids, never by foreign keys.
                found.add(model)
    return found


def uncovered() -> set[str]:
    covered = set()
    for part in privacy.registered():
        covered |= set(part.models) | set(part.kept)
    return {model._meta.label for model in models_pointing_at_a_member() - covered}


def test_every_model_pointing_at_a_member_is_covered_by_a_registered_part():
    assert not uncovered(), (
        "Register these in their app's privacy.py (export, erase, purge) or list them in "
        f"`kept` with why: {sorted(uncovered())}"
    )


def test_a_part_left_unregistered_leaves_its_models_uncovered():
    home = privacy.unregister("home")
    try:
        assert uncovered() == {"home.HomeVisit"}
    finally:
        privacy.register(home)


def test_every_model_kept_says_why_and_is_not_also_handled():
    for part in privacy.registered():
        assert all(reason.strip() for reason in part.kept.values()), part.app_label
        assert not set(part.kept) & set(part.models), part.app_label


def test_an_app_must_say_when_its_part_runs():
    with pytest.raises(ImproperlyConfigured):
        privacy.register(privacy.MemberData(app_label="programme"))
    with pytest.raises(ImproperlyConfigured):
        privacy.register(privacy.MemberData(app_label="home"))


@pytest.mark.django_db
def test_the_export_lists_its_sections_in_the_documented_order():
    data = member_data_export(NewcomerFactory())

    assert list(data) == ["format_version", *SECTIONS]
    assert SECTIONS == (
        "account",
        "profile",
        "consent_records",
        "matches",
        "conversations",
        "check_ins",
        "reminders",
        "blocks_you_made",
        "reports_you_made",
        "help_requests",
        "concerns_you_raised_with_staff",
        "api_tokens",
        "home_page_visits",
        "recovery_checks",
        "steps",
        "accounting_of_disclosures",
    )
