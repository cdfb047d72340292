"""Score newcomer–mentor pairs: pure, vectorised, no database.

`score(newcomers, mentors, parameters)` takes two `People` feature sets built
by `matching.selectors` and returns, for every pair at once, whether the pair
is allowed (the hard constraints), each soft component in [0, 1], and the
weighted total in [0, 1]. `explain` turns one pair into plain words for the
newcomer; numbers are never shown to members.

A newcomer can change their own inputs and read their suggestions again, so
whatever the scorer reads of a mentor can be worked out from the answers. It
therefore reads a mentor's time in recovery only as the start of its band
(`RECOVERY_BAND_MONTHS`), and a mentor's gender only where the mentor lets
preferences use it (`People.usable_for_preferences`): see docs/security.md,
"Inference".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

COMPONENTS = ("pathway", "age", "life_situation", "availability", "steps_ahead", "substance")

# Availability is compared in UTC on blocks of this many hours (42 per week).
AVAILABILITY_BLOCK_HOURS = 4
AVAILABILITY_BLOCKS = 7 * 24 // AVAILABILITY_BLOCK_HOURS

# A mentor's time in recovery is matched, scored and explained by band only:
# each band starts at one of these months, and the last has no end. Whatever a
# newcomer sets as their own date, the answers they get depend on the band,
# never on the month or the year within it.
RECOVERY_BAND_MONTHS = (0, 12, 24, 60, 120, 240)
RECOVERY_BAND_LABELS = (
    "Less than a year",
    "1 to 2 years",
    "2 to 5 years",
    "5 to 10 years",
    "10 to 20 years",
    "More than 20 years",
)
# Details of a mentor a newcomer's preferences may read (see `People.usable_for_preferences`).
PREFERENCE_DETAILS = ("gender",)


@dataclass(frozen=True)
class Parameters:
    weights: dict[str, float]
    min_gap_months: float = 12
    sweet_spot_max_months: float = 120
    taper_months: float = 120
    age_scale_years: float = 25

    def __post_init__(self):
        for name in COMPONENTS:
            value = self.weights.get(name, 0.0)
            if not isinstance(value, int | float) or not np.isfinite(value) or value < 0:
                raise ValueError(f"The weight of {name} must be a number of zero or more.")
        if sum(self.weights.get(name, 0.0) for name in COMPONENTS) <= 0:
            raise ValueError("At least one weight must be above zero.")


@dataclass(frozen=True)
class People:
    """Feature arrays for one side, one row per person.

    Tag, language and gender columns use the same vocabulary on both sides.
    """

    ids: np.ndarray  # int64 (n,)
    months_in_recovery: np.ndarray  # float32 (n,); 0 without a date: "at the start"
    birth_year: np.ndarray  # float32 (n,)
    gender: np.ndarray  # int16 (n,); index into the gender vocabulary, -1 when not given
    languages: np.ndarray  # bool (n, languages)
    pathways: np.ndarray  # bool (n, pathway tags)
    life_situation: np.ndarray  # bool (n, life-situation and community tags)
    substances: np.ndarray  # bool (n, substance tags)
    availability: np.ndarray  # bool (n, AVAILABILITY_BLOCKS), in UTC
    # Newcomer side.
    reducing_harm: np.ndarray  # bool (n,)
    preferred_genders: np.ndarray  # bool (n, genders); all False means no preference
    held: np.ndarray  # bool (n,): held for staff review after a crisis flag
    # Mentor side.
    open_to_harm_reduction: np.ndarray  # bool (n,)
    available: np.ndarray  # bool (n,): vetted, onboarded, not paused, active account
    capacity_left: np.ndarray  # int32 (n,)
    # What each person lets a peer see, per detail in EXPLAINED_DETAILS (for the
    # explanations); a detail left out counts as not shared.
    shares: dict[str, np.ndarray] = field(default_factory=dict)  # detail -> bool (n,)
    # Per detail in PREFERENCE_DETAILS, whether a newcomer's preference may read it:
    # the mentor shows it, or chose to let preferences use it. A detail left out
    # never satisfies a preference.
    usable_for_preferences: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Scores:
    allowed: np.ndarray  # bool (n, m)
    total: np.ndarray  # float32 (n, m) in [0, 1]; meaningful where allowed
    newcomers: People
    mentors: People
    parameters: Parameters

    def for_solver(self) -> np.ndarray:
        """Return totals the solver accepts: forbidden pairs 0, allowed pairs above 0."""
        # A pair with nothing in common is still allowed: lift it just above zero.
        solver_scores = self.total + np.float32(1e-3)
        solver_scores[~self.allowed] = 0.0
        return solver_scores

    def breakdowns(self, rows: np.ndarray, columns: np.ndarray) -> dict[str, np.ndarray]:
        """Return each component for the given (row, column) pairs."""
        return pair_components(self.newcomers, rows, self.mentors, columns, self.parameters)

    def breakdown(self, row: int, column: int) -> dict[str, float]:
        values = self.breakdowns(np.array([row]), np.array([column]))
        return {name: round(float(value[0]), 4) for name, value in values.items()}


def recovery_band(months: np.ndarray) -> np.ndarray:
    """Return the index of each time in recovery's band in RECOVERY_BAND_MONTHS."""
    edges = np.asarray(RECOVERY_BAND_MONTHS, dtype=np.float32)
    months = np.nan_to_num(np.asarray(months, dtype=np.float32), nan=0.0)
    return np.searchsorted(edges, months, side="right") - 1


