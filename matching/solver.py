"""Optimal batch assignment of newcomers (rows) to mentors (columns) under mentor capacity.

This module imports numpy and scipy only, never Django, so the matching engine, benchmarks and
tests can call it without settings or a database.

The problem is a maximum-weight bipartite b-matching: each newcomer takes at most one mentor,
mentor ``j`` takes at most ``capacity[j]`` newcomers, and a newcomer may stay unmatched. Its
linear relaxation

    maximise sum s_ij x_ij  subject to  sum_j x_ij <= r_i,  sum_i x_ij <= c_j,  x_ij >= 0

has the incidence matrix of a bipartite graph as constraint matrix, which is totally unimodular,
so with integer limits every vertex of the feasible polytope is integral. A simplex solver (HiGHS
dual simplex) therefore returns an optimal *assignment*, not a fractional plan, together with
dual prices ``u_i >= 0`` per newcomer and ``v_j >= 0`` per mentor.

Why not solve on every pair at once: at 10,000 x 3,000 there are millions of allowed pairs, and
an exact dense assignment over capacity slots takes 5-15 s and ~2.5 GB. But an optimal
assignment only uses pairs near the top of someone's list, so `assign` solves on a sparse
candidate graph and then *proves* on the full matrix how close that is to the optimum:

1. Identical rows are interchangeable, so they collapse into one row with limit r_i = their
   count (hence r_i above). Otherwise twins nominate the same few mentors and the graph needs
   many repair rounds; collapsed, a heavy row simply nominates more mentors.
2. Candidates are each mentor's top allowed rows and each row's top mentors by score *minus a
   price guess*. In the optimum popular mentors carry high prices, so a newcomer's useful options
   are those with the best net score, not the best score; a mentor's score at rank
   ``PRICE_RANK x capacity`` is a cheap guess of its price. Exact ties are broken by a tiny
   per-pair jitter that differs from row to row (selection only, never in the objective).
3. The LP on the candidates gives an optimal assignment for the pruned graph and its duals.
   (Each pair also gets the redundant bound x_ij <= min(r_i, c_j), which halves HiGHS's time;
   the price HiGHS may put on such a bound is moved onto the row or column it saturates, which
   keeps the duals optimal and makes them cover every pair on their own.)
4. Duality bounds the gap on the full matrix. Raising each ``u_i`` to its row's largest
   ``s_ij - v_j`` over *all* allowed pairs makes (u, v) feasible for the full problem's dual, so
   ``sum(r u) + sum(c v)`` is an upper bound on the optimum (weak duality). If no price was
   raised, the assignment is optimal; if the bound is within CERTIFIED_GAP (0.02%), it is close
   enough. Otherwise the pruned pairs that raised a row (positive reduced cost
   ``s_ij - u_i - v_j``, the very pairs that could improve the total) join the graph, worst first
   per row and per mentor, and the LP is solved again. Every round adds pairs the graph lacked,
   so the loop ends; if it runs out of rounds with a gap above ACCEPTED_GAP, the LP is solved on
   every allowed pair.

So the result is always within 0.1% of the optimum, usually optimal, and the bound says so.

`assign_exact` is an independent, slow reference: a dense rectangular assignment in which each
mentor is copied once per capacity slot and forbidden pairs are worth 0, so assigning one is the
same as leaving the newcomer unmatched.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from scipy import sparse
from scipy.optimize import OptimizeResult, linear_sum_assignment, linprog

__all__ = ["Plan", "assign", "assign_exact", "assign_with_prices"]

#: Mentors nominated per newcomer (a row standing for r identical newcomers nominates more).
ROW_CANDIDATES = 8
#: Newcomers nominated per mentor beyond the largest capacity.
EXTRA_COLUMN_CANDIDATES = 3
#: A mentor's price is guessed as its score at rank PRICE_RANK x capacity (0: no guess).
PRICE_RANK = 3.0
#: Pairs added per violating row and per mentor in a repair round.
REPAIR_CANDIDATES = 8
#: Re-solves allowed before falling back to the LP on every allowed pair.
MAX_REPAIR_ROUNDS = 8
#: Reduced costs below this fraction of the largest score count as zero (HiGHS works to ~1e-7).
VIOLATION_TOLERANCE = 1e-6
#: Certified relative gap small enough to stop: five times inside the 0.1% promise.
CERTIFIED_GAP = 2e-4
#: Largest certified relative gap accepted when the repair rounds run out.
ACCEPTED_GAP = 5e-4
#: Relative size of the tie-breaking jitter: far above float64 resolution, far below real gaps.
TIE_JITTER = 1e-12
#: Matrix cells per block in the dense passes: keeps temporaries small and cache-friendly.
BLOCK_CELLS = 1 << 18

Pairs = tuple[np.ndarray, np.ndarray]
RowSelector = slice | np.ndarray
KeyFunction = Callable[[RowSelector, slice], np.ndarray]
T = TypeVar("T")


@dataclass(frozen=True)
class _Problem:
    """Distinct rows of the input, their multiplicities, and what every dense pass needs."""

    scores: np.ndarray
    row_limit: np.ndarray
    capacity: np.ndarray
    usable_column: np.ndarray
    row_phase: np.ndarray
    column_phase: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """Return (distinct rows, columns)."""
        return self.scores.shape

    def allowed(self, rows: RowSelector, cols: slice) -> np.ndarray:
        """Return the block of scores as float64, every forbidden pair set to -inf."""
        block = self.scores[rows, cols]
        usable = (block > 0) & (block < np.inf) & self.usable_column[cols]
        allowed = np.full(block.shape, -np.inf)
        np.copyto(allowed, block, where=usable)
        return allowed

    def ranked(self, key: np.ndarray, rows: RowSelector, cols: slice) -> np.ndarray:
        """Break exact ties in a block of keys, differently in every row, in place.

        Each key is scaled by 1 + TIE_JITTER * frac(row phase + column phase): a rotation of one
        column order per row, so rows with equal scores nominate different columns.
        """
        factor = np.add.outer(self.row_phase[rows], self.column_phase[cols])
        factor -= factor >= 1.0
        factor *= TIE_JITTER
        factor += 1.0
        key *= factor
        return key


@dataclass(frozen=True)
class _Solution:
    """An assignment on a candidate graph (pair, amount) with the LP duals that price it."""

    rows: np.ndarray
    cols: np.ndarray
    amounts: np.ndarray
    total: float
    row_price: np.ndarray
    column_price: np.ndarray


@dataclass(frozen=True)
class Plan:
    """An assignment and each column's price in it (the LP dual of its capacity)."""

    pairs: np.ndarray  # int64 (k, 2): (row, column), sorted by row
    column_price: np.ndarray  # float64 (columns,), >= 0; 0 for a column with room to spare


