"""Reads for matching: feature arrays for the scorer, suggestions, inboxes, queues.

Feature loading runs a fixed number of queries whatever the number of people
(members, their tags, their languages, open matches, blocks, vocabulary), and
reads plain tuples rather than model instances so that it stays fast.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import enum
import zoneinfo
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from members import visibility
from members.models import (
    AVAILABILITY_SLOTS,
    DayPart,
    Gender,
    Language,
    Member,
    RecoveryGoal,
    Role,
    Tag,
    TagCategory,
    VettingStatus,
)
from peerlink.compiled import CompiledRows

from . import scoring, spread
from .models import (
    OPEN_STATES,
    Block,
    Match,
    MatchingSettings,
    MatchState,
    SuggestionList,
    SuggestionPlan,
    SuggestionRanking,
)

GENDERS = [Gender.WOMAN, Gender.MAN, Gender.NON_BINARY, Gender.SELF_DESCRIBED]
SLOT_INDEX = {code: index for index, (code, _) in enumerate(AVAILABILITY_SLOTS)}
PART_HOURS = {
    DayPart.MORNING: (8, 12),
    DayPart.AFTERNOON: (12, 17),
    DayPart.EVENING: (17, 21),
    DayPart.LATE: (21, 24),
}
# The boxes behind the reasons a suggestion may give (a reason is only given
# when the mentor lets a newcomer who is shown them see that detail).
REASON_SHARE_FLAGS = visibility.share_flags_for(
    visibility.Stage.SUGGESTED, scoring.EXPLAINED_DETAILS
)
# The boxes that let a newcomer's preference read a mentor's detail (any one will do).
PREFERENCE_SHARE_FLAGS = visibility.preference_flags_for(
    visibility.Stage.SUGGESTED, scoring.PREFERENCE_DETAILS
)


def parameters_from(settings_row: MatchingSettings) -> scoring.Parameters:
    return scoring.Parameters(
        weights=settings_row.weights(),
        min_gap_months=settings_row.min_gap_months,
        sweet_spot_max_months=settings_row.sweet_spot_max_months,
        taper_months=settings_row.taper_months,
        age_scale_years=settings_row.age_scale_years,
    )


@dataclass(frozen=True)
class VocabularyIndex:
    """Column positions of tags, languages and genders in the feature arrays."""

    columns: dict[int, tuple[str, int]]  # tag id -> (feature name, column)
    sizes: dict[str, int]
    language_columns: dict[str, int]
    vocabulary: scoring.Vocabulary

    @property
    def signature(self) -> tuple:
        """Identify the column layout, so cached features are never read with another."""
        return (tuple(sorted(self.columns.items())), tuple(sorted(self.language_columns.items())))

    @classmethod
    def load(cls) -> VocabularyIndex:
        groups = {"pathways": [], "life_situation": [], "substances": []}
        feature_of = {
            TagCategory.PATHWAY: "pathways",
            TagCategory.LIFE_SITUATION: "life_situation",
            TagCategory.COMMUNITY: "life_situation",
            TagCategory.SUBSTANCE: "substances",
        }
        for tag_id, category, name, phrase in Tag.objects.order_by("pk").values_list(
            "pk", "category", "name", "peer_phrase"
        ):
            groups[feature_of[category]].append((tag_id, category, phrase or f"You both: {name}"))
        columns = {
            tag_id: (feature, column)
            for feature, tags in groups.items()
            for column, (tag_id, _, _) in enumerate(tags)
        }
        languages = list(Language.objects.values_list("code", "name"))
        language_columns = {code: column for column, (code, _) in enumerate(languages)}
        vocabulary = scoring.Vocabulary(
            pathway_phrases=[phrase for _, _, phrase in groups["pathways"]],
            life_situation_phrases=[phrase for _, _, phrase in groups["life_situation"]],
            life_situation_categories=[category for _, category, _ in groups["life_situation"]],
            substance_phrases=[phrase for _, _, phrase in groups["substances"]],
            language_names=[name for _, name in languages],
            common_language=0,
        )
        return cls(columns, {k: len(v) for k, v in groups.items()}, language_columns, vocabulary)


@lru_cache(maxsize=1024)
def _slot_blocks(time_zone: str, offset_hours: int) -> np.ndarray:
    """Return which UTC availability blocks each local weekly slot covers (28 × 42)."""
    blocks = np.zeros((len(AVAILABILITY_SLOTS), scoring.AVAILABILITY_BLOCKS), dtype=bool)
    for index, (code, _) in enumerate(AVAILABILITY_SLOTS):
        day = index // len(DayPart)
        part = code.split("-", 1)[1]
        start, end = PART_HOURS[part]
        for hour in range(start, end):
            utc_hour = (day * 24 + hour - offset_hours) % (7 * 24)
            blocks[index, utc_hour // scoring.AVAILABILITY_BLOCK_HOURS] = True
    return blocks


def _utc_offset_hours(time_zone: str, now: datetime.datetime) -> int:
    try:
        offset = now.astimezone(zoneinfo.ZoneInfo(time_zone)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0
    return round(offset.total_seconds() / 3600)


def _months_since(dates: list[datetime.date | None], today: datetime.date) -> np.ndarray:
    months = np.zeros(len(dates), dtype=np.float32)
    for index, start in enumerate(dates):
        if start is not None:
            value = (today.year - start.year) * 12 + today.month - start.month
            months[index] = max(value - (today.day < start.day), 0)
    return months


MEMBER_COLUMNS = [
    "pk",
    "birth_year",
    "gender",
    "recovery_start_date",
    "recovery_goal",
    "preferred_mentor_genders",
    "held_for_review",
    "open_to_harm_reduction",
    "vetting_status",
    "is_paused",
    "user__is_active",
    "onboarded_at",
    "capacity",
    "time_zone",
    "availability",
    *REASON_SHARE_FLAGS.values(),
    *sorted(
        {flag for flags in PREFERENCE_SHARE_FLAGS.values() for flag in flags}
        - set(REASON_SHARE_FLAGS.values())
    ),
]


def load_people(
    members: QuerySet[Member],
    index: VocabularyIndex,
    *,
    now: datetime.datetime | None = None,
    count_open_matches: bool = True,
) -> scoring.People:
    """Load feature arrays for `members` (ordered by id) in three queries.

    `capacity_left` is each member's free places to be asked (`with_places`,
    `Places.HELD`); without `count_open_matches` it is the full capacity.
    """
    now = now or timezone.now()
    if count_open_matches:
        columns = [*MEMBER_COLUMNS, "places_free"]
        rows = list(with_places(members).order_by("pk").values_list(*columns))
    else:
        columns = MEMBER_COLUMNS
        rows = list(members.order_by("pk").values_list(*columns))
    count = len(rows)
    position = {row[0]: i for i, row in enumerate(rows)}
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=count)

    tag_arrays = {name: np.zeros((count, size), dtype=bool) for name, size in index.sizes.items()}
    through = Member.tags.through.objects.filter(member__in=members.order_by())
    for member_id, tag_id in through.values_list("member_id", "tag_id"):
        feature, column = index.columns.get(tag_id, (None, None))
        if feature is not None and member_id in position:
            tag_arrays[feature][position[member_id], column] = True

    languages = np.zeros((count, len(index.language_columns)), dtype=bool)
    through = Member.languages.through.objects.filter(member__in=members.order_by())
    for member_id, code in through.values_list("member_id", "language_id"):
        if member_id in position and code in index.language_columns:
            languages[position[member_id], index.language_columns[code]] = True

    column = {name: i for i, name in enumerate(columns)}

    def values(name, dtype):
        return np.fromiter((row[column[name]] for row in rows), dtype=dtype, count=count)

    gender_index = {gender.value: i for i, gender in enumerate(GENDERS)}
    preferred = np.zeros((count, len(GENDERS)), dtype=bool)
    local_slots = np.zeros((count, len(AVAILABILITY_SLOTS)), dtype=bool)
    zones: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        for gender in row[column["preferred_mentor_genders"]] or []:
            if gender in gender_index:
                preferred[i, gender_index[gender]] = True
        for slot in row[column["availability"]] or []:
            if slot in SLOT_INDEX:
                local_slots[i, SLOT_INDEX[slot]] = True
        zones.setdefault(row[column["time_zone"]], []).append(i)
    availability = np.zeros((count, scoring.AVAILABILITY_BLOCKS), dtype=bool)
    for zone, members_in_zone in zones.items():
        blocks = _slot_blocks(zone, _utc_offset_hours(zone, now)).astype(np.float32)
        availability[members_in_zone] = (
            local_slots[members_in_zone].astype(np.float32) @ blocks
        ) > 0

    return scoring.People(
        ids=ids,
        months_in_recovery=_months_since(
            [row[column["recovery_start_date"]] for row in rows], timezone.localdate(now)
        ),
        birth_year=values("birth_year", np.float32),
        gender=np.fromiter(
            (gender_index.get(row[column["gender"]], -1) for row in rows),
            dtype=np.int16,
            count=count,
        ),
        languages=languages,
        pathways=tag_arrays["pathways"],
        life_situation=tag_arrays["life_situation"],
        substances=tag_arrays["substances"],
        availability=availability,
        reducing_harm=np.fromiter(
            (row[column["recovery_goal"]] == RecoveryGoal.REDUCING_HARM for row in rows),
            dtype=bool,
            count=count,
        ),
        preferred_genders=preferred,
        held=values("held_for_review", bool),
        open_to_harm_reduction=values("open_to_harm_reduction", bool),
        available=np.fromiter(
            (
                row[column["vetting_status"]] == VettingStatus.APPROVED
                and not row[column["is_paused"]]
                and not row[column["held_for_review"]]
                and row[column["user__is_active"]]
                and row[column["onboarded_at"]] is not None
                for row in rows
            ),
            dtype=bool,
            count=count,
        ),
        capacity_left=values("places_free" if count_open_matches else "capacity", np.int32),
        shares={name: values(field_name, bool) for name, field_name in REASON_SHARE_FLAGS.items()},
        usable_for_preferences={
            name: np.fromiter(
                (any(row[column[flag]] is True for flag in flags) for row in rows),
                dtype=bool,
                count=count,
            )
            for name, flags in PREFERENCE_SHARE_FLAGS.items()
        },
    )


# Suggestions score one newcomer against every mentor on each page view. The
# mentors' features change rarely, so each process keeps them, keyed on what
# would change them: any edit of a mentor's profile bumps `updated_at` (tags
# are saved with the profile), the pool's size, the vocabulary, and the day
# (time-zone offsets shift with daylight saving). Places taken change often
# and are counted fresh every time (`with_places`).
_mentor_features_cache: dict[str, tuple[tuple, scoring.People]] = {}


def mentor_features(index: VocabularyIndex) -> scoring.People:
    """Return the suggestible mentors' features with their capacity left right now."""
    pool = mentor_pool()
    stamp = pool.aggregate(changed=Max("updated_at"), count=Count("pk"), last=Max("pk"))
    key = (*stamp.values(), index.signature, timezone.localdate())
    cached = _mentor_features_cache.get("pool")
    if cached is None or cached[0] != key:
        cached = (key, load_people(pool, index, count_open_matches=False))
        _mentor_features_cache["pool"] = cached
    people = cached[1]
    # A mentor who left the pool since the features were cached has no room.
    free = dict(with_places(pool).order_by().values_list("pk", "places_free"))
    capacity_left = np.fromiter(
        (free.get(member_id, 0) for member_id in people.ids.tolist()),
        dtype=np.int32,
        count=len(people),
    )
    return dataclasses.replace(people, capacity_left=capacity_left)