def band_start_months(months: np.ndarray) -> np.ndarray:
    """Return the start of each time in recovery's band, in months; NaN stays NaN."""
    months = np.asarray(months, dtype=np.float32)
    edges = np.asarray(RECOVERY_BAND_MONTHS, dtype=np.float32)
    return np.where(np.isnan(months), np.float32(np.nan), edges[recovery_band(months)])


BLOCKED = "This pair is blocked."
MENTOR_NOT_TAKING_REQUESTS = "This mentor is not taking requests right now."
MENTOR_FULL = "This mentor has no room for another newcomer."
NEWCOMER_HELD = "Matching is on hold until staff have been in touch."


def _participation_rules(newcomers: People, mentors: People) -> Iterator[tuple[str, np.ndarray]]:
    """Yield the rules of who may take part in a match at all, whatever the pair's fit.

    Every step that makes or keeps a pair live checks these (with blocks and
    accounts, see `selectors.PairCheck.participation_refusal`); a new request
    also checks the fit rules of `_rules`.
    """
    yield MENTOR_NOT_TAKING_REQUESTS, mentors.available[None, :]
    yield MENTOR_FULL, (mentors.capacity_left > 0)[None, :]
    yield NEWCOMER_HELD, ~newcomers.held[:, None]


def _rules(
    newcomers: People, mentors: People, parameters: Parameters, gap_months: np.ndarray
) -> Iterator[tuple[str, np.ndarray]]:
    """Yield each hard rule, in the order a refusal names them, with where it is kept.

    The one definition of the hard rules: `allowed_pairs` applies them to whole
    populations, `why_not_allowed` to one pair. Each mask is (newcomers ×
    mentors) or broadcasts to it; masks are computed only when asked for.
    """
    yield from _participation_rules(newcomers, mentors)
    speaks = newcomers.languages.astype(np.float32) @ mentors.languages.astype(np.float32).T
    yield "No language in common.", speaks > 0
    yield (
        "This mentor is not open to supporting a harm-reduction goal.",
        ~(newcomers.reducing_harm[:, None] & ~mentors.open_to_harm_reduction[None, :]),
    )
    has_preference = newcomers.preferred_genders.any(axis=1)
    if has_preference.any():
        # A gender the mentor keeps hidden never satisfies a preference (unless they
        # chose to let it): otherwise toggling a preference would reveal it.
        usable = mentors.usable_for_preferences.get("gender")
        usable = np.zeros(len(mentors.gender), dtype=bool) if usable is None else usable
        known = (mentors.gender >= 0) & usable
        mentor_gender = np.where(known, mentors.gender, 0)
        matches_preference = newcomers.preferred_genders[:, mentor_gender] & known[None, :]
        yield (
            "This mentor does not match the preferred gender.",
            ~has_preference[:, None] | matches_preference,
        )
    # An unknown (NaN) gap is not "at least": it refuses the pair.
    yield (
        "This mentor is not far enough ahead in recovery.",
        gap_months >= parameters.min_gap_months,
    )


def _gap_months(newcomers: People, mentors: People) -> np.ndarray:
    """Return how far each mentor is ahead, counting the mentor from the start of their band.

    The start of the band never overstates the gap, so "at least 12 months
    further along" still holds for the true dates.
    """
    return (
        band_start_months(mentors.months_in_recovery)[None, :]
        - newcomers.months_in_recovery[:, None]
    )