def assign(scores: np.ndarray, capacity: Sequence[int] | np.ndarray) -> np.ndarray:
    """Return (row, column) pairs maximising the total score under row and column capacity.

    Entries of ``scores`` that are not finite or are <= 0 are forbidden pairs. Each row is used at
    most once, column ``j`` at most ``capacity[j]`` times (negative means 0), and rows may stay
    unmatched. The result is an int64 array of shape (k, 2), sorted by row. Its total is certified
    by LP duality to be within 0.02% of the optimum (never worse than 0.1%), and usually optimal.
    """
    return assign_with_prices(scores, capacity).pairs


def assign_with_prices(scores: np.ndarray, capacity: Sequence[int] | np.ndarray) -> Plan:
    """Return `assign`'s pairs with the price of each column in that assignment.

    A column's price ``v_j`` is how much the total would gain from one more unit of its capacity:
    0 where capacity is to spare, high for a column many rows want. With row prices ``u_i`` they
    satisfy ``u_i + v_j >= s_ij`` on (nearly) every allowed pair, with equality on the assigned
    ones, so each row's assigned column is one of its best by ``s_ij - v_j``.
    """
    scores, capacity = _validated(scores, capacity)
    no_plan = Plan(_no_pairs(), np.zeros(scores.shape[1]))
    if scores.shape[0] == 0 or not (capacity > 0).any():
        return no_plan
    representative, row_type = _row_types(scores)
    if representative.size < scores.shape[0]:
        scores = scores[representative]
    problem = _problem(scores, np.bincount(row_type, minlength=representative.size), capacity)
    solution = _solve(problem)
    if solution is None:
        return no_plan
    return Plan(_expand(solution, row_type), solution.column_price.astype(np.float64))