def blocked_pairs(newcomers: scoring.People, mentors: scoring.People) -> np.ndarray:
    """Return (newcomer row, mentor row) pairs blocked in either direction, in one query."""
    newcomer_rows = {member_id: i for i, member_id in enumerate(newcomers.ids.tolist())}
    mentor_rows = {member_id: i for i, member_id in enumerate(mentors.ids.tolist())}
    pairs = []
    # Blocks are few: filter by a handful of newcomers, or read them all.
    if len(newcomer_rows) <= 500:
        newcomer_ids = list(newcomer_rows)
        blocks = Block.objects.filter(
            Q(blocker_id__in=newcomer_ids) | Q(blocked_id__in=newcomer_ids)
        )
    else:
        blocks = Block.objects.all()
    for blocker, blocked in blocks.values_list("blocker_id", "blocked_id"):
        for newcomer_id, mentor_id in ((blocker, blocked), (blocked, blocker)):
            if newcomer_id in newcomer_rows and mentor_id in mentor_rows:
                pairs.append((newcomer_rows[newcomer_id], mentor_rows[mentor_id]))
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


class Places(enum.Enum):
    """Which of a mentor's requests and matches take one of their places.

    A mentor's room is counted in one place, `with_places`, by one of two rules,
    each on purpose:
    """

    #: To be suggested, asked, proposed by a run or reassigned to: every open request or
    #: match (waiting for staff, waiting for the mentor, active) holds a place, so no more
    #: newcomers wait on a mentor than they have room for.
    HELD = tuple(OPEN_STATES)
    #: To accept, for the room a mentor's home page shows and for the dashboard's load:
    #: only active matches fill a place, so a mentor whose capacity went down while
    #: requests waited may still accept until their active matches fill it.
    FILLED = (MatchState.ACTIVE,)