def allowed_pairs(
    newcomers: People,
    mentors: People,
    parameters: Parameters,
    blocked: np.ndarray | None = None,
    gap_months: np.ndarray | None = None,
) -> np.ndarray:
    """Return the hard constraints as a boolean (newcomers × mentors) matrix.

    `blocked` is an integer array of (newcomer row, mentor row) pairs blocked
    in either direction.
    """
    if gap_months is None:
        gap_months = _gap_months(newcomers, mentors)
    allowed = np.ones((len(newcomers), len(mentors)), dtype=bool)
    for _, kept in _rules(newcomers, mentors, parameters, gap_months):
        allowed &= kept
    if blocked is not None and len(blocked):
        blocked = np.asarray(blocked, dtype=np.int64).reshape(-1, 2)
        allowed[blocked[:, 0], blocked[:, 1]] = False
    return allowed


def score(
    newcomers: People,
    mentors: People,
    parameters: Parameters,
    blocked: np.ndarray | None = None,
) -> Scores:
    """Score every newcomer against every mentor.

    Components stream through one scratch matrix into the total: at 10,000 ×
    3,000 each full matrix is 120 MB, and allocating six of them costs more
    than the arithmetic. `Scores.breakdowns` recomputes components per pair.
    """
    shape = (len(newcomers), len(mentors))
    weights = {name: float(parameters.weights.get(name, 0.0)) for name in COMPONENTS}
    total_weight = sum(weights.values())
    total = np.zeros(shape, dtype=np.float32)
    scratch = np.empty(shape, dtype=np.float32)

    mentor_months = band_start_months(mentors.months_in_recovery)
    np.subtract(mentor_months[None, :], newcomers.months_in_recovery[:, None], out=scratch)
    allowed = allowed_pairs(newcomers, mentors, parameters, blocked, gap_months=scratch)
    for name in COMPONENTS:
        if not weights[name]:
            continue
        if name == "steps_ahead":
            np.subtract(mentor_months[None, :], newcomers.months_in_recovery[:, None], out=scratch)
            _steps_ahead_in_place(scratch, parameters)
        elif name == "age":
            np.subtract(newcomers.birth_year[:, None], mentors.birth_year[None, :], out=scratch)
            _age_closeness_in_place(scratch, parameters)
        else:
            feature = TAG_FEATURES[name]
            _coverage_into(getattr(newcomers, feature), getattr(mentors, feature), scratch)
        scratch *= np.float32(weights[name] / total_weight)
        total += scratch
    return Scores(
        allowed=allowed, total=total, newcomers=newcomers, mentors=mentors, parameters=parameters
    )


def score_rows(
    newcomers: People,
    mentors: People,
    parameters: Parameters,
    rows: slice | np.ndarray,
    blocked: np.ndarray | None = None,
) -> Scores:
    """Score some newcomers (a slice or int array of rows) against every mentor.

    The same numbers as the same rows of `score`, for a block at a time: a large programme is
    scored block by block (`batch`), so its full matrix never exists. `blocked` holds
    (newcomer row, mentor row) pairs of the whole population, as for `score`.
    """
    part = people_rows(newcomers, rows)
    local_blocked = None
    if blocked is not None and len(blocked):
        blocked = np.asarray(blocked, dtype=np.int64).reshape(-1, 2)
        local = np.full(len(newcomers), -1, dtype=np.int64)
        local[rows] = np.arange(len(part))
        mine = local[blocked[:, 0]] >= 0
        local_blocked = np.column_stack([local[blocked[mine, 0]], blocked[mine, 1]])
    return score(part, mentors, parameters, local_blocked)


def people_rows(people: People, rows: slice | np.ndarray) -> People:
    """Return some rows of `people` as a `People` of their own."""
    changes = {}
    for item in dataclasses.fields(people):
        value = getattr(people, item.name)
        if isinstance(value, dict):
            changes[item.name] = {detail: flags[rows] for detail, flags in value.items()}
        else:
            changes[item.name] = value[rows]
    return dataclasses.replace(people, **changes)


def pair_totals(
    newcomers: People,
    rows: np.ndarray,
    mentors: People,
    columns: np.ndarray,
    parameters: Parameters,
) -> np.ndarray:
    """Return the weighted total of (rows[k], columns[k]) pairs, as `score` computes it."""
    weights = {name: float(parameters.weights.get(name, 0.0)) for name in COMPONENTS}
    total_weight = sum(weights.values())
    components = pair_components(newcomers, rows, mentors, columns, parameters)
    total = np.zeros(len(rows), dtype=np.float32)
    for name in COMPONENTS:
        if weights[name]:
            total += components[name] * np.float32(weights[name] / total_weight)
    return total


# A birth year no one is close to: an age a mentor keeps hidden scores nothing.
UNKNOWN_BIRTH_YEAR = -10_000.0


