"""The batch solver: optimal newcomer-mentor assignments under mentor capacity, without Django."""

import functools
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import solver
from matching.solver import assign, assign_exact

PROJECT = Path(__file__).resolve().parents[2]
FORBIDDEN = [-1.0, 0.0, math.nan, math.inf, -math.inf]
TIED = [0.5, 1.0]


def total(scores: np.ndarray, pairs: np.ndarray) -> float:
    return float(scores[pairs[:, 0], pairs[:, 1]].astype(np.float64).sum())


def assert_feasible(scores: np.ndarray, capacity, pairs: np.ndarray) -> None:
    capacity = np.maximum(np.asarray(capacity), 0)
    assert pairs.dtype == np.int64
    assert pairs.shape == (len(pairs), 2)
    rows, cols = pairs[:, 0], pairs[:, 1]
    assert np.all(np.diff(rows) > 0), "rows must be sorted and used at most once"
    assert np.all(np.bincount(cols, minlength=len(capacity)) <= capacity)
    chosen = scores[rows, cols]
    assert np.all(np.isfinite(chosen) & (chosen > 0)), "a forbidden pair was chosen"


def brute_force_total(scores: np.ndarray, capacity) -> float:
    """Return the optimum by dynamic programming over rows and remaining capacities."""
    n, m = scores.shape
    gains = np.where(np.isfinite(scores) & (scores > 0), scores, 0.0).astype(np.float64)
    start = tuple(int(c) for c in np.clip(capacity, 0, n))

    @functools.cache
    def best(row: int, left: tuple[int, ...]) -> float:
        if row == n:
            return 0.0
        result = best(row + 1, left)
        for col in range(m):
            if left[col] and gains[row, col] > 0:
                rest = left[:col] + (left[col] - 1,) + left[col + 1 :]
                result = max(result, gains[row, col] + best(row + 1, rest))
        return result

    return best(0, start)


def assert_optimal(found: float, optimum: float) -> None:
    assert found == pytest.approx(optimum, rel=1e-6, abs=1e-9)


@st.composite
def small_instances(draw):
    rows, cols = draw(st.integers(0, 7)), draw(st.integers(0, 5))
    value = st.one_of(
        st.sampled_from(FORBIDDEN + TIED),
        st.floats(min_value=-1, max_value=10, allow_nan=False, allow_infinity=False),
    )
    cells = draw(st.lists(value, min_size=rows * cols, max_size=rows * cols))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    scores = np.array(cells, dtype=np.float64).reshape(rows, cols).astype(dtype)
    capacity = np.array(draw(st.lists(st.integers(-1, 3), min_size=cols, max_size=cols)))
    return scores, capacity.astype(np.int64)


def random_instance(rows: int, cols: int, forbidden_share: float, seed: int):
    rng = np.random.default_rng(seed)
    scores = 1.0 - rng.random((rows, cols))  # in (0, 1]
    forbidden = rng.random((rows, cols)) < forbidden_share
    scores[forbidden] = rng.choice(FORBIDDEN, size=int(forbidden.sum()))
    return scores, rng.integers(1, 6, size=cols)


@settings(max_examples=200, deadline=None)
@given(small_instances())
def test_assign_is_feasible_and_optimal_on_small_random_instances(instance):
    scores, capacity = instance
    pairs = assign(scores, capacity)
    assert_feasible(scores, capacity, pairs)
    assert_optimal(total(scores, pairs), brute_force_total(scores, capacity))


@settings(max_examples=200, deadline=None)
@given(small_instances())
def test_exact_reference_is_feasible_and_optimal_on_small_random_instances(instance):
    scores, capacity = instance
    pairs = assign_exact(scores, capacity)
    assert_feasible(scores, capacity, pairs)
    assert_optimal(total(scores, pairs), brute_force_total(scores, capacity))


def test_column_with_capacity_zero_is_never_used():
    scores = np.array([[9.0, 1.0, 2.0], [9.0, 2.0, 1.0], [9.0, 1.0, 1.0]])
    pairs = assign(scores, [0, 1, 1])
    assert 0 not in pairs[:, 1]
    assert total(scores, pairs) == 4.0


def test_negative_capacity_counts_as_zero():
    scores = np.array([[5.0, 1.0], [5.0, 1.0]])
    pairs = assign(scores, [-2, 1])
    assert pairs.tolist() == [[0, 1]]


def test_row_with_only_forbidden_pairs_stays_unmatched():
    scores = np.array([[0.4, 0.9, 0.3, 0.2, 0.1], FORBIDDEN, [0.5, 0.5, 0.5, 0.5, 0.5]])
    pairs = assign(scores, [1, 1, 1, 1, 1])
    assert pairs[:, 0].tolist() == [0, 2]
    assert total(scores, pairs) == pytest.approx(1.4)