def with_places(
    members: QuerySet[Member],
    *,
    taken_by: Places = Places.HELD,
    leaving_out: int | None = None,
) -> QuerySet[Member]:
    """Return `members` annotated with `places_taken` (their requests and matches as a
    mentor that take a place under `taken_by`) and `places_free` (capacity minus those;
    below 0 when over capacity), in the same query.

    `leaving_out` is a match not counted: a request about to move on does not take
    room from itself.
    """
    taking = Match.objects.filter(mentor=OuterRef("pk"), state__in=taken_by.value)
    if leaving_out is not None:
        taking = taking.exclude(pk=leaving_out)
    counted = taking.order_by().values("mentor").annotate(taken=Count("pk")).values("taken")
    return members.annotate(
        places_taken=Coalesce(Subquery(counted, output_field=IntegerField()), 0)
    ).annotate(places_free=ExpressionWrapper(F("capacity") - F("places_taken"), IntegerField()))


def places_free(capacity: int, states: Iterable[str], *, taken_by: Places) -> int:
    """Return a mentor's free places from the states of their requests and matches
    already read: what `with_places` counts, for a page that has them in hand."""
    return capacity - sum(state in taken_by.value for state in states)


def mentor_pool() -> QuerySet[Member]:
    """Return the mentors who may be suggested (room is checked in the arrays, or
    with `with_places`)."""
    return Member.objects.filter(
        role=Role.MENTOR,
        vetting_status=VettingStatus.APPROVED,
        is_paused=False,
        held_for_review=False,
        user__is_active=True,
        onboarded_at__isnull=False,
        deleted_at__isnull=True,
    )


def newcomers_waiting() -> QuerySet[Member]:
    """Return the newcomers who are waiting for a peer: the one definition of "waiting".

    Waiting: a newcomer who finished onboarding, whose account is open and not
    deleted, with no open request (waiting for staff or for a mentor) and no
    active match. A newcomer held for review after asking for help waits too:
    they still have no peer, though no one may be matched with them until staff
    clear the hold (`held_for_review`); pages show how many of the waiting are
    held. Every page, task and API that says "waiting" counts these: the batch
    run and its page, the unmatched queue (a subset), the queue of what needs a
    person and the dashboard.
    """
    return Member.objects.filter(
        role=Role.NEWCOMER,
        onboarded_at__isnull=False,
        user__is_active=True,
        deleted_at__isnull=True,
    ).exclude(matches_as_newcomer__state__in=OPEN_STATES)


def newcomers_to_match() -> QuerySet[Member]:
    """Return the newcomers a matching run considers: exactly `newcomers_waiting`
    (the held among them are refused by the pair rule)."""
    return newcomers_waiting()


@dataclass(frozen=True)
class WaitingCount:
    waiting: int
    held: int


def newcomers_waiting_count() -> WaitingCount:
    """Return how many newcomers are waiting, and how many of them are held, in one query."""
    counts = newcomers_waiting().aggregate(
        waiting=Count("pk"), held=Count("pk", filter=Q(held_for_review=True))
    )
    return WaitingCount(waiting=counts["waiting"], held=counts["held"])


@dataclass(frozen=True)
class Suggestion:
    mentor: Member
    score: float
    breakdown: dict[str, float]
    reasons: list[str]
    price: float = 0.0