def as_shown_to_newcomers(mentors: People, life_situation_categories: list[str]) -> People:
    """Return `mentors` with each detail they do not show a suggested newcomer blanked.

    A newcomer's suggestions are scored on this, so a hidden detail (tags, age,
    free times, languages) neither helps nor hurts a mentor's place, and a
    newcomer who changes their own inputs learns nothing of it. Languages are a
    hard rule: a mentor who hides theirs shares none with anyone, so they are not
    suggested (fail closed). Staff's batch runs score the full profiles.
    """

    def shown(detail: str) -> np.ndarray:
        values = mentors.shares.get(detail)
        return np.zeros(len(mentors), dtype=bool) if values is None else values.astype(bool)

    def blank(array: np.ndarray, detail: str) -> np.ndarray:
        return array & shown(detail)[:, None]

    categories = list(life_situation_categories)
    life_situation = np.zeros_like(mentors.life_situation)
    for category in LIFE_SITUATION_CATEGORIES:
        columns = [i for i, name in enumerate(categories) if name == category]
        life_situation[:, columns] = blank(mentors.life_situation[:, columns], category)
    return dataclasses.replace(
        mentors,
        pathways=blank(mentors.pathways, "pathways"),
        substances=blank(mentors.substances, "substances"),
        availability=blank(mentors.availability, "availability"),
        languages=blank(mentors.languages, "languages"),
        life_situation=life_situation,
        birth_year=np.where(shown("age_range"), mentors.birth_year, UNKNOWN_BIRTH_YEAR).astype(
            mentors.birth_year.dtype
        ),
    )


TAG_FEATURES = {
    "pathway": "pathways",
    "life_situation": "life_situation",
    "availability": "availability",
    "substance": "substances",
}


def _coverage_into(newcomer_tags: np.ndarray, mentor_tags: np.ndarray, out: np.ndarray) -> None:
    """Write the share of each newcomer's tags that each mentor also has into `out`."""
    np.matmul(newcomer_tags.astype(np.float32), mentor_tags.astype(np.float32).T, out=out)
    own = newcomer_tags.sum(axis=1, dtype=np.float32)
    out *= np.divide(1.0, own, out=np.zeros_like(own), where=own > 0)[:, None]


def _age_closeness_in_place(birth_year_gap: np.ndarray, parameters: Parameters) -> None:
    np.abs(birth_year_gap, out=birth_year_gap)
    birth_year_gap *= np.float32(-1.0 / parameters.age_scale_years)
    birth_year_gap += np.float32(1.0)
    np.clip(birth_year_gap, 0.0, 1.0, out=birth_year_gap)


def _steps_ahead_in_place(gap_months: np.ndarray, parameters: Parameters) -> None:
    too_close = gap_months < parameters.min_gap_months
    gap_months -= np.float32(parameters.sweet_spot_max_months)
    np.clip(gap_months, 0, None, out=gap_months)
    gap_months *= np.float32(-1.0 / parameters.taper_months)
    gap_months += np.float32(1.0)
    np.clip(gap_months, 0.0, 1.0, out=gap_months)
    gap_months[too_close] = 0.0


def pair_components(
    newcomers: People,
    rows: np.ndarray,
    mentors: People,
    columns: np.ndarray,
    parameters: Parameters,
) -> dict[str, np.ndarray]:
    """Return each component for (rows[k], columns[k]) pairs, as `score` computes them."""
    components: dict[str, np.ndarray] = {}
    for name, feature in TAG_FEATURES.items():
        mine = getattr(newcomers, feature)[rows]
        theirs = getattr(mentors, feature)[columns]
        own = mine.sum(axis=1, dtype=np.float32)
        shared = (mine & theirs).sum(axis=1, dtype=np.float32)
        components[name] = np.divide(shared, own, out=np.zeros_like(own), where=own > 0)
    age = (newcomers.birth_year[rows] - mentors.birth_year[columns]).astype(np.float32)
    _age_closeness_in_place(age, parameters)
    components["age"] = age
    gap = (
        band_start_months(mentors.months_in_recovery[columns]) - newcomers.months_in_recovery[rows]
    ).astype(np.float32)
    _steps_ahead_in_place(gap, parameters)
    components["steps_ahead"] = gap
    return {name: components[name] for name in COMPONENTS}


def why_not_allowed(
    newcomers: People,
    row: int,
    mentors: People,
    column: int,
    parameters: Parameters,
    is_blocked: bool = False,
) -> str | None:
    """Return the first hard constraint one pair breaks, in words, or None if allowed."""
    if is_blocked:
        return BLOCKED
    newcomer, mentor = _OnePerson(newcomers, row), _OnePerson(mentors, column)
    gap_months = _gap_months(newcomer, mentor)
    for message, kept in _rules(newcomer, mentor, parameters, gap_months):
        if not kept.all():
            return message
    return None