def test_rows_stay_unmatched_when_mentors_run_out():
    scores = np.full((4, 2), 0.7)
    pairs = assign(scores, [1, 2])
    assert len(pairs) == 3
    assert_feasible(scores, [1, 2], pairs)


@pytest.mark.parametrize("fill", FORBIDDEN)
def test_all_forbidden_matrix_gives_no_pairs(fill):
    scores = np.full((3, 4), fill)
    for solve in (assign, assign_exact):
        pairs = solve(scores, [2, 2, 2, 2])
        assert pairs.shape == (0, 2)
        assert pairs.dtype == np.int64


@pytest.mark.parametrize("shape", [(0, 3), (4, 0), (0, 0)])
def test_empty_inputs_give_no_pairs(shape):
    scores = np.ones(shape)
    for solve in (assign, assign_exact):
        pairs = solve(scores, np.ones(shape[1], dtype=np.int64))
        assert pairs.shape == (0, 2)
        assert pairs.dtype == np.int64


def test_ties_still_give_an_optimal_total():
    rng = np.random.default_rng(11)
    scores = rng.choice(np.array(TIED + [math.nan]), size=(150, 40))
    capacity = rng.integers(0, 4, size=40)
    pairs = assign(scores, capacity)
    assert_feasible(scores, capacity, pairs)
    assert total(scores, pairs) == total(scores, assign_exact(scores, capacity))


def test_identical_rows_share_out_the_mentors_they_all_want():
    scores = np.tile([[1.0, 0.9, math.nan]], (5, 1))
    pairs = assign(scores, [2, 2, 3])
    assert_feasible(scores, [2, 2, 3], pairs)
    assert total(scores, pairs) == pytest.approx(3.8)


def test_many_identical_rows_match_the_exact_solver():
    rng = np.random.default_rng(5)
    profiles, capacity = random_instance(6, 80, forbidden_share=0.5, seed=5)
    scores = profiles[rng.integers(0, 6, size=500)]
    pairs = assign(scores, capacity)
    assert_feasible(scores, capacity, pairs)
    assert_optimal(total(scores, pairs), total(scores, assign_exact(scores, capacity)))


def test_large_random_instance_matches_the_exact_solver_within_a_tenth_of_a_percent():
    scores, capacity = random_instance(400, 120, forbidden_share=0.7, seed=3)
    pairs = assign(scores, capacity)
    assert_feasible(scores, capacity, pairs)
    optimum = total(scores, assign_exact(scores, capacity))
    assert optimum * 0.999 <= total(scores, pairs) <= optimum * (1 + 1e-9)


def test_float32_scores_give_the_float64_total():
    scores, capacity = random_instance(300, 90, forbidden_share=0.6, seed=8)
    narrow = scores.astype(np.float32)
    pairs = assign(narrow, capacity)
    assert_feasible(narrow, capacity, pairs)
    optimum = total(narrow, assign_exact(narrow.astype(np.float64), capacity))
    assert total(narrow, pairs) >= optimum * 0.999


def test_pruned_pairs_that_would_improve_the_total_are_brought_back(monkeypatch):
    monkeypatch.setattr(solver, "ROW_CANDIDATES", 1)
    monkeypatch.setattr(solver, "EXTRA_COLUMN_CANDIDATES", 0)
    monkeypatch.setattr(solver, "PRICE_RANK", 0.0)
    scores, capacity = random_instance(400, 120, forbidden_share=0.7, seed=4)
    solves = []
    real_solve = solver._solve_flow
    monkeypatch.setattr(solver, "_solve_flow", lambda *args: solves.append(1) or real_solve(*args))
    pairs = assign(scores, capacity)
    assert len(solves) > 1, "the tiny candidate graph should have needed a repair round"
    assert_feasible(scores, capacity, pairs)
    assert total(scores, pairs) >= 0.999 * total(scores, assign_exact(scores, capacity))


def test_every_allowed_pair_is_the_last_resort_when_repairs_run_out(monkeypatch):
    monkeypatch.setattr(solver, "ROW_CANDIDATES", 1)
    monkeypatch.setattr(solver, "PRICE_RANK", 0.0)
    monkeypatch.setattr(solver, "MAX_REPAIR_ROUNDS", 0)
    monkeypatch.setattr(solver, "ACCEPTED_GAP", -1.0)
    scores, capacity = random_instance(120, 40, forbidden_share=0.5, seed=9)
    pairs = assign(scores, capacity)
    assert_feasible(scores, capacity, pairs)
    assert_optimal(total(scores, pairs), total(scores, assign_exact(scores, capacity)))