# Why a newcomer who fits some mentors is shown none: every place is asked for.
WAITING_FOR_ROOM = (
    "Everyone who fits you is already asked by as many people as they have room for. "
    "As soon as one of them has room, they will be here: we look again every few minutes. "
    "Our team can see that you are waiting, and you don't need to do anything."
)


@dataclass(frozen=True)
class Suggestions:
    """What a newcomer is shown: their suggestions, or why there are none."""

    suggestions: list[Suggestion]
    # Mentors fit them, but all their room is planned for newcomers who fit as well or
    # have waited longer: an ask now would reach someone already full.
    waiting_for_room: bool = False


def suggestions_for(newcomer: Member, *, limit: int | None = None) -> list[Suggestion]:
    """Return the mentors a newcomer may request, best first, with the reasons why."""
    return suggestions_with_status(newcomer, limit=limit).suggestions


def suggestions_with_status(newcomer: Member, *, limit: int | None = None) -> Suggestions:
    """Return a newcomer's suggestions from their stored list, checked live.

    The stored list (`SuggestionList`, computed for everyone at once by
    `services.suggestions_recompute`) is used while it is newer than the newcomer's
    profile and the programme's rules. Each mentor on it is shown only if they are
    still suggestible now: in the pool (vetted, not paused, not held, account open),
    with room, not blocked either way, and unchanged since the list was computed (a
    changed profile could change the reasons or the rules). Without a current list,
    or when every mentor on it dropped out, the list is computed on the spot.
    """
    if newcomer.held_for_review:
        return Suggestions([])
    stored = _current_list(newcomer)
    if stored is None:
        return _computed_now(newcomer, limit)
    limit = limit or stored.shown
    if stored.waiting_for_room:
        return Suggestions([], waiting_for_room=True)
    kept = _still_shown(newcomer, stored.entries, since=stored.computed_at, limit=limit)
    if not kept:
        return _computed_now(newcomer, limit)
    return Suggestions(kept)


# What a page reads of a stored list (its newcomer is its key).
_LIST_FIELDS = ("computed_at", "ranking", "waiting_for_room", "entries", "shown")


def _current_list(newcomer: Member) -> SuggestionList | None:
    """Return the newcomer's stored list if it is newer than their profile and the
    matching settings, and was ranked the way the settings say now (one query)."""
    rows = _current_lists.rows(newcomer=newcomer.pk, since=newcomer.updated_at)
    if not rows:
        return None
    # One row at most: the newcomer is its key.
    return SuggestionList(newcomer_id=newcomer.pk, **dict(zip(_LIST_FIELDS, rows[0], strict=True)))


def _lists_under_current_rules(newcomer: int, since: datetime.datetime):
    """The newcomer's stored list if computed after `since` and the matching settings,
    and ranked the way they say now, compared in the database on every read."""
    rules = MatchingSettings.objects.filter(pk=MatchingSettings.singleton_instance_id)
    return (
        SuggestionList.objects.filter(newcomer_id=newcomer, computed_at__gte=since)
        .filter(
            ranking=Subquery(rules.values("suggestion_ranking")),
            computed_at__gte=Subquery(rules.values("updated_at")),
        )
        .values_list(*_LIST_FIELDS)
    )


# Read on every suggestions page and member home: compiled once per process.
_current_lists = CompiledRows(_lists_under_current_rules)


# Suggested mentors as last read with their tags and languages, per process, keyed on
# `updated_at`: every edit of a profile, its sharing choices or its tags saves the member
# and moves it (the stored reasons rely on the same), so while it is unchanged the copy
# here is what the database holds. Whether each may be suggested now is checked live.
_MENTOR_CARDS_KEPT = 3000
_mentor_cards: OrderedDict[int, Member] = OrderedDict()


def _mentor_cards_for(stamps: dict[int, datetime.datetime]) -> dict[int, Member]:
    """Return the mentors in `stamps` (id -> updated_at) with their tags and languages,
    reading from the database only those changed since this process last read them."""
    missing = [
        pk
        for pk, stamp in stamps.items()
        if getattr(_mentor_cards.get(pk), "updated_at", None) != stamp
    ]
    if missing:
        for mentor in Member.objects.filter(pk__in=missing).prefetch_related("tags", "languages"):
            _mentor_cards[mentor.pk] = mentor
    cards = {}
    for pk, stamp in stamps.items():
        card = _mentor_cards.get(pk)
        if card is not None and card.updated_at == stamp:
            _mentor_cards.move_to_end(pk)
            cards[pk] = copy.copy(card)  # callers may set attributes; the kept one stays as read
    while len(_mentor_cards) > _MENTOR_CARDS_KEPT:
        _mentor_cards.popitem(last=False)
    return cards


# How many cards the warm-up reads at a time (three queries each time).
_WARM_BLOCK = 500


def warm_mentor_cards() -> int:
    """Read the cards of the mentors who may be suggested now (in the pool, with room),
    as many as a process keeps, and return how many it keeps.

    A web worker calls it as it starts (`peerlink.gunicorn_config`), so that its first
    suggestions pages read no mentor profile: otherwise each worker reads every
    mentor once, three queries on the page that first shows them. Whether each may
    be suggested is still checked live on every page.
    """
    stamps = dict(_pool_with_room().values_list("pk", "updated_at")[:_MENTOR_CARDS_KEPT])
    ids = list(stamps)
    for start in range(0, len(ids), _WARM_BLOCK):
        _mentor_cards_for({pk: stamps[pk] for pk in ids[start : start + _WARM_BLOCK]})
    return len(_mentor_cards)