def assign_exact(scores: np.ndarray, capacity: Sequence[int] | np.ndarray) -> np.ndarray:
    """Return an exactly optimal assignment by dense rectangular assignment over capacity slots.

    Meant as a reference for tests and benchmarks: it builds a rows x sum(capacity) float64
    matrix (0.7 GB at 10,000 x 3,000 with capacities 1-5; ~2.5 GB peak, 5-15 s there).
    """
    scores, capacity = _validated(scores, capacity)
    n, m = scores.shape
    slots = np.minimum(capacity, n)
    if n == 0 or slots.sum() == 0:
        return _no_pairs()
    problem = _problem(scores, np.ones(n, np.int64), capacity)
    gains = np.maximum(problem.allowed(slice(None), slice(None)), 0.0)
    slot_column = np.repeat(np.arange(m), slots)
    cost = -gains[:, slot_column]
    del gains
    rows, slot = linear_sum_assignment(cost)
    chosen = cost[rows, slot] < 0
    return _as_pairs(rows[chosen], slot_column[slot[chosen]])


def _validated(
    scores: np.ndarray, capacity: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return scores as a float array (no copy for float32/float64) and capacity as int64 >= 0."""
    scores = np.asarray(scores)
    if scores.dtype not in (np.float32, np.float64):
        scores = scores.astype(np.float64)
    if scores.ndim != 2:
        raise ValueError(f"scores must be a 2-D array (rows x columns), got shape {scores.shape}")
    capacity = np.asarray(capacity)
    if capacity.ndim != 1 or capacity.shape[0] != scores.shape[1]:
        raise ValueError(
            f"capacity must be a 1-D array with one entry per column ({scores.shape[1]}), "
            f"got shape {capacity.shape}"
        )
    if capacity.size and not np.array_equal(capacity, np.round(capacity)):
        raise ValueError("capacity must contain whole numbers")
    return scores, np.maximum(capacity.astype(np.int64), 0)


def _problem(scores: np.ndarray, row_limit: np.ndarray, capacity: np.ndarray) -> _Problem:
    """Wrap validated input with the phases used to break ties."""
    rng = np.random.default_rng(0x5EED)
    return _Problem(
        scores=scores,
        row_limit=row_limit.astype(np.int64),
        capacity=capacity,
        usable_column=capacity > 0,
        row_phase=rng.random(scores.shape[0]),
        column_phase=rng.random(scores.shape[1]),
    )


def _row_types(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the first row of each group of bit-identical rows, and every row's group number.

    Rows are bucketed by an integer hash of their bits and then compared in full, so a hash
    collision can only leave twins apart, never merge different rows.
    """
    n, m = scores.shape
    bits = scores.view(np.uint32 if scores.dtype == np.float32 else np.uint64)
    weights = np.random.default_rng(0x7A5E).integers(1, 2**32, m, dtype=np.uint64)
    digest = bits @ weights.astype(bits.dtype)
    order = np.argsort(digest, kind="stable")
    repeats = digest[order][1:] == digest[order][:-1]
    if not repeats.any():
        return np.arange(n), np.arange(n)
    run_start = np.maximum.accumulate(np.where(np.append(True, ~repeats), np.arange(n), 0))
    follower = np.flatnonzero(run_start != np.arange(n))
    leader = order[run_start[follower]]
    twin = np.zeros(follower.size, dtype=bool)
    for chunk in np.array_split(np.arange(follower.size), max(1, follower.size * m // BLOCK_CELLS)):
        twin[chunk] = (bits[order[follower[chunk]]] == bits[leader[chunk]]).all(axis=1)
    group = np.arange(n)
    group[order[follower[twin]]] = leader[twin]
    return np.unique(group, return_inverse=True)


def _solve(problem: _Problem) -> _Solution | None:
    """Return a certified near-optimal solution on the distinct rows, or None without pairs."""
    graph = _candidate_pairs(problem)
    if graph[0].size == 0:
        return None
    scale = float(problem.scores[graph].max())
    tolerance = VIOLATION_TOLERANCE * scale
    solution = _solve_lp(problem, graph, scale)
    repairs = 0
    while True:
        violation = _row_violation(problem, solution)
        gap = _relative_gap(problem, solution, violation)
        if gap <= CERTIFIED_GAP or repairs == MAX_REPAIR_ROUNDS:
            break
        violating = np.flatnonzero(violation > tolerance)
        grown = _add_violating_pairs(problem, solution, graph, violating, tolerance)
        if grown[0].size == graph[0].size:
            break
        graph, repairs = grown, repairs + 1
        solution = _solve_lp(problem, graph, scale)
    if gap <= ACCEPTED_GAP:
        return solution
    return _solve_lp(problem, _all_allowed_pairs(problem), scale)


def _candidate_pairs(problem: _Problem) -> Pairs:
    """Return each column's top allowed rows and each row's top columns net of a price guess."""

    def key(rows: RowSelector, cols: slice) -> np.ndarray:
        return problem.ranked(problem.allowed(rows, cols), rows, cols)

    n, _ = problem.shape
    ranks = np.clip(np.ceil(PRICE_RANK * problem.capacity), 1, n).astype(np.int64)
    column_count = max(int(problem.capacity.max()) + EXTRA_COLUMN_CANDIDATES, int(ranks.max()))
    per_column, guess = _top_pairs(problem, key, column_count, by_column=True, ranks=ranks)
    price = np.where(np.isfinite(guess) & (PRICE_RANK > 0), guess, 0.0)

    def net_key(rows: RowSelector, cols: slice) -> np.ndarray:
        net = problem.allowed(rows, cols)
        net -= price[cols]
        return problem.ranked(net, rows, cols)

    pair_sets = [per_column]
    for count, row_ids in _rows_by_candidate_count(problem):
        per_row, _ = _top_pairs(problem, net_key, count, by_column=False, row_ids=row_ids)
        pair_sets.append(per_row)
    return _union(problem, *pair_sets)


def _rows_by_candidate_count(problem: _Problem) -> list[tuple[int, np.ndarray | None]]:
    """Return (count, rows) buckets: a row standing for r twins nominates ~r more columns.

    Counts are rounded up to ROW_CANDIDATES times a power of two, so there are few buckets;
    ``None`` stands for every row (the common case of no twins at all).
    """
    wanted = ROW_CANDIDATES + 2 * (problem.row_limit - 1)
    bucket = ROW_CANDIDATES * 2 ** np.ceil(np.log2(wanted / ROW_CANDIDATES)).astype(np.int64)
    bucket = np.minimum(bucket, problem.shape[1])
    counts = np.unique(bucket)
    if counts.size == 1:
        return [(int(counts[0]), None)]
    return [(int(count), np.flatnonzero(bucket == count)) for count in counts]


def _all_allowed_pairs(problem: _Problem) -> Pairs:
    """Return every allowed pair (the last resort when repair rounds run out)."""
    rows, cols = np.nonzero(problem.allowed(slice(None), slice(None)) > -np.inf)
    return rows.astype(np.int64), cols.astype(np.int64)


def _top_pairs(
    problem: _Problem,
    key: KeyFunction,
    count: int,
    *,
    by_column: bool,
    row_ids: np.ndarray | None = None,
    ranks: np.ndarray | None = None,
) -> tuple[Pairs, np.ndarray]:
    """Return the pairs holding each row's (or column's) ``count`` largest finite keys.

    Only the rows in ``row_ids`` (default: all) are considered, on either side. Also return, per
    line, the key ranked ``ranks[line]`` (1-based, at most ``count``; -inf if missing).
    """
    n, m = problem.shape
    height = n if row_ids is None else row_ids.size
    lines, width = (m, height) if by_column else (height, m)
    kth = np.full(lines, -np.inf)
    if height == 0:
        return (np.empty(0, np.int64), np.empty(0, np.int64)), kth
    every_row = slice(None) if row_ids is None else row_ids

    def one_block(span: slice) -> Pairs:
        if by_column:
            block = np.ascontiguousarray(key(every_row, span).T)
        else:
            block = key(span if row_ids is None else row_ids[span], slice(None))
        if count < width:
            top = np.argpartition(block, width - count, axis=1)[:, width - count :]
        else:
            top = np.broadcast_to(np.arange(width), block.shape)
        values = np.take_along_axis(block, top, axis=1)
        if ranks is not None:
            ordered = -np.sort(-values, axis=1)
            rank = np.minimum(ranks[span], ordered.shape[1]) - 1
            kth[span] = ordered[np.arange(ordered.shape[0]), rank]
        finite = values > -np.inf
        line = np.broadcast_to(np.arange(span.start, span.stop)[:, None], top.shape)[finite]
        other = top[finite]
        return (other, line) if by_column else (line, other)  # (rows, columns)

    parts = _map_blocks(one_block, lines, width)
    rows = np.concatenate([part[0] for part in parts]).astype(np.int64)
    cols = np.concatenate([part[1] for part in parts]).astype(np.int64)
    return ((rows, cols) if row_ids is None else (row_ids[rows], cols)), kth


def _map_blocks(work: Callable[[slice], T], lines: int, width: int) -> list[T]:
    """Apply ``work`` to consecutive blocks of lines, on threads (numpy releases the GIL)."""
    step = max(1, BLOCK_CELLS // max(width, 1))
    spans = [slice(start, min(start + step, lines)) for start in range(0, lines, step)]
    workers = min(len(spans), os.cpu_count() or 1, 4)
    if workers <= 1:
        return [work(span) for span in spans]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, spans))


def _union(problem: _Problem, *pair_sets: Pairs) -> Pairs:
    """Return the distinct pairs of all sets, ordered by row then column."""
    m = problem.shape[1]
    codes = np.unique(np.concatenate([rows * m + cols for rows, cols in pair_sets]))
    return codes // m, codes % m


def _solve_lp(problem: _Problem, pairs: Pairs, scale: float) -> _Solution:
    """Solve the b-matching LP on the given pairs; return its (integral) vertex and duals."""
    rows, cols = pairs
    n, m = problem.shape
    edges = rows.size
    weights = problem.scores[rows, cols].astype(np.float64)
    index = np.arange(edges)
    constraints = sparse.csc_matrix(
        (np.ones(2 * edges), (np.concatenate([rows, n + cols]), np.concatenate([index, index]))),
        shape=(n + m, edges),
    )
    limits = np.concatenate([problem.row_limit, problem.capacity]).astype(np.float64)
    # The per-pair upper bound is implied by the limits, but stating it halves HiGHS's time.
    upper = np.minimum(problem.row_limit[rows], problem.capacity[cols])
    result = linprog(
        -weights / scale,
        A_ub=constraints,
        b_ub=limits,
        bounds=np.column_stack([np.zeros(edges), upper]),
        method="highs-ds",
        # Presolve finds little to remove in a bipartite LP and costs ~15% of the solve.
        options={"presolve": False},
    )
    if result.status != 0:
        raise RuntimeError(f"HiGHS could not solve the assignment LP: {result.message}")
    amounts = _within_limits(problem, rows, cols, weights, np.rint(result.x).astype(np.int64))
    chosen = amounts > 0
    row_price, column_price = _pure_prices(problem, pairs, upper, result, scale)
    return _Solution(
        rows=rows[chosen],
        cols=cols[chosen],
        amounts=amounts[chosen],
        total=float(weights[chosen] @ amounts[chosen]),
        row_price=row_price,
        column_price=column_price,
    )


def _pure_prices(
    problem: _Problem, pairs: Pairs, upper: np.ndarray, result: OptimizeResult, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return row and column prices that alone cover every pair of the graph.

    HiGHS may price a pair through its (redundant) upper bound instead. A pair at a bound equal
    to its row's limit takes the whole row, and one at its column's capacity fills the column,
    so each such bound price moves onto that row or column without changing the dual objective.
    """
    rows, cols = pairs
    n, m = problem.shape
    prices = np.maximum(-result.ineqlin.marginals, 0.0) * scale
    bound_price = np.maximum(-result.upper.marginals, 0.0) * scale
    on_row = upper == problem.row_limit[rows]
    row_price = prices[:n] + np.bincount(rows, bound_price * on_row, minlength=n)
    column_price = prices[n:] + np.bincount(cols, bound_price * ~on_row, minlength=m)
    return row_price, column_price


def _within_limits(
    problem: _Problem, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, amounts: np.ndarray
) -> np.ndarray:
    """Return ``amounts`` trimmed, weakest pairs first, so no row or column exceeds its limit.

    A simplex vertex is integral, so this never bites; it guards against a solver ever returning
    an interior (fractional) optimum, where rounding could overfill a mentor.
    """
    order = np.argsort(-weights, kind="stable")
    trimmed = amounts[order]
    for group, limit in ((rows[order], problem.row_limit), (cols[order], problem.capacity)):
        trimmed = _clip_running_totals(group, trimmed, limit)
    result = np.empty_like(amounts)
    result[order] = trimmed
    return result


def _clip_running_totals(group: np.ndarray, amounts: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Return amounts cut so each group's running total, in the given order, stays in limit."""
    order = np.argsort(group, kind="stable")
    running = np.cumsum(amounts[order])
    group_start = np.searchsorted(group[order], group[order], side="left")
    before = running - amounts[order] - np.concatenate([[0], running])[group_start]
    room = np.clip(limit[group[order]] - before, 0, None)
    clipped = np.empty_like(amounts)
    clipped[order] = np.minimum(amounts[order], room)
    return clipped


def _row_violation(problem: _Problem, solution: _Solution) -> np.ndarray:
    """Return, per row, the largest reduced cost s_ij - u_i - v_j over all allowed pairs (>= 0)."""
    n, m = problem.shape
    best = np.empty(n)

    def one_block(span: slice) -> None:
        block = problem.allowed(span, slice(None))
        block -= solution.column_price
        best[span] = block.max(axis=1)

    _map_blocks(one_block, n, m)
    return np.maximum(best - solution.row_price, 0.0)


def _relative_gap(problem: _Problem, solution: _Solution, row_violation: np.ndarray) -> float:
    """Return how far the solution may be below the optimum, as a fraction of an upper bound.

    Raising each row price by its row's largest violation makes the duals feasible for the full
    problem, so their objective bounds the optimum from above (weak duality).
    """
    bound = float(problem.row_limit @ (solution.row_price + row_violation))
    bound += float(problem.capacity @ solution.column_price)
    return max(bound - solution.total, 0.0) / bound if bound > 0 else 0.0


def _add_violating_pairs(
    problem: _Problem,
    solution: _Solution,
    graph: Pairs,
    violating: np.ndarray,
    tolerance: float,
) -> Pairs:
    """Return the graph plus the worst dual violators of each violating row and of each column.

    Every violating pair lies in a violating row, so only those rows are scanned.
    """

    def key(rows: RowSelector, cols: slice) -> np.ndarray:
        reduced = problem.allowed(rows, cols)
        reduced -= solution.row_price[rows, None]
        reduced -= solution.column_price[cols]
        reduced[reduced <= tolerance] = -np.inf
        return problem.ranked(reduced, rows, cols)

    per_row, _ = _top_pairs(problem, key, REPAIR_CANDIDATES, by_column=False, row_ids=violating)
    per_column, _ = _top_pairs(problem, key, REPAIR_CANDIDATES, by_column=True, row_ids=violating)
    return _union(problem, graph, per_row, per_column)


def _expand(solution: _Solution, row_type: np.ndarray) -> np.ndarray:
    """Return the solution as (row, column) pairs of the input, twins taking turns in order."""
    order = np.argsort(solution.rows, kind="stable")
    types = np.repeat(solution.rows[order], solution.amounts[order])
    cols = np.repeat(solution.cols[order], solution.amounts[order])
    members = np.argsort(row_type, kind="stable")
    type_start = np.searchsorted(row_type[members], np.arange(row_type.max() + 1))
    turn = np.arange(types.size) - np.searchsorted(types, types, side="left")
    return _as_pairs(members[type_start[types] + turn], cols)


def _as_pairs(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Stack rows and columns into a (k, 2) int64 array sorted by row."""
    order = np.argsort(rows, kind="stable")
    return np.column_stack([rows[order], cols[order]]).astype(np.int64)


def _no_pairs() -> np.ndarray:
    """Return the empty (0, 2) int64 result."""
    return np.empty((0, 2), dtype=np.int64)