def why_not_taking_part(
    newcomers: People, row: int, mentors: People, column: int, is_blocked: bool = False
) -> str | None:
    """Return the first participation rule one pair breaks, in words, or None."""
    if is_blocked:
        return BLOCKED
    newcomer, mentor = _OnePerson(newcomers, row), _OnePerson(mentors, column)
    for message, kept in _participation_rules(newcomer, mentor):
        if not kept.all():
            return message
    return None


class _OnePerson:
    """One row of `People`, read as a population of one; only the arrays a rule reads are sliced."""

    def __init__(self, people: People, row: int):
        self._people, self._rows = people, slice(row, row + 1)

    def __getattr__(self, name: str):
        value = getattr(self._people, name)
        if isinstance(value, dict):  # per-detail flags
            return {detail: flags[self._rows] for detail, flags in value.items()}
        return value[self._rows]


# --- Explanations ---------------------------------------------------------------

# The details `explain` may mention, each only when its flag in `People.shares` is set.
EXPLAINED_DETAILS = (
    "pathways",
    "life_situation",
    "community",
    "substances",
    "age_range",
    "availability",
    "languages",
)
# The life-situation feature columns hold two tag categories, shared separately.
LIFE_SITUATION_CATEGORIES = ("life_situation", "community")


@dataclass(frozen=True)
class Vocabulary:
    """Names for the columns of the feature arrays."""

    pathway_phrases: list[str]
    life_situation_phrases: list[str]
    substance_phrases: list[str]
    language_names: list[str]
    life_situation_categories: list[str] = field(default_factory=list)  # per column
    common_language: int = 0  # not worth mentioning: most people speak it


def how_far_ahead(gap_months: float) -> str:
    """Say in coarse words how much further along a mentor is, without a counter.

    `gap_months` counts the mentor from the start of their band, so the words
    never say more than the band.
    """
    if gap_months >= 120:
        return "More than ten years further along"
    if gap_months >= 36:
        return "Several years further along"
    if gap_months >= 12:
        return "More than a year further along"
    return "A little further along"


def explain(
    newcomers: People,
    row: int,
    mentors: People,
    column: int,
    vocabulary: Vocabulary,
    limit: int = 4,
) -> list[str]:
    """Return plain-language reasons a newcomer might relate to this mentor.

    Only what the mentor agreed to share with a peer is mentioned: a detail
    whose share flag is missing counts as not shared.
    """

    def shared(detail: str) -> bool:
        values = mentors.shares.get(detail)
        return values is not None and bool(values[column])

    reasons: list[str] = []

    def phrases_in_common(newcomer_tags, mentor_tags, phrases):
        return [phrases[i] for i in np.flatnonzero(newcomer_tags[row] & mentor_tags[column])]

    if shared("pathways"):
        reasons.extend(
            phrases_in_common(newcomers.pathways, mentors.pathways, vocabulary.pathway_phrases)
        )
    gap = float(_gap_months(_OnePerson(newcomers, row), _OnePerson(mentors, column))[0, 0])
    reasons.append(how_far_ahead(gap))
    categories = vocabulary.life_situation_categories
    for index in np.flatnonzero(newcomers.life_situation[row] & mentors.life_situation[column]):
        # Each column names its tag category, shared on its own; an unknown one never is.
        category = categories[index] if index < len(categories) else None
        if category in LIFE_SITUATION_CATEGORIES and shared(category):
            reasons.append(vocabulary.life_situation_phrases[index])
    close_in_age = abs(float(newcomers.birth_year[row] - mentors.birth_year[column])) <= 5
    if close_in_age and shared("age_range"):
        reasons.append("Close to you in age")
    if (
        shared("availability")
        and (newcomers.availability[row] & mentors.availability[column]).any()
    ):
        reasons.append("Free at some of the same times as you")
    languages = np.flatnonzero(newcomers.languages[row] & mentors.languages[column])
    non_default = [
        vocabulary.language_names[i] for i in languages if i != vocabulary.common_language
    ]
    if non_default and shared("languages"):
        reasons.append(f"You can talk in {non_default[0]}")
    if shared("substances"):
        reasons.extend(
            phrases_in_common(
                newcomers.substances, mentors.substances, vocabulary.substance_phrases
            )
        )
    seen: set[str] = set()
    unique = [reason for reason in reasons if not (reason in seen or seen.add(reason))]
    return unique[:limit]