def _pool_with_room() -> QuerySet[Member]:
    """The mentors in the pool with room, unordered: the result follows the
    suggestions' order."""
    return with_places(mentor_pool()).filter(places_free__gt=0).order_by()


def _suggestible(ids: list[int], newcomer: int, since: datetime.datetime | None):
    """Those of `ids` in the pool with room, not blocked by or blocking `newcomer`, and
    (with `since`) unchanged after it: (id, updated_at) of each."""
    with_room = (
        _pool_with_room()
        .filter(pk__in=ids)
        .exclude(pk__in=Block.objects.filter(blocker_id=newcomer).values("blocked_id"))
        .exclude(pk__in=Block.objects.filter(blocked_id=newcomer).values("blocker_id"))
    )
    if since is not None:
        with_room = with_room.filter(updated_at__lte=since)
    return with_room.values_list("pk", "updated_at")


# Compiled once per process (peerlink.compiled): compiling the pool's rules, the
# places subquery and the blocks took longer than the query takes to run.
_suggestible_stamps = CompiledRows(_suggestible)


def still_suggestible(
    newcomer: Member,
    mentor_ids: list[int],
    *,
    since: datetime.datetime | None = None,
    limit: int | None = None,
) -> list[Member]:
    """Return those of `mentor_ids` the newcomer may be suggested now, best first: in the
    pool, with room, not blocked either way, and (with `since`) with no profile change
    after it. With `limit`, only the first `limit` of them.

    One small query whatever the data (the mentors' standing with their open requests
    and matches counted), and three more for the mentors, tags and languages this
    process has not read since they last changed: only those returned are read.
    """
    stamps = dict(_suggestible_stamps.rows(ids=mentor_ids, newcomer=newcomer.pk, since=since))
    kept = [pk for pk in mentor_ids if pk in stamps][:limit]
    cards = _mentor_cards_for({pk: stamps[pk] for pk in kept})
    return [cards[pk] for pk in kept if pk in cards]


def _computed_now(newcomer: Member, limit: int | None) -> Suggestions:
    """Rank the newcomer against every mentor now, as the stored list would have."""
    settings_row = MatchingSettings.get_solo()
    limit = limit or settings_row.suggestion_count
    computed = suggestion_lists(Member.objects.filter(pk=newcomer.pk), settings_row)
    if not computed.lists:
        return Suggestions([])
    # The mentors' features may have been cached before an account change: check them.
    kept = _still_shown(newcomer, computed.lists[0].entries, limit=limit)
    return Suggestions(kept, waiting_for_room=computed.lists[0].waiting_for_room)


def _still_shown(
    newcomer: Member,
    entries: list[dict],
    *,
    since: datetime.datetime | None = None,
    limit: int | None = None,
) -> list[Suggestion]:
    """Return the first `limit` entries whose mentor is still suggestible
    (`still_suggestible`), in order."""
    ids = [entry["mentor"] for entry in entries]
    mentors = {
        mentor.pk: mentor for mentor in still_suggestible(newcomer, ids, since=since, limit=limit)
    }
    return [
        Suggestion(
            mentor=mentors[entry["mentor"]],
            score=entry["score"],
            breakdown=entry["breakdown"],
            reasons=entry["reasons"],
            price=entry["price"],
        )
        for entry in entries
        if entry["mentor"] in mentors
    ]


@dataclass(frozen=True)
class ComputedList:
    newcomer_id: int
    waiting_for_room: bool
    entries: list[dict]


@dataclass(frozen=True)
class ComputedLists:
    computed_at: datetime.datetime
    ranking: str
    shown: int  # how many the page shows (the setting)
    lists: list[ComputedList]
    prices: dict[int, float]  # mentor id -> price, where above 0 (demand-aware, all at once)


# Spare places on a list computed for one newcomer, for mentors whose account changed
# after their features were cached (`still_suggestible` drops them).
SPARE_SUGGESTIONS = 5
# Up to this many newcomer-mentor pairs (250 MB of scores and rules), everyone's lists
# score every pair once; beyond, blocks are scored as they are read (as `batch` does).
SUGGESTION_DENSE_CELLS = 50_000_000


