"""Hot reads compiled once per process (peerlink.compiled): the same rows as the ORM's
queryset for every value and shape, one query a call, and nothing compiled that the
values would not fully decide."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching import selectors as matching_selectors
from matching import services
from matching.models import Block, Match, MatchState
from members.models import Member
from messaging import selectors as messaging_selectors
from peerlink.compiled import CompiledRows
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, OpenRequestFactory
from tests.messaging.helpers import conversation, read_all, write

pytestmark = pytest.mark.django_db


def stamps(ids, since):
    return Member.objects.filter(pk__in=ids, updated_at__lte=since).values_list("pk", "updated_at")


def test_each_shape_returns_what_the_orm_returns_and_is_compiled_once():
    members = [NewcomerFactory() for _ in range(4)]
    ids = [member.pk for member in members]
    built = []

    def build(ids, since):
        built.append(len(ids))
        return stamps(ids, since)

    compiled = CompiledRows(build)
    later = timezone.now() + datetime.timedelta(minutes=1)
    earlier = min(member.updated_at for member in members) - datetime.timedelta(minutes=1)
    for chosen, since in [
        (ids[:2], later),
        (ids[1:3], later),  # the same shape, other values: not compiled again
        (ids[:3], later),  # a longer list: a shape of its own
        (ids[:2], earlier),
        (ids[::-1], later),
    ]:
        expected = sorted(stamps(chosen, since))
        with CaptureQueriesContext(connection) as queries:
            rows = sorted(compiled.rows(ids=chosen, since=since))
        assert rows == expected
        assert len(queries) == 1
    assert built == [2, 3, 4]  # once per list length


def test_a_value_left_out_runs_the_sql_compiled_for_none():
    newcomer = NewcomerFactory()

    def build(pk, since):
        queryset = Member.objects.filter(pk=pk)
        if since is not None:
            queryset = queryset.filter(updated_at__gt=since)
        return queryset.values_list("pk")

    compiled = CompiledRows(build)
    assert compiled.rows(pk=newcomer.pk, since=timezone.now()) == []
    assert compiled.rows(pk=newcomer.pk, since=None) == [(newcomer.pk,)]


def test_an_empty_list_asks_the_database_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert CompiledRows(stamps).rows(ids=[], since=timezone.now()) == []
    assert len(queries) == 0


def test_a_value_that_does_not_reach_the_sql_as_given_is_refused():
    """A value the query changes on the way (here, one added to it) could not be
    replaced in the SQL: compiling it once would send the first value every time."""
    compiled = CompiledRows(lambda pk: Member.objects.filter(pk=pk + 1).values_list("pk"))
    with pytest.raises(ValueError, match="as given"):
        compiled.rows(pk=1)


def test_only_integers_and_moments_are_compiled_once():
    compiled = CompiledRows(lambda name: Member.objects.filter(display_name=name).values_list("pk"))
    with pytest.raises(TypeError, match="integers and moments"):
        compiled.rows(name="Casey")


def test_the_suggestions_live_check_matches_the_orm_as_mentors_change():
    """The one compiled read that decides which mentors a newcomer is shown: the
    same answer as the ORM's queryset when a mentor is paused, full or blocked."""
    newcomer = NewcomerFactory()
    mentors = [MentorFactory() for _ in range(4)]
    ids = [mentor.pk for mentor in mentors]
    since = timezone.now() + datetime.timedelta(minutes=1)

    def both():
        orm = sorted(matching_selectors._suggestible(ids, newcomer.pk, since))
        compiled = sorted(
            matching_selectors._suggestible_stamps.rows(ids=ids, newcomer=newcomer.pk, since=since)
        )
        assert compiled == orm
        return {pk for pk, _ in compiled}

    assert both() == set(ids)
    Member.objects.filter(pk=ids[0]).update(is_paused=True)
    Member.objects.filter(pk=ids[1]).update(capacity=1)
    ActiveMatchFactory(mentor=mentors[1])
    Block.objects.create(blocker=mentors[2], blocked=newcomer)
    assert both() == {ids[3]}


def test_the_unread_counts_match_the_orm():
    conv = conversation()
    match = conv.match
    newcomer, mentor = match.newcomer, match.mentor
    for text in ("Hello", "Are you there?"):
        write(conv, mentor, text)
    write(conv, newcomer, "Yes, hi")
    orm = dict(messaging_selectors._unread(newcomer.pk))
    assert messaging_selectors.unread_by_match(newcomer) == orm == {match.pk: 2}
    assert messaging_selectors.unread_count(newcomer) == 2
    assert messaging_selectors.unread_by_match(mentor) == {match.pk: 1}
    read_all(conv, newcomer)
    assert messaging_selectors.unread_count(newcomer) == 0


def test_a_stored_list_reads_back_as_stored():
    """The stored list comes back with its entries decoded as the ORM decodes them."""
    newcomer = NewcomerFactory()
    MentorFactory()
    services.suggestions_recompute()
    fresh = Member.objects.get(pk=newcomer.pk)
    stored = matching_selectors._current_list(fresh)
    orm = fresh.suggestion_list
    assert (stored.computed_at, stored.ranking, stored.waiting_for_room, stored.shown) == (
        orm.computed_at,
        orm.ranking,
        orm.waiting_for_room,
        orm.shown,
    )
    assert stored.entries == orm.entries and isinstance(stored.entries, list)


def test_the_header_counts_the_requests_waiting_for_the_mentor():
    mentor = MentorFactory()
    assert matching_selectors.waiting_count(mentor) == 0
    requests = [OpenRequestFactory(mentor=mentor) for _ in range(2)]
    ActiveMatchFactory(mentor=mentor)
    assert (
        matching_selectors.waiting_count(mentor)
        == 2
        == matching_selectors.inbox_for(mentor).count()
    )
    Match.objects.filter(pk=requests[0].pk).update(state=MatchState.DECLINED)
    assert matching_selectors.waiting_count(mentor) == 1
