"""Stored suggestions: computed for everyone at once, read through one selector that never
shows a mentor who is no longer eligible, and recomputed when the rules or profiles change."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from matching import selectors, services
from matching.models import (
    Block,
    MatchingSettings,
    SuggestionList,
    SuggestionPlan,
    SuggestionRanking,
)
from members.models import Language, Member, VettingStatus
from members.services import delete_account
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, tag
from tests.matching.test_views import client_for
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

# Written over the stored reasons, so a test can tell the stored list from one computed now.
STORED = "(as stored)"


def mark_stored(newcomer: Member) -> None:
    stored = SuggestionList.objects.get(newcomer=newcomer)
    for entry in stored.entries:
        entry["reasons"] = [STORED]
    stored.save(update_fields=["entries"])


def shown(newcomer: Member) -> dict[int, list[str]]:
    """Return the mentors the newcomer is shown now, with their reasons."""
    fresh = Member.objects.get(pk=newcomer.pk)
    return {s.mentor.pk: s.reasons for s in selectors.suggestions_for(fresh)}


@pytest.fixture
def stored():
    """A newcomer with two suggested mentors, their list computed and stored."""
    newcomer = NewcomerFactory(display_name="Robin")
    mentor, other = MentorFactory(display_name="Casey"), MentorFactory(display_name="Jo")
    services.suggestions_recompute()
    mark_stored(newcomer)
    assert shown(newcomer) == {mentor.pk: [STORED], other.pk: [STORED]}
    return newcomer, mentor, other


def make_full(newcomer, mentor):
    Member.objects.filter(pk=mentor.pk).update(capacity=1)
    ActiveMatchFactory(mentor=mentor)


def make_blocked_by_mentor(newcomer, mentor):
    Block.objects.create(blocker=mentor, blocked=newcomer)


def make_blocked_by_newcomer(newcomer, mentor):
    Block.objects.create(blocker=newcomer, blocked=mentor)


# Each change is written without touching the mentor's `updated_at`, as the staff
# actions and safety flows may: the live check itself must catch it.
STALE = {
    "full": make_full,
    "paused": lambda n, m: Member.objects.filter(pk=m.pk).update(is_paused=True),
    "blocked by the mentor": make_blocked_by_mentor,
    "blocked by the newcomer": make_blocked_by_newcomer,
    "held for review": lambda n, m: Member.objects.filter(pk=m.pk).update(held_for_review=True),
    "vetting revoked": lambda n, m: Member.objects.filter(pk=m.pk).update(
        vetting_status=VettingStatus.REJECTED
    ),
    "account closed": lambda n, m: (
        type(m.user).objects.filter(pk=m.user_id).update(is_active=False)
    ),
    "account deleted": lambda n, m: Member.objects.filter(pk=m.pk).update(
        deleted_at=timezone.now()
    ),
    "profile changed since": lambda n, m: Member.objects.get(pk=m.pk).save(),
}


@pytest.mark.parametrize("change", list(STALE))
def test_a_stored_suggestion_that_went_stale_is_never_shown(stored, change):
    newcomer, mentor, other = stored

    STALE[change](newcomer, mentor)

    # The other mentor still comes from the stored list; the stale one is gone.
    assert shown(newcomer) == {other.pk: [STORED]}


def test_when_every_stored_mentor_went_stale_the_list_is_computed_now(stored):
    newcomer, mentor, other = stored
    newcomer_mentor = MentorFactory(display_name="Lee")  # joined after the list was stored
    for gone in (mentor, other):
        Member.objects.filter(pk=gone.pk).update(is_paused=True)

    assert list(shown(newcomer)) == [newcomer_mentor.pk]
    assert shown(newcomer)[newcomer_mentor.pk] != [STORED]


def test_a_newcomer_held_for_review_is_shown_no_one(stored):
    newcomer, _, _ = stored
    Member.objects.filter(pk=newcomer.pk).update(held_for_review=True)
    assert shown(newcomer) == {}


def test_a_newcomer_who_changed_their_profile_sees_suggestions_computed_now():
    english, spanish = Language.objects.get(code="en"), Language.objects.get(code="es")
    newcomer = NewcomerFactory()
    MentorFactory(languages=[english])
    both = MentorFactory(languages=[english, spanish])
    services.suggestions_recompute()
    mark_stored(newcomer)

    newcomer = Member.objects.get(pk=newcomer.pk)
    newcomer.languages.set([spanish])
    newcomer.save()

    assert list(shown(newcomer)) == [both.pk]
    assert shown(newcomer)[both.pk] != [STORED]


def test_a_newcomer_with_no_stored_list_gets_one_computed_on_the_spot():
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    assert not SuggestionList.objects.exists()
    assert list(shown(newcomer)) == [mentor.pk]


def test_new_rules_apply_at_once_and_recompute_everyone(stored, django_capture_on_commit_callbacks):
    newcomer, mentor, other = stored
    settings_row = MatchingSettings.get_solo()
    settings_row.min_gap_months = 60  # both mentors are three years along
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.matching_settings_save(settings_row=settings_row, user=None)

    assert len(callbacks) == 1
    assert shown(newcomer) == {}
    assert SuggestionList.objects.get(newcomer=newcomer).entries == []


def test_the_staff_switch_chooses_the_ranking_and_recomputes(django_capture_on_commit_callbacks):
    # Two newcomers who both fit Ada best; Ada has one free place, Bo has three.
    # Ada shares their pathway and age; Bo neither. Left to random, the two mentors could tie.
    pathway = tag("pathway-12-step")
    ada = MentorFactory(display_name="Ada", capacity=1, birth_year=1990, tags=[pathway])
    bo = MentorFactory(display_name="Bo", capacity=3, birth_year=1960, tags=[])
    first, second = (NewcomerFactory(birth_year=1991, tags=[pathway]) for _ in range(2))
    services.suggestions_recompute()
    assert SuggestionPlan.objects.get().ranking == SuggestionRanking.DEMAND_AWARE
    firsts = {
        selectors.suggestions_for(Member.objects.get(pk=n.pk))[0].mentor.pk for n in (first, second)
    }
    assert firsts == {ada.pk, bo.pk}

    settings_row = MatchingSettings.get_solo()
    settings_row.suggestion_ranking = SuggestionRanking.PLAIN
    with django_capture_on_commit_callbacks(execute=True):
        services.matching_settings_save(settings_row=settings_row, user=None)

    assert SuggestionPlan.objects.get().ranking == SuggestionRanking.PLAIN
    assert set(SuggestionList.objects.values_list("ranking", flat=True)) == {"plain"}
    for newcomer in (first, second):
        assert selectors.suggestions_for(Member.objects.get(pk=newcomer.pk))[0].mentor == ada


def test_newcomers_beyond_the_room_are_told_they_are_waiting_for_room():
    MentorFactory(display_name="Ada", capacity=1)
    first, second = NewcomerFactory(), NewcomerFactory()
    services.suggestions_recompute()

    statuses = [
        selectors.suggestions_with_status(Member.objects.get(pk=n.pk)) for n in (first, second)
    ]
    assert sorted(len(status.suggestions) for status in statuses) == [0, 1]
    waiting = next(
        n for n, status in zip((first, second), statuses, strict=True) if not status.suggestions
    )
    assert SuggestionPlan.objects.get().waiting_for_room == 1

    page = client_for(waiting).get(reverse("matching:suggestions")).content.decode()
    assert "already asked by as many people as they have room for" in page
    assert "Ask Ada" not in page
    home = client_for(waiting).get(reverse("home:me")).content.decode()
    assert "already asked by as many people as they have room for" in home


def test_a_recompute_replaces_every_list_and_drops_newcomers_no_longer_waiting():
    newcomer, matched = NewcomerFactory(), NewcomerFactory()
    MentorFactory()
    services.suggestions_recompute()
    assert SuggestionList.objects.count() == 2

    ActiveMatchFactory(newcomer=matched)
    plan = services.suggestions_recompute()

    assert list(SuggestionList.objects.values_list("newcomer_id", flat=True)) == [newcomer.pk]
    assert plan.newcomers == 1


def test_finishing_a_profile_edit_stores_fresh_suggestions(django_capture_on_commit_callbacks):
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(newcomer).post(
            reverse("members:profile_edit", args=["availability"]),
            {"time_zone": "Europe/London", "availability": ["mon-evening"]},
        )
    assert response.status_code == 302
    stored = SuggestionList.objects.get(newcomer=newcomer)
    assert [entry["mentor"] for entry in stored.entries] == [mentor.pk]
    assert stored.computed_at >= Member.objects.get(pk=newcomer.pk).updated_at


def test_deleting_an_account_deletes_its_suggestions():
    newcomer = NewcomerFactory()
    MentorFactory()
    services.suggestions_recompute()
    delete_account(member=newcomer)
    assert not SuggestionList.objects.filter(newcomer=newcomer).exists()


def test_the_beat_recomputes_everyones_suggestions_every_few_minutes():
    task = PeriodicTask.objects.get(task="matching.recompute_suggestions")
    assert task.enabled
    assert (
        datetime.timedelta(minutes=1)
        <= task.interval.schedule.run_every
        <= datetime.timedelta(minutes=10)
    )


def test_the_page_reads_a_stored_list_in_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    newcomer = NewcomerFactory()
    for _ in range(3):
        MentorFactory()
    services.suggestions_recompute()
    client = client_for(newcomer)
    queries = count_queries(client, reverse("matching:suggestions"))

    for _ in range(30):
        MentorFactory()
        NewcomerFactory()
    services.suggestions_recompute()
    client.get(reverse("matching:suggestions"))  # this process reads the new mentors' cards
    with django_assert_num_queries(queries):
        response = client.get(reverse("matching:suggestions"))
    assert response.status_code == 200 and len(response.context["suggestions"]) == 5


def test_the_home_reads_only_the_mentors_it_shows_skipping_stale_ones():
    newcomer = NewcomerFactory()
    mentors = [MentorFactory() for _ in range(6)]
    services.suggestions_recompute()
    order = [entry["mentor"] for entry in SuggestionList.objects.get(newcomer=newcomer).entries]
    assert len(order) >= 5  # more than the home shows
    Member.objects.filter(pk=order[0]).update(is_paused=True)
    selectors._mentor_cards.clear()  # a process that has read no mentor yet

    found = selectors.suggestions_with_status(Member.objects.get(pk=newcomer.pk), limit=3)

    # The next three in the stored order, the paused one skipped, and only their
    # profiles read: not the other mentors on the list.
    assert [s.mentor.pk for s in found.suggestions] == order[1:4]
    assert set(selectors._mentor_cards) == set(order[1:4])
    assert {m.pk for m in mentors} >= set(order)


def test_a_worker_that_read_the_cards_at_start_shows_suggestions_reading_no_mentor(
    django_assert_num_queries,
):
    newcomer = NewcomerFactory()
    mentors = [MentorFactory() for _ in range(6)]
    services.suggestions_recompute()
    paused = mentors[0]
    Member.objects.filter(pk=paused.pk).update(is_paused=True)
    client = client_for(newcomer)
    client.get(reverse("home:me"))  # the session's first request, not counted
    selectors._mentor_cards.clear()  # a worker that has just started
    cold = count_queries(client, reverse("matching:suggestions"), warm_up=False)
    selectors._mentor_cards.clear()

    assert selectors.warm_mentor_cards() == 5
    # Every mentor who may be suggested now, and not the paused one.
    assert set(selectors._mentor_cards) == {m.pk for m in mentors[1:]}
    # The mentors, their tags and their languages are no longer read by the page.
    with django_assert_num_queries(cold - 3):
        response = client.get(reverse("matching:suggestions"))
    assert [s.mentor.pk for s, _view in response.context["suggestions"]] == [
        entry["mentor"]
        for entry in SuggestionList.objects.get(newcomer=newcomer).entries
        if entry["mentor"] != paused.pk
    ]


def test_the_warm_up_keeps_no_more_cards_than_a_process_keeps(monkeypatch):
    for _ in range(4):
        MentorFactory()
    monkeypatch.setattr(selectors, "_MENTOR_CARDS_KEPT", 3)
    monkeypatch.setattr(selectors, "_WARM_BLOCK", 2)
    selectors._mentor_cards.clear()

    assert selectors.warm_mentor_cards() == 3
    assert len(selectors._mentor_cards) == 3


def test_a_mentors_edited_card_is_read_again_and_never_shown_stale(stored):
    newcomer, mentor, other = stored
    page = client_for(newcomer).get(reverse("matching:suggestions")).content.decode()
    assert "Casey" in page  # this process now keeps Casey's card as read

    mentor = Member.objects.get(pk=mentor.pk)
    mentor.display_name = "Rowan"
    mentor.save()  # a profile edit: the stored list drops the mentor until recomputed
    page = client_for(newcomer).get(reverse("matching:suggestions")).content.decode()
    assert "Casey" not in page and "Rowan" not in page and "Jo" in page

    services.suggestions_recompute()
    page = client_for(newcomer).get(reverse("matching:suggestions")).content.decode()
    assert "Rowan" in page and "Casey" not in page


def test_a_mentors_profile_edit_puts_them_back_on_lists_soon(
    stored, django_capture_on_commit_callbacks
):
    newcomer, mentor, other = stored
    client = client_for(mentor)
    with django_capture_on_commit_callbacks(execute=True) as first:
        response = client.post(
            reverse("members:profile_edit", args=["availability"]),
            {"availability": ["mon-evening"], "capacity": 3},
        )
    assert response.status_code == 302
    # Recomputed (at once here: tasks run eagerly in tests), so the edited mentor is back.
    assert len(first) == 1
    assert set(shown(newcomer)) == {mentor.pk, other.pk}

    # Edits within the minute share that recompute.
    with django_capture_on_commit_callbacks(execute=True) as second:
        client.post(
            reverse("members:profile_edit", args=["availability"]),
            {"availability": ["tue-evening"], "capacity": 3},
        )
    assert second == []


@pytest.mark.parametrize("ranking", [SuggestionRanking.DEMAND_AWARE, SuggestionRanking.PLAIN])
def test_everyones_lists_are_read_a_block_of_rows_at_a_time(monkeypatch, ranking):
    """The beat's recompute never scores every newcomer against every mentor at once (about
    10 GB at 50,000 x 15,000): it reads blocks of rows, and stores the same lists."""
    from matching import scoring, solver, spread

    MatchingSettings.objects.update(suggestion_ranking=ranking)
    # Different ages, so no two pairs tie and there is one best set of lists.
    newcomers = [NewcomerFactory(birth_year=1960 + 5 * i) for i in range(7)]
    for capacity, birth_year in ((1, 1975), (2, 1993), (1, 1984)):
        MentorFactory(capacity=capacity, birth_year=birth_year, share_age_range=True)
    whole = {
        item.newcomer_id: (item.waiting_for_room, item.entries)
        for item in selectors.suggestion_lists().lists
    }
    assert len(whole) == len(newcomers) and any(entries for _, entries in whole.values())

    # Two rows per block against the three mentors, each scored as it is read.
    monkeypatch.setattr(selectors, "SUGGESTION_DENSE_CELLS", 0)
    monkeypatch.setattr(spread, "BLOCK_CELLS", 2 * 3)
    monkeypatch.setattr(solver, "BLOCK_CELLS", 2 * 3)
    rows_scored = []
    score = scoring.score

    def counted(newcomers, *args, **kwargs):
        rows_scored.append(len(newcomers))
        return score(newcomers, *args, **kwargs)

    monkeypatch.setattr(scoring, "score", counted)
    by_blocks = {
        item.newcomer_id: (item.waiting_for_room, item.entries)
        for item in selectors.suggestion_lists().lists
    }

    assert by_blocks == whole
    assert rows_scored and max(rows_scored) <= 2, "no read may score more than a block of rows"
