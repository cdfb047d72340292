"""Answering the recovery check, and instruments as data: import, versions, going live."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError

from recovery import selectors, services
from recovery.models import (
    Answer,
    Dismissal,
    Instrument,
    InstrumentVersion,
    Item,
    RecoveryCheck,
    Threshold,
    VersionStatus,
)
from tests.factories import NewcomerFactory
from tests.recovery.conftest import take, ten_statement_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer():
    return NewcomerFactory(display_name="Wren")


# --- The starter instrument ------------------------------------------------------------


def test_peerlink_ships_its_own_starter_check_live_and_labelled_not_validated(starter):
    assert starter.status == VersionStatus.LIVE
    assert "not a validated instrument" in starter.instrument.name
    assert not starter.instrument.validated
    assert starter.instrument.cadence_days == 90
    items = list(starter.items.all())
    assert len(items) == 8
    assert {item.area for item in items} == {"social", "physical", "human", "cultural"}
    assert [label for _, label in starter.scale] == [
        "Not at all",
        "A little",
        "Somewhat",
        "Mostly",
        "Very much",
    ]
    assert not starter.thresholds.exists()


# --- Answering -------------------------------------------------------------------------


def test_answers_are_stored_with_the_score_and_each_areas_share(newcomer, starter):
    check = take(newcomer, starter, answers=[5, 4, 3, 2, 1, 2, 3, 4])
    assert check.score == 24
    assert check.area_scores == {"social": 9, "physical": 5, "human": 3, "cultural": 7}
    assert Answer.objects.filter(check_taken=check).count() == 8


def test_a_double_submit_with_the_same_token_counts_once(newcomer, starter):
    answers = {item.pk: 3 for item in starter.items.all()}
    first, created = services.check_record(
        member=newcomer, version_id=starter.pk, answers=answers, idempotency_key="same-token-1"
    )
    again, created_again = services.check_record(
        member=newcomer, version_id=starter.pk, answers=answers, idempotency_key="same-token-1"
    )
    assert created and not created_again
    assert first.pk == again.pk
    assert RecoveryCheck.objects.filter(member=newcomer).count() == 1


def test_the_same_token_from_another_member_is_their_own_check(newcomer, starter):
    other = NewcomerFactory()
    answers = {item.pk: 3 for item in starter.items.all()}
    for member in (newcomer, other):
        services.check_record(
            member=member, version_id=starter.pk, answers=answers, idempotency_key="shared-token"
        )
    assert RecoveryCheck.objects.count() == 2


@pytest.mark.parametrize("value", [0, 6, -1, 100])
def test_an_answer_out_of_range_is_refused_and_nothing_is_stored(newcomer, starter, value):
    answers = {item.pk: 3 for item in starter.items.all()}
    answers[next(iter(answers))] = value
    with pytest.raises(services.AnswerError, match="from 1 to 5"):
        services.check_record(
            member=newcomer, version_id=starter.pk, answers=answers, idempotency_key="out-of-range"
        )
    assert not RecoveryCheck.objects.exists()


def test_a_missing_answer_is_refused(newcomer, starter):
    answers = {item.pk: 3 for item in list(starter.items.all())[1:]}
    with pytest.raises(services.AnswerError, match="every statement"):
        services.check_record(
            member=newcomer, version_id=starter.pk, answers=answers, idempotency_key="missing-one"
        )


def test_an_answer_to_another_versions_statement_is_refused(newcomer, starter, ten_statements):
    answers = {item.pk: 3 for item in starter.items.all()}
    answers[ten_statements.items.first().pk] = 3
    with pytest.raises(services.AnswerError):
        services.check_record(
            member=newcomer, version_id=starter.pk, answers=answers, idempotency_key="mixed-items"
        )


def test_answers_to_a_retired_version_are_refused_with_a_clear_message(newcomer, starter):
    services.version_retire(version_id=starter.pk)
    with pytest.raises(services.RecoveryCheckError, match="updated since you opened them"):
        take(newcomer, starter)
    assert not RecoveryCheck.objects.exists()


def test_a_too_short_token_is_refused(newcomer, starter):
    with pytest.raises(services.RecoveryCheckError, match="expired"):
        services.check_record(
            member=newcomer,
            version_id=starter.pk,
            answers={item.pk: 3 for item in starter.items.all()},
            idempotency_key="x",
        )


# --- When it is offered ------------------------------------------------------------------


def test_the_check_is_offered_until_taken_then_again_after_ninety_days(newcomer, starter):
    assert selectors.offered_to(newcomer)
    with time_machine.travel(datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)):
        take(newcomer, starter)
    with time_machine.travel(datetime.datetime(2026, 5, 29, tzinfo=datetime.UTC)):
        assert not selectors.offered_to(newcomer)
    with time_machine.travel(datetime.datetime(2026, 5, 31, tzinfo=datetime.UTC)):
        assert selectors.offered_to(newcomer)


def test_not_now_stops_the_offer_until_the_next_period(newcomer, starter):
    with time_machine.travel(datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)):
        services.check_dismiss(member=newcomer)
        assert not selectors.offered_to(newcomer)
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)):
        assert selectors.offered_to(newcomer)
    assert Dismissal.objects.filter(member=newcomer).count() == 1


def test_the_instruments_cadence_sets_the_period(newcomer, starter):
    Instrument.objects.filter(pk=starter.instrument_id).update(cadence_days=30)
    with time_machine.travel(datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)):
        take(newcomer, starter)
    with time_machine.travel(datetime.datetime(2026, 4, 2, tzinfo=datetime.UTC)):
        assert selectors.offered_to(newcomer)


def test_mentors_are_not_offered_the_check(starter):
    from tests.factories import MentorFactory

    assert not selectors.offered_to(MentorFactory())


def test_nothing_is_offered_when_no_version_is_live(newcomer, starter):
    services.version_retire(version_id=starter.pk)
    assert not selectors.offered_to(newcomer)
    assert selectors.home_summary(newcomer)["available"] is False


# --- Versions ------------------------------------------------------------------------------


def test_a_version_with_answers_cannot_change_and_a_new_version_is_made_instead(newcomer, starter):
    take(newcomer, starter)
    with pytest.raises(services.VersionLocked, match="new version"):
        services.version_ensure_editable(starter)
    draft = services.version_copy_as_draft(version_id=starter.pk)
    assert draft.number == 2 and draft.status == VersionStatus.DRAFT
    assert [i.text for i in draft.items.all()] == [i.text for i in starter.items.all()]
    services.version_ensure_editable(draft)  # a draft nobody answered may change


def test_the_model_refuses_changes_to_an_answered_version_and_its_statements(newcomer, starter):
    from django.core.exceptions import ValidationError

    take(newcomer, starter)
    item = starter.items.first()
    item.text = "Changed after answers"
    for row in (starter, item, Threshold(version=starter, value=20, meaning="Any")):
        with pytest.raises(ValidationError, match="cannot change"):
            row.full_clean()


def test_items_with_answers_cannot_be_deleted(newcomer, starter):
    take(newcomer, starter)
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Item.objects.filter(version=starter).delete()


def test_making_a_draft_live_retires_the_instruments_live_version(newcomer, starter):
    take(newcomer, starter)
    draft = services.version_copy_as_draft(version_id=starter.pk)
    services.version_make_live(version_id=draft.pk)
    starter.refresh_from_db()
    assert starter.status == VersionStatus.RETIRED
    assert selectors.current_version().pk == draft.pk


def test_only_one_version_of_an_instrument_is_live_in_the_database(starter):
    draft = services.version_copy_as_draft(version_id=starter.pk)
    with pytest.raises(IntegrityError):
        InstrumentVersion.objects.filter(pk=draft.pk).update(status=VersionStatus.LIVE)


def test_a_draft_without_statements_cannot_go_live(starter):
    draft = services.version_copy_as_draft(version_id=starter.pk)
    draft.items.all().delete()
    with pytest.raises(services.RecoveryCheckError, match="at least one statement"):
        services.version_make_live(version_id=draft.pk)


# --- Import --------------------------------------------------------------------------------


def test_a_ten_statement_six_point_file_imports_as_a_draft_with_its_threshold():
    version = services.instrument_import(data=ten_statement_file())
    assert version.status == VersionStatus.DRAFT
    assert version.items.count() == 10
    assert (version.scale_min, version.scale_max) == (1, 6)
    assert list(version.thresholds.values_list("value", flat=True)) == [47]
    assert version.instrument.validated


def count_rows() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Instrument, InstrumentVersion, Item, Threshold)
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"items": []}, "needs “items”"),
        ({"items": None}, "needs “items”"),
        ({"items": [{"text": "Fine"}, {"area": "social"}]}, "Statement 2 needs a “text”"),
        ({"items": [{"text": "Fine", "area": "spiritual"}]}, "“area” must be one of"),
        ({"scale": {"min": 1, "max": 6, "labels": ["a", "b"]}}, "needs 6 labels"),
        ({"scale": {"min": 6, "max": 1, "labels": []}}, "must be above its “min”"),
        ({"scale": {"min": "1", "max": 6, "labels": []}}, "whole number"),
        ({"scale": None}, "needs a “scale”"),
        ({"thresholds": [{"value": 99, "meaning": "Too high"}]}, "outside 10–60"),
        ({"name": ""}, "needs a “name”"),
        ({"cadence_days": 1}, "between 7 and 730"),
    ],
)
def test_a_bad_file_gives_a_clear_message_and_imports_nothing(starter, changes, message):
    before = count_rows()
    with pytest.raises(services.InstrumentImportError, match=message):
        services.instrument_import(data=ten_statement_file(**changes))
    assert count_rows() == before


def test_a_duplicate_name_is_refused_and_nothing_is_imported(starter):
    services.instrument_import(data=ten_statement_file())
    before = count_rows()
    with pytest.raises(services.InstrumentImportError, match="already exists"):
        services.instrument_import(data=ten_statement_file(name="TEN STATEMENTS (test)"))
    assert count_rows() == before


def test_a_file_that_is_not_an_object_is_refused():
    with pytest.raises(services.InstrumentImportError, match="one JSON object"):
        services.instrument_import(data=[1, 2, 3])


# --- Aggregates for staff -------------------------------------------------------------------


def test_outcomes_give_the_median_change_and_share_above_each_threshold(ten_statements):
    first = datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
    later = datetime.datetime(2026, 4, 5, tzinfo=datetime.UTC)
    people = [NewcomerFactory() for _ in range(4)]
    # Totals (ten items): 30 → 50, 40 → 40, 45 → 48, and one member who answered once: 20.
    for member, (before, after) in zip(people[:2], [(3, 5), (4, 4)], strict=True):
        take(member, ten_statements, value=before, when=first)
        take(member, ten_statements, value=after, when=later)
    take(people[2], ten_statements, answers=[5] * 5 + [4] * 5, when=first)
    take(people[2], ten_statements, answers=[5] * 8 + [4] * 2, when=later)
    take(people[3], ten_statements, value=2, when=first)

    [outcome] = [o for o in selectors.outcomes_by_version() if o.version.pk == ten_statements.pk]
    assert outcome.members == 4
    assert outcome.members_with_two_or_more == 3
    assert outcome.median_change == 3  # changes 20, 0, 3
    [(value, meaning, share)] = outcome.above_thresholds
    assert value == 47 and "remission" in meaning
    assert share == 0.5  # latest 50 and 48 of 50, 40, 48, 20


def test_outcomes_never_mix_versions(starter, ten_statements):
    member = NewcomerFactory()
    take(member, starter, value=1, when=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC))
    take(member, ten_statements, value=6, when=datetime.datetime(2026, 4, 5, tzinfo=datetime.UTC))
    outcomes = {o.version.pk: o for o in selectors.outcomes_by_version()}
    assert outcomes[starter.pk].median_change is None
    assert outcomes[ten_statements.pk].median_change is None


def test_a_submit_racing_its_twin_past_the_lock_still_counts_once(newcomer, starter, monkeypatch):
    """Where rows cannot be locked (SQLite), the unique key decides: the twin gets the
    check the first one recorded, not an error."""
    answers = {item.pk: 3 for item in starter.items.all()}
    first, _ = services.check_record(
        member=newcomer, version_id=starter.pk, answers=answers, idempotency_key="racing-key"
    )
    real_filter = RecoveryCheck.objects.filter

    def blind_to_the_twin(*args, **kwargs):
        # The twin's look-up ran before the first one committed.
        if kwargs.get("idempotency_key") == "racing-key":
            return RecoveryCheck.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(RecoveryCheck.objects, "filter", blind_to_the_twin)
    again, created = services.check_record(
        member=newcomer, version_id=starter.pk, answers=answers, idempotency_key="racing-key"
    )
    assert not created and again.pk == first.pk
    assert real_filter(member=newcomer).count() == 1