def suggestion_lists(
    newcomers: QuerySet[Member] | None = None, settings_row: MatchingSettings | None = None
) -> ComputedLists:
    """Compute suggestion lists: for all waiting newcomers at once (one scoring pass and
    one solve), or for the few in `newcomers` against the last plan's prices.

    Mentors are scored on what they show a newcomer they are suggested to. With the
    demand-aware ranking (the default) the lists spread newcomers over the mentors with
    room (`matching.spread`); with the plain one each list is the newcomer's top scores.
    """
    settings_row = settings_row or MatchingSettings.get_solo()
    computed_at = timezone.now()
    parameters = parameters_from(settings_row)
    index = VocabularyIndex.load()
    everyone = newcomers is None
    newcomer_set = newcomers_waiting() if everyone else newcomers
    people = load_people(newcomer_set, index)
    mentors = scoring.as_shown_to_newcomers(
        mentor_features(index), index.vocabulary.life_situation_categories
    )
    ranking = settings_row.suggestion_ranking
    if not len(people) or not len(mentors):
        empty = [ComputedList(int(i), False, []) for i in people.ids.tolist()]
        return ComputedLists(computed_at, ranking, settings_row.suggestion_count, empty, {})
    blocked = blocked_pairs(people, mentors)
    count = settings_row.suggestion_count
    demand_aware = ranking == SuggestionRanking.DEMAND_AWARE
    if demand_aware:
        priority = spread.wait_priority(_days_waiting(newcomer_set, people.ids, computed_at))
    if everyone:
        # Everyone at once: the lists read the (newcomers x mentors) matrix a block of rows
        # at a time. Up to SUGGESTION_DENSE_CELLS pairs every pair is scored once and the
        # blocks are read from that; beyond, each block is scored as it is asked for, so
        # the matrix never exists (about 10 GB at 50,000 x 15,000).
        if len(people) * len(mentors) <= SUGGESTION_DENSE_CELLS:
            whole = scoring.score(people, mentors, parameters, blocked)

            def block_rows(rows: slice | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                return whole.total[rows], whole.allowed[rows]

        else:

            def block_rows(rows: slice | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                part = scoring.score_rows(people, mentors, parameters, rows, blocked)
                return part.total, part.allowed

        if demand_aware:
            lists = spread.demand_aware_blocks(
                block_rows, len(people), mentors.capacity_left, count, priority=priority
            )
        else:
            lists = spread.plain_blocks(block_rows, len(people), len(mentors), count)
    else:
        # A few newcomers: their rows against every mentor are small.
        scores = scoring.score(people, mentors, parameters, blocked)
        if demand_aware:
            prices = plan_prices(mentors.ids)
            rows = [
                spread.for_one(
                    scores.total[row],
                    scores.allowed[row],
                    prices,
                    count + SPARE_SUGGESTIONS,
                    priority=float(priority[row]),
                )
                for row in range(len(people))
            ]
            lists = spread.Lists(
                columns=np.vstack([r.columns for r in rows]),
                waiting_for_room=np.concatenate([r.waiting_for_room for r in rows]),
                prices=prices,
            )
        else:
            lists = spread.plain(scores.total, scores.allowed, count + SPARE_SUGGESTIONS)
    return ComputedLists(
        computed_at=computed_at,
        ranking=ranking,
        shown=count,
        lists=_entries(lists, people, mentors, parameters, index),
        prices={
            int(mentor_id): round(float(price), 6)
            for mentor_id, price in zip(mentors.ids.tolist(), lists.prices.tolist(), strict=True)
            if price > 0
        }
        if everyone and demand_aware
        else {},
    )


def _entries(
    lists: spread.Lists,
    newcomers: scoring.People,
    mentors: scoring.People,
    parameters: scoring.Parameters,
    index: VocabularyIndex,
) -> list[ComputedList]:
    """Turn ranked columns into stored entries: mentor, score, price, breakdown, reasons.

    Only the listed pairs are scored (`scoring.pair_totals`, `pair_components`: the same
    numbers as `scoring.score`), so no (newcomers x mentors) array is needed.
    """
    rows, places = np.nonzero(lists.columns >= 0)
    columns = lists.columns[rows, places]
    components = scoring.pair_components(newcomers, rows, mentors, columns, parameters)
    totals = scoring.pair_totals(newcomers, rows, mentors, columns, parameters)
    by_row: dict[int, list[dict]] = {}
    for k, (row, column) in enumerate(zip(rows.tolist(), columns.tolist(), strict=True)):
        by_row.setdefault(row, []).append(
            {
                "mentor": int(mentors.ids[column]),
                "score": round(float(totals[k]), 4),
                "price": round(float(lists.prices[column]), 4),
                "breakdown": {
                    name: round(float(value[k]), 4) for name, value in components.items()
                },
                "reasons": scoring.explain(newcomers, row, mentors, column, index.vocabulary),
            }
        )
    return [
        ComputedList(
            newcomer_id=int(newcomer_id),
            waiting_for_room=bool(lists.waiting_for_room[row]),
            entries=by_row.get(row, []),
        )
        for row, newcomer_id in enumerate(newcomers.ids.tolist())
    ]


def _days_waiting(
    newcomers: QuerySet[Member], ids: np.ndarray, now: datetime.datetime
) -> np.ndarray:
    """Return each newcomer's days since they finished onboarding, in the order of `ids`."""
    since = dict(newcomers.order_by().values_list("pk", "onboarded_at"))
    return np.array(
        [(now - since[i]).total_seconds() / 86400 if since.get(i) else 0.0 for i in ids.tolist()]
    )


def plan_prices(mentor_ids: np.ndarray) -> np.ndarray:
    """Return each mentor's price in the last plan, in the order of `mentor_ids` (0 if none)."""
    plan = SuggestionPlan.objects.filter(pk=1).values_list("prices", flat=True).first() or {}
    return np.array([float(plan.get(str(i), 0.0)) for i in mentor_ids.tolist()])


@dataclass(frozen=True)
class PairAssessment:
    allowed: bool
    refusal: str | None
    score: float
    breakdown: dict[str, float]
    reasons: list[str]


NOT_A_PAIR = "Matches pair a newcomer with a mentor."
GONE = "This person's profile no longer exists."
ALREADY_OPEN = "The newcomer already has an open request or an active match."
ACCOUNT_CLOSED = "This person's account is closed."


class PairCheck:
    """Check pairings against the database as it is now, one pair or thousands.

    Every path that creates a request (a newcomer's, staff's, a batch run's)
    asks `refusal` so that all of them refuse the same pairs: roles, one open
    request per newcomer, and the hard rules of `scoring`. Loading takes a fixed
    number of queries whatever the number of pairs. `reserve` records a pair as
    made, so that later pairs of the same batch see the mentor's room taken and
    the newcomer's open request.
    """

    def __init__(self, newcomer_ids: list[int], mentor_ids: list[int]):
        self.parameters = parameters_from(MatchingSettings.get_solo())
        index = VocabularyIndex.load()
        self.vocabulary = index.vocabulary
        self.newcomers = load_people(Member.objects.filter(pk__in=newcomer_ids), index)
        mentors = load_people(Member.objects.filter(pk__in=mentor_ids), index)
        # A private copy: `reserve` takes room away as pairs are made.
        self.mentors = dataclasses.replace(mentors, capacity_left=mentors.capacity_left.copy())
        blocked = blocked_pairs(self.newcomers, mentors)
        # No matrix of every newcomer against every mentor: a pair is scored when assessed
        # (a batch run of 40,000 proposals would otherwise score 40,000 x 15,000 pairs).
        self.blocked = {tuple(pair) for pair in blocked.tolist()}
        self.row_of = {member_id: row for row, member_id in enumerate(self.newcomers.ids.tolist())}
        self.column_of = {member_id: col for col, member_id in enumerate(self.mentors.ids.tolist())}
        accounts = Member.objects.filter(pk__in=[*newcomer_ids, *mentor_ids]).values_list(
            "pk", "role", "user__is_active", "deleted_at"
        )
        self.roles, self.closed = {}, set()
        for member_id, role, is_active, deleted_at in accounts:
            self.roles[member_id] = role
            if not is_active or deleted_at is not None:
                self.closed.add(member_id)
        self.open_newcomers = set(
            Match.objects.filter(newcomer_id__in=newcomer_ids, state__in=OPEN_STATES).values_list(
                "newcomer_id", flat=True
            )
        )

    def has_open_match(self, newcomer_id: int) -> bool:
        return newcomer_id in self.open_newcomers

    @classmethod
    def for_match(cls, match: Match, *, count_room: bool = True) -> PairCheck:
        """Return a check of an open request about to move on (approval, acceptance).

        The request does not count against itself: not as the newcomer's open
        request, nor as room taken at the mentor. Approval asks the mentor, so
        every other open request or match of theirs takes room (`Places.HELD`);
        acceptance makes the pair active, so only their other active matches do
        (`Places.FILLED`). Without `count_room`, the mentor's room is not judged
        at all.
        """
        check = cls([match.newcomer_id], [match.mentor_id])
        check.open_newcomers.discard(match.newcomer_id)
        column = check.column_of.get(match.mentor_id)
        if column is not None and not count_room:
            check.mentors.capacity_left[column] = 1
        elif column is not None:
            accepting = match.state == MatchState.AWAITING_MENTOR
            mentor = with_places(
                Member.objects.filter(pk=match.mentor_id),
                taken_by=Places.FILLED if accepting else Places.HELD,
                leaving_out=match.pk,
            )
            check.mentors.capacity_left[column] = mentor.values_list("places_free", flat=True).get()
        return check

    def participation_refusal(self, newcomer_id: int, mentor_id: int) -> str | None:
        """Return why these two may not take part in a live match now, for staff, or None.

        The pair rule: a newcomer and a mentor, both with an open account that
        is not deleted; the mentor vetted, not paused, not held and with room;
        the newcomer not held; no block either way. Every step that makes or
        keeps a pair live asks it; a new request also asks `refusal`, which
        adds the rules of fit (language, preferences, time in recovery).
        """
        row, column = self.row_of.get(newcomer_id), self.column_of.get(mentor_id)
        if row is None or column is None:
            return GONE
        if self.roles.get(newcomer_id) != Role.NEWCOMER or self.roles.get(mentor_id) != Role.MENTOR:
            return NOT_A_PAIR
        if newcomer_id in self.closed or mentor_id in self.closed:
            return ACCOUNT_CLOSED
        return scoring.why_not_taking_part(
            self.newcomers, row, self.mentors, column, is_blocked=(row, column) in self.blocked
        )

    def refusal(self, newcomer_id: int, mentor_id: int) -> str | None:
        """Return why this pair may not be made now, in words for staff, or None."""
        refusal = self.participation_refusal(newcomer_id, mentor_id)
        if refusal in (GONE, NOT_A_PAIR):
            return refusal
        if self.has_open_match(newcomer_id):
            return ALREADY_OPEN
        if refusal is not None:
            return refusal
        row, column = self.row_of[newcomer_id], self.column_of[mentor_id]
        return scoring.why_not_allowed(
            self.newcomers,
            row,
            self.mentors,
            column,
            self.parameters,
            is_blocked=(row, column) in self.blocked,
        )

    def reserve(self, newcomer_id: int, mentor_id: int) -> None:
        self.open_newcomers.add(newcomer_id)
        self.mentors.capacity_left[self.column_of[mentor_id]] -= 1

    def assess(self, newcomer_id: int, mentor_id: int) -> PairAssessment:
        """Return the pair's verdict and, when allowed, its score and the newcomer's reasons."""
        refusal = self.refusal(newcomer_id, mentor_id)
        if refusal is not None:
            return PairAssessment(False, refusal, 0.0, {}, [])
        row, column = self.row_of[newcomer_id], self.column_of[mentor_id]
        rows, columns = np.array([row]), np.array([column])
        components = scoring.pair_components(
            self.newcomers, rows, self.mentors, columns, self.parameters
        )
        total = scoring.pair_totals(self.newcomers, rows, self.mentors, columns, self.parameters)
        return PairAssessment(
            allowed=True,
            refusal=None,
            score=float(total[0]),
            breakdown={name: round(float(values[0]), 4) for name, values in components.items()},
            reasons=scoring.explain(self.newcomers, row, self.mentors, column, self.vocabulary),
        )


def reasons_for_newcomer(match: Match) -> list[str]:
    """Return why the newcomer might relate to the mentor of `match`, from what the
    mentor shares now: the reasons stored with a request may name what the mentor
    has since chosen to hide."""
    index = VocabularyIndex.load()
    newcomers = load_people(
        Member.objects.filter(pk=match.newcomer_id), index, count_open_matches=False
    )
    mentors = load_people(
        Member.objects.filter(pk=match.mentor_id), index, count_open_matches=False
    )
    if not len(newcomers) or not len(mentors):
        return []
    return scoring.explain(newcomers, 0, mentors, 0, index.vocabulary)


def matches_known_to(member: Member) -> QuerySet[Match]:
    """Return the requests and matches `member` may know of (`Match.objects.visible_to`),
    latest first, with both people, their tags, languages and steps. A pair closed by a
    block shows as any other end."""
    return (
        Match.objects.visible_to(member)
        .select_related("newcomer__user", "mentor__user")
        .prefetch_related(
            "newcomer__tags",
            "newcomer__languages",
            "newcomer__steps",
            "mentor__tags",
            "mentor__languages",
            "mentor__steps",
        )
        .order_by("-created_at", "-pk")
    )


def has_open_match(newcomer: Member) -> bool:
    """Whether the newcomer has an open request or match (at most one: a constraint
    says so)."""
    return Match.objects.filter(newcomer=newcomer, state__in=OPEN_STATES).exists()


def matches_for_newcomer(newcomer: Member) -> list[Match]:
    """Return every request and match of the newcomer, newest first."""
    matches = (
        Match.objects.filter(newcomer=newcomer)
        .select_related("mentor__user")
        .by_age(newest_first=True)
    )
    for match in matches:
        match.newcomer = newcomer
    return matches


def inbox_for(mentor: Member | int) -> QuerySet[Match]:
    """Return the requests waiting for this mentor's answer: the rows the page header
    counts on every page (`waiting_count`; `mentor_inbox` reads them for the inbox)."""
    return Match.objects.filter(mentor=mentor, state=MatchState.AWAITING_MENTOR)


# Counted for the header of every page a mentor opens: compiled once per process.
_waiting_ids = CompiledRows(lambda mentor: inbox_for(mentor).order_by().values_list("pk"))


def waiting_count(mentor: Member) -> int:
    """Return how many requests wait for the mentor's answer (`inbox_for`)."""
    return len(_waiting_ids.rows(mentor=mentor.pk))


RECENTLY_ENDED_DAYS = 30


@dataclass(frozen=True)
class MentorInbox:
    waiting: list[Match]  # requests waiting for the mentor's answer, oldest first
    active: list[Match]  # newest first
    recently_ended: list[Match]  # in the last month, latest first


def mentor_inbox(mentor: Member) -> MentorInbox:
    """Return what the mentor's inbox lists, in four queries whatever the data: the
    requests waiting (the rows `inbox_for` counts), the active matches, and those that
    ended in the last RECENTLY_ENDED_DAYS, read at once with each newcomer's tags,
    languages and steps (`newcomer__steps`: the steps each shares).

    A match a block ended is listed like any other end: the blocked side must not be
    able to tell (the stage rule shows a blocked pair as ended).
    """
    since = timezone.now() - datetime.timedelta(days=RECENTLY_ENDED_DAYS)
    matches = list(
        Match.objects.filter(mentor=mentor)
        .filter(
            Q(state__in=[MatchState.AWAITING_MENTOR, MatchState.ACTIVE])
            | Q(state=MatchState.ENDED, ended_at__gte=since)
        )
        .select_related("newcomer__user")
        .prefetch_related("newcomer__tags", "newcomer__languages", "newcomer__steps")
        .order_by()
    )
    by_state = {state: [] for state in (MatchState.AWAITING_MENTOR, MatchState.ACTIVE)}
    ended = []
    for match in matches:
        by_state.get(match.state, ended).append(match)
    return MentorInbox(
        waiting=sorted(
            by_state[MatchState.AWAITING_MENTOR],
            key=lambda m: (m.sent_to_mentor_at is None, m.sent_to_mentor_at or m.created_at, m.pk),
        ),
        active=sorted(by_state[MatchState.ACTIVE], key=lambda m: m.created_at, reverse=True),
        recently_ended=sorted(ended, key=lambda m: (m.ended_at, m.pk), reverse=True),
    )


def unmatched_queue(days: int | None = None) -> QuerySet[Member]:
    """Return the newcomers nobody has matched, a subset of `newcomers_waiting`: those
    waiting more than `days` days since onboarding, and at once those whose requests
    ran out (declined, expired, rejected) with no open request left."""
    days = MatchingSettings.get_solo().unmatched_queue_days if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    dead_end = Q(
        matches_as_newcomer__state__in=[
            MatchState.DECLINED,
            MatchState.EXPIRED,
            MatchState.REJECTED,
        ]
    )
    return (
        newcomers_waiting()
        .filter(dead_end | Q(onboarded_at__lte=cutoff))
        .select_related("user")
        .distinct()
        .order_by("onboarded_at")
    )


def matches_past_retention(now: datetime.datetime) -> QuerySet:
    """Return the ids of the requests and matches closed longer than
    `PEERLINK_RETENTION_ENDED_MATCH_DAYS` before `now`: their free text goes."""
    cutoff = now - datetime.timedelta(days=settings.PEERLINK_RETENTION_ENDED_MATCH_DAYS)
    return (
        Match.objects.exclude(state__in=OPEN_STATES)
        .annotate(closed_at=Coalesce("ended_at", "decided_at", "created_at"))
        .filter(closed_at__lt=cutoff)
        .values("pk")
    )
