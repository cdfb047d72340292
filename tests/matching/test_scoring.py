"""The scorer on hand-built feature arrays: no database."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import scoring

P, L, S, LANG, G = 4, 3, 2, 2, 4  # pathway, life, substance, language, gender columns
VOCABULARY = scoring.Vocabulary(
    pathway_phrases=[
        "You both follow a 12-step pathway",
        "You both use SMART Recovery",
        "Faith is part of recovery for you both",
        "You both prefer a secular approach",
    ],
    life_situation_phrases=[
        "You're both parents",
        "You're both veterans",
        "You're both part of the LGBTQ+ community",
    ],
    life_situation_categories=["life_situation", "life_situation", "community"],
    substance_phrases=[
        "You both have experience with alcohol",
        "You both have experience with opioids",
    ],
    language_names=["English", "Spanish"],
)
PARAMETERS = scoring.Parameters(
    weights={
        "pathway": 3,
        "age": 2,
        "life_situation": 2,
        "availability": 1,
        "steps_ahead": 2,
        "substance": 0.5,
    }
)


def person(
    months=0.0,
    birth_year=1990,
    gender=-1,
    languages=(0,),
    pathways=(),
    life=(),
    substances=(),
    availability=(10,),
    reducing_harm=False,
    preferred=(),
    held=False,
    open_to_harm_reduction=True,
    available=True,
    capacity_left=3,
    shares=None,
    gender_for_preferences=True,
):
    def row(size, on):
        values = np.zeros(size, dtype=bool)
        values[list(on)] = True
        return values

    return {
        "months_in_recovery": months,
        "birth_year": birth_year,
        "gender": gender,
        "languages": row(LANG, languages),
        "pathways": row(P, pathways),
        "life_situation": row(L, life),
        "substances": row(S, substances),
        "availability": row(scoring.AVAILABILITY_BLOCKS, availability),
        "reducing_harm": reducing_harm,
        "preferred_genders": row(G, preferred),
        "held": held,
        "open_to_harm_reduction": open_to_harm_reduction,
        "available": available,
        "capacity_left": capacity_left,
        "gender_for_preferences": gender_for_preferences,
        "shares": shares
        if shares is not None
        else {
            "pathways": True,
            "life_situation": True,
            "community": True,
            "substances": False,
            "age_range": False,
        },
    }


def people(*rows) -> scoring.People:
    def stack(key, dtype):
        return np.array([r[key] for r in rows], dtype=dtype)

    return scoring.People(
        ids=np.arange(1, len(rows) + 1, dtype=np.int64),
        months_in_recovery=stack("months_in_recovery", np.float32),
        birth_year=stack("birth_year", np.float32),
        gender=stack("gender", np.int16),
        languages=stack("languages", bool),
        pathways=stack("pathways", bool),
        life_situation=stack("life_situation", bool),
        substances=stack("substances", bool),
        availability=stack("availability", bool),
        reducing_harm=stack("reducing_harm", bool),
        preferred_genders=stack("preferred_genders", bool),
        held=stack("held", bool),
        open_to_harm_reduction=stack("open_to_harm_reduction", bool),
        available=stack("available", bool),
        capacity_left=stack("capacity_left", np.int32),
        shares={key: np.array([r["shares"][key] for r in rows]) for key in rows[0]["shares"]},
        usable_for_preferences={"gender": stack("gender_for_preferences", bool)},
    )


def allowed(newcomer, mentor, **kwargs) -> bool:
    return bool(scoring.score(people(newcomer), people(mentor), PARAMETERS, **kwargs).allowed[0, 0])


def test_a_compatible_pair_is_allowed():
    assert allowed(person(), person(months=36))


@pytest.mark.parametrize(
    "mentor_change, why",
    [
        ({"available": False}, "not vetted, paused or inactive"),
        ({"capacity_left": 0}, "full"),
        ({"languages": (1,)}, "no shared language"),
        ({"months": 11}, "less than the minimum gap ahead"),
    ],
)
def test_a_mentor_breaking_a_hard_constraint_is_never_allowed(mentor_change, why):
    mentor = person(**{"months": 36, **mentor_change})
    assert not allowed(person(), mentor), why


def test_a_held_newcomer_is_not_matched_automatically():
    assert not allowed(person(held=True), person(months=36))


def test_harm_reduction_goal_needs_a_mentor_open_to_it():
    assert not allowed(person(reducing_harm=True), person(months=36, open_to_harm_reduction=False))
    assert allowed(person(reducing_harm=True), person(months=36, open_to_harm_reduction=True))
    assert allowed(person(reducing_harm=False), person(months=36, open_to_harm_reduction=False))


def test_gender_preference_is_respected_when_given():
    wants_women = person(preferred=(0,))
    assert allowed(wants_women, person(months=36, gender=0))
    assert not allowed(wants_women, person(months=36, gender=1))
    assert not allowed(wants_women, person(months=36, gender=-1))
    assert allowed(person(), person(months=36, gender=1))


def test_a_hidden_gender_never_satisfies_a_preference():
    hidden_woman = person(months=36, gender=0, gender_for_preferences=False)
    hidden_man = person(months=36, gender=1, gender_for_preferences=False)
    for preferred in [(0,), (1,), (2,), (0, 1, 2)]:
        wants = person(preferred=preferred)
        assert not allowed(wants, hidden_woman)
        assert not allowed(wants, hidden_man)
    assert allowed(person(), hidden_woman)
    assert scoring.why_not_allowed(
        people(person(preferred=(0,))), 0, people(hidden_woman), 0, PARAMETERS
    ) == ("This mentor does not match the preferred gender.")


def test_a_gender_preference_without_the_mentors_flags_fails_closed():
    mentor = people(person(months=36, gender=0))
    mentor = scoring.People(**{**mentor.__dict__, "usable_for_preferences": {}})
    assert not scoring.score(people(person(preferred=(0,))), mentor, PARAMETERS).allowed[0, 0]


def test_a_blocked_pair_is_not_allowed():
    assert not allowed(person(), person(months=36), blocked=np.array([[0, 0]]))


def test_newcomer_without_a_date_counts_as_at_the_start():
    assert allowed(person(months=0), person(months=12))
    assert not allowed(person(months=6), person(months=12))


def test_steps_ahead_sweet_spot_gives_full_bonus_then_tapers():
    # A mentor's time counts from the start of its band (20 years or more: 240
    # months), so each gap comes from a newcomer that much nearer the start.
    gaps = [11, 12, 60, 120, 180, 240]
    scored = scoring.score(
        people(*(person(months=240 - gap) for gap in gaps)),
        people(person(months=250)),
        PARAMETERS,
    )
    bonus = [scored.breakdown(row, 0)["steps_ahead"] for row in range(len(gaps))]
    assert bonus == pytest.approx([0.0, 1.0, 1.0, 1.0, 0.5, 0.0])


def test_total_is_a_weighted_mean_of_components_in_zero_to_one():
    newcomer = people(person(pathways=(0,), life=(0,), substances=(0,), availability=(5, 6)))
    mentors = people(
        person(
            months=48,
            birth_year=1990,
            pathways=(0,),
            life=(0,),
            substances=(0,),
            availability=(5, 6),
        ),
        person(months=48, birth_year=1960, pathways=(1,), life=(1,), availability=(30,)),
    )
    result = scoring.score(newcomer, mentors, PARAMETERS)
    assert result.total[0, 0] == pytest.approx(1.0)
    assert 0 <= result.total[0, 1] < 0.3
    rows, columns = np.array([0, 0]), np.array([0, 1])
    for values in result.breakdowns(rows, columns).values():
        assert values.min() >= 0 and values.max() <= 1
    assert result.breakdown(0, 0) == dict.fromkeys(scoring.COMPONENTS, 1.0)


def test_sharing_more_of_the_newcomers_story_scores_higher():
    newcomer = people(person(pathways=(0, 1), life=(0,)))
    mentors = people(
        person(months=48, pathways=(0, 1), life=(0,)), person(months=48, pathways=(0,))
    )
    totals = scoring.score(newcomer, mentors, PARAMETERS).total[0]
    assert totals[0] > totals[1]


@pytest.mark.parametrize(
    "weights",
    [
        {"pathway": -1},
        {"pathway": float("nan")},
        {"pathway": "3"},
        dict.fromkeys(scoring.COMPONENTS, 0),
    ],
)
def test_bad_weights_are_refused(weights):
    with pytest.raises(ValueError):
        scoring.Parameters(weights=weights)


def test_solver_scores_forbid_disallowed_pairs_and_keep_allowed_ones_positive():
    newcomer = people(person())
    mentors = people(person(months=36), person(months=36, languages=(1,)))
    solver_scores = scoring.score(newcomer, mentors, PARAMETERS).for_solver()
    assert solver_scores[0, 0] > 0
    assert solver_scores[0, 1] == 0


def test_explanation_names_shared_pathway_steps_ahead_and_life_situation_in_plain_words():
    newcomer = people(person(pathways=(0,), life=(0,), languages=(0, 1)))
    mentor = people(person(months=26, pathways=(0,), life=(0,), languages=(0, 1)))
    reasons = scoring.explain(newcomer, 0, mentor, 0, VOCABULARY)
    assert reasons[:3] == [
        "You both follow a 12-step pathway",
        "More than a year further along",
        "You're both parents",
    ]
    assert not any(re.search(r"\d+ (month|year)", reason) for reason in reasons)


def test_explanation_leaves_out_what_the_mentor_does_not_share():
    shares = {
        "pathways": False,
        "life_situation": False,
        "community": True,
        "substances": False,
        "age_range": False,
    }
    newcomer = people(person(pathways=(0,), life=(0, 2)))
    mentor = people(person(months=30, pathways=(0,), life=(0, 2), shares=shares))
    reasons = scoring.explain(newcomer, 0, mentor, 0, VOCABULARY)
    assert "You both follow a 12-step pathway" not in reasons
    assert "You're both parents" not in reasons
    assert "You're both part of the LGBTQ+ community" in reasons


def test_explanation_without_share_flags_names_nothing_the_mentor_may_not_have_shared():
    newcomer = people(person(pathways=(0,), life=(0, 2), substances=(0,), languages=(0, 1)))
    mentor = people(
        person(months=30, pathways=(0,), life=(0, 2), substances=(0,), languages=(0, 1), shares={})
    )
    reasons = scoring.explain(newcomer, 0, mentor, 0, VOCABULARY)
    tag_phrases = {
        *VOCABULARY.pathway_phrases,
        *VOCABULARY.life_situation_phrases,
        *VOCABULARY.substance_phrases,
    }
    assert reasons == ["More than a year further along"]
    assert not tag_phrases & set(reasons)


@pytest.mark.parametrize(
    "months, words",
    [
        (6, "A little further along"),
        (12, "More than a year further along"),
        (36, "Several years further along"),
        (121, "More than ten years further along"),
        (200, "More than ten years further along"),
    ],
)
def test_how_far_ahead_is_said_without_a_counter(months, words):
    assert scoring.how_far_ahead(months) == words


# Two mentors' whole months in recovery, both in one band.
BAND_EDGES = [*scoring.RECOVERY_BAND_MONTHS, 600]
SAME_BAND = st.integers(0, len(scoring.RECOVERY_BAND_MONTHS) - 1).flatmap(
    lambda band: st.tuples(
        st.integers(BAND_EDGES[band], BAND_EDGES[band + 1] - 1),
        st.integers(BAND_EDGES[band], BAND_EDGES[band + 1] - 1),
    )
)


@settings(max_examples=60, deadline=None)
@given(newcomer_months=st.floats(0, 300, width=32), mentor_months=SAME_BAND)
def test_a_newcomer_cannot_tell_apart_two_mentors_in_the_same_recovery_band(
    newcomer_months, mentor_months
):
    """Whatever date a newcomer gives, the verdict, the score and the words are the same."""
    newcomer = people(person(months=newcomer_months, pathways=(0,)))
    seen = []
    for months in mentor_months:
        mentor = people(person(months=months, pathways=(0,)))
        scores = scoring.score(newcomer, mentor, PARAMETERS)
        seen.append(
            (
                bool(scores.allowed[0, 0]),
                float(scores.total[0, 0]),
                scoring.why_not_allowed(newcomer, 0, mentor, 0, PARAMETERS),
                scoring.explain(newcomer, 0, mentor, 0, VOCABULARY),
            )
        )
    assert seen[0] == seen[1]


@settings(max_examples=60, deadline=None)
@given(newcomer_months=st.floats(0, 300, width=32), mentor_months=st.floats(0, 300, width=32))
def test_an_allowed_mentor_is_at_least_the_minimum_gap_ahead_by_their_true_date(
    newcomer_months, mentor_months
):
    if allowed(person(months=newcomer_months), person(months=mentor_months)):
        assert mentor_months - newcomer_months >= PARAMETERS.min_gap_months


def test_why_not_allowed_names_the_broken_constraint():
    newcomer = people(person(reducing_harm=True))
    mentor = people(person(months=36, open_to_harm_reduction=False))
    assert scoring.why_not_allowed(newcomer, 0, mentor, 0, PARAMETERS) == (
        "This mentor is not open to supporting a harm-reduction goal."
    )
    assert scoring.why_not_allowed(people(person()), 0, mentor, 0, PARAMETERS) is None


def subsets(size):
    return st.lists(st.integers(0, size - 1), max_size=size, unique=True)


# Months in recovery: whole and fractional, with gaps right at the steps-ahead line.
MONTHS = st.one_of(
    st.sampled_from([0.0, 0.0, 0.3, 11.0, 12.0, 12.1, 12.4, 24.4]),
    st.floats(0, 240, width=32),
)


def mostly(usual, unusual):
    """Draw the usual value three times in four, so that many pairs pass most rules."""
    return st.sampled_from([usual, usual, usual, unusual])


@st.composite
def random_person(draw):
    return person(
        months=draw(MONTHS),
        birth_year=draw(st.integers(1940, 2008)),
        gender=draw(st.integers(-1, G - 1)),
        languages=draw(st.one_of(st.just((0,)), subsets(LANG))),
        pathways=draw(subsets(P)),
        availability=draw(subsets(scoring.AVAILABILITY_BLOCKS)),
        reducing_harm=draw(mostly(False, True)),
        preferred=draw(st.one_of(st.just(()), subsets(G))),
        held=draw(mostly(False, True)),
        open_to_harm_reduction=draw(mostly(True, False)),
        available=draw(mostly(True, False)),
        capacity_left=draw(st.integers(-1, 3)),
    )


@st.composite
def populations(draw):
    newcomers = draw(st.lists(random_person(), min_size=1, max_size=6))
    mentors = draw(st.lists(random_person(), min_size=1, max_size=6))
    cells = st.tuples(st.integers(0, len(newcomers) - 1), st.integers(0, len(mentors) - 1))
    blocked = draw(st.lists(cells, max_size=4))
    min_gap = draw(st.one_of(st.sampled_from([0.0, 12.0, 12.1, 12.4]), st.floats(0, 36)))
    parameters = scoring.Parameters(weights=PARAMETERS.weights, min_gap_months=min_gap)
    return people(*newcomers), people(*mentors), blocked, parameters


@settings(max_examples=300, deadline=None)
@given(populations())
def test_allowed_pairs_and_why_not_allowed_agree_on_every_pair(population):
    newcomers, mentors, blocked, parameters = population
    blocked_array = np.array(blocked, dtype=np.int64).reshape(-1, 2)
    allowed = scoring.allowed_pairs(newcomers, mentors, parameters, blocked_array)
    scored = scoring.score(newcomers, mentors, parameters, blocked_array).allowed
    for row in range(len(newcomers)):
        for column in range(len(mentors)):
            refusal = scoring.why_not_allowed(
                newcomers,
                row,
                mentors,
                column,
                parameters,
                is_blocked=(row, column) in blocked,
            )
            assert allowed[row, column] == (refusal is None), (row, column, refusal)
            assert scored[row, column] == allowed[row, column]


def test_breakdowns_agree_with_the_total_for_random_people():
    rng = np.random.default_rng(5)

    def random_person(i):
        return person(
            months=float(rng.integers(0, 300)),
            birth_year=int(rng.integers(1950, 2005)),
            pathways=tuple(np.flatnonzero(rng.random(P) < 0.4)),
            life=tuple(np.flatnonzero(rng.random(L) < 0.4)),
            substances=tuple(np.flatnonzero(rng.random(S) < 0.4)),
            availability=tuple(np.flatnonzero(rng.random(scoring.AVAILABILITY_BLOCKS) < 0.2)),
        )

    newcomers = people(*[random_person(i) for i in range(12)])
    mentors = people(*[random_person(i) for i in range(9)])
    result = scoring.score(newcomers, mentors, PARAMETERS)
    rows, columns = np.meshgrid(np.arange(12), np.arange(9), indexing="ij")
    parts = result.breakdowns(rows.ravel(), columns.ravel())
    total_weight = sum(PARAMETERS.weights.values())
    recombined = sum(PARAMETERS.weights[name] / total_weight * parts[name] for name in parts)
    np.testing.assert_allclose(recombined.reshape(12, 9), result.total, atol=1e-5)


def random_people(count: int, seed: int) -> scoring.People:
    rng = np.random.default_rng(seed)
    return people(
        *(
            person(
                months=float(rng.integers(0, 200)),
                birth_year=int(rng.integers(1950, 2005)),
                gender=int(rng.integers(-1, G)),
                languages=tuple(rng.choice(LANG, size=int(rng.integers(1, 3)), replace=False)),
                pathways=tuple(rng.choice(P, size=int(rng.integers(0, P)), replace=False)),
                life=tuple(rng.choice(L, size=int(rng.integers(0, L)), replace=False)),
                substances=tuple(rng.choice(S, size=int(rng.integers(0, S)), replace=False)),
                availability=tuple(rng.choice(42, size=int(rng.integers(1, 8)), replace=False)),
                reducing_harm=bool(rng.random() < 0.3),
                preferred=(int(rng.integers(0, G)),) if rng.random() < 0.2 else (),
                held=bool(rng.random() < 0.1),
                open_to_harm_reduction=bool(rng.random() < 0.7),
                available=bool(rng.random() < 0.9),
                capacity_left=int(rng.integers(0, 4)),
            )
            for _ in range(count)
        )
    )


def test_scoring_a_block_of_newcomers_gives_the_same_rows_as_scoring_everyone():
    newcomers, mentors = random_people(40, seed=1), random_people(25, seed=2)
    blocked = np.array([[3, 4], [17, 0], [39, 24], [3, 5]])
    everyone = scoring.score(newcomers, mentors, PARAMETERS, blocked)
    for rows in (slice(0, 16), slice(16, 40), np.array([39, 3, 17, 3])):
        block = scoring.score_rows(newcomers, mentors, PARAMETERS, rows, blocked)
        assert np.array_equal(block.allowed, everyone.allowed[rows])
        assert np.allclose(block.total, everyone.total[rows], atol=1e-6)
        assert np.array_equal(block.for_solver() > 0, everyone.for_solver()[rows] > 0)
    # A blocked pair stays blocked inside any block that holds its newcomer.
    assert not scoring.score_rows(newcomers, mentors, PARAMETERS, [3], blocked).allowed[0, 4]


def test_pair_totals_are_the_totals_score_computes():
    newcomers, mentors = random_people(30, seed=3), random_people(20, seed=4)
    everyone = scoring.score(newcomers, mentors, PARAMETERS)
    rows, columns = np.nonzero(everyone.allowed)
    totals = scoring.pair_totals(newcomers, rows, mentors, columns, PARAMETERS)
    assert np.allclose(totals, everyone.total[rows, columns], atol=1e-6)