def test_assign_imports_and_runs_without_django():
    code = (
        "import sys\n"
        "import numpy as np\n"
        "from matching.solver import assign\n"
        "print(assign(np.array([[1.0, 0.5], [0.9, 0.0]]), np.array([1, 1])).tolist())\n"
        "assert not [name for name in sys.modules if name.split('.')[0] == 'django']\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[[0, 1], [1, 0]]"


@pytest.mark.parametrize(
    ("scores", "capacity", "message"),
    [
        (np.ones(3), [1, 1, 1], "2-D"),
        (np.ones((2, 2, 2)), [1, 1], "2-D"),
        (np.ones((2, 3)), [1, 1], "one entry per column"),
        (np.ones((2, 3)), [[1, 1, 1]], "one entry per column"),
        (np.ones((2, 2)), [1.5, 1], "whole numbers"),
    ],
)
def test_bad_input_raises_value_error(scores, capacity, message):
    for solve in (assign, assign_exact):
        with pytest.raises(ValueError, match=message):
            solve(scores, capacity)


def programme_like_instance(rows: int, cols: int, seed: int):
    """The benchmark's kind of instance: contested mentors, twins, many forbidden pairs."""
    from bench.solver import instance

    return instance(rows, cols, seed)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_programme_like_instances_are_within_a_tenth_of_a_percent_of_the_optimum(seed):
    scores, capacity = programme_like_instance(500, 150, seed)
    plan = solver.assign_with_prices(scores, capacity)
    assert_feasible(scores, capacity, plan.pairs)
    optimum = total(scores, assign_exact(scores.astype(np.float64), capacity))
    found = total(scores, plan.pairs)
    assert optimum * 0.999 <= found <= optimum * (1 + 1e-6)
    # The gap it claims to have proved is a true bound, and within the promise.
    assert plan.certified_gap <= 1e-3
    assert found >= (1 - plan.certified_gap) * optimum * (1 - 1e-6)


def test_prices_cover_every_allowed_pair_and_the_assigned_ones_exactly():
    scores, capacity = random_instance(200, 60, forbidden_share=0.5, seed=12)
    plan = solver.assign_with_prices(scores, capacity)
    net = np.where(np.isfinite(scores) & (scores > 0), scores, -np.inf) - plan.column_price
    best_net = np.maximum(net.max(axis=1), 0)
    rows, cols = plan.pairs[:, 0], plan.pairs[:, 1]
    # Each newcomer's mentor is (one of) their best net of prices, and no better one is free.
    assert np.allclose(net[rows, cols], best_net[rows], atol=1e-6)
    assert (plan.column_price >= 0).all()
    assert np.allclose(plan.column_price[np.bincount(cols, minlength=60) < capacity], 0)


def test_reading_by_blocks_gives_the_same_plan_as_the_dense_matrix(monkeypatch):
    scores, capacity = programme_like_instance(700, 90, seed=4)
    # Small blocks, so every pass really goes block by block.
    monkeypatch.setattr(solver, "BLOCK_CELLS", 90 * 37)
    dense = solver.assign_with_prices(scores, capacity)
    reads = []

    def score_rows(rows):
        reads.append(scores[rows].shape[0])
        return scores[rows].copy()

    blocks = solver.assign_blocks(score_rows, scores.shape[0], capacity)
    assert blocks.pairs.tolist() == dense.pairs.tolist()
    assert np.allclose(blocks.column_price, dense.column_price)
    assert max(reads) <= 37, "no read may ask for more than a block of rows"


def test_reading_by_blocks_handles_identical_rows_and_calls_back_after_the_first_pass():
    rng = np.random.default_rng(6)
    profiles, capacity = random_instance(5, 30, forbidden_share=0.4, seed=6)
    scores = profiles[rng.integers(0, 5, size=300)]
    called = []
    plan = solver.assign_blocks(
        lambda rows: scores[rows], 300, capacity, after_first_pass=lambda: called.append(1)
    )
    assert called == [1]
    assert_feasible(scores, capacity, plan.pairs)
    assert_optimal(total(scores, plan.pairs), total(scores, assign_exact(scores, capacity)))


def test_a_block_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match="one column per capacity entry"):
        solver.assign_blocks(lambda rows: np.ones((2, 3)), 2, [1, 1])


def test_a_column_with_room_to_spare_is_priced_plain_zero_never_minus_zero():
    # Staff read prices in the admin: "-0.00" for a mentor with room would mislead.
    scores = np.array([[0.9, 0.5], [0.9, 0.5], [0.9, 0.5]])
    plan = solver.assign_with_prices(scores, [1, 3])
    assert plan.column_price[1] == 0.0 and not np.signbit(plan.column_price).any()
