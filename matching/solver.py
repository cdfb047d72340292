"""Optimal batch assignment of newcomers (rows) to mentors (columns) under mentor capacity.

This module imports numpy and scipy only, never Django, so the matching engine, benchmarks and
tests can call it without settings or a database.

The problem is a maximum-weight bipartite b-matching: each newcomer takes at most one mentor,
mentor ``j`` takes at most ``capacity[j]`` newcomers, and a newcomer may stay unmatched. Its
linear relaxation

    maximise sum s_ij x_ij  subject to  sum_j x_ij <= 1,  sum_i x_ij <= c_j,  x >= 0

has the incidence matrix of a bipartite graph as constraint matrix, which is totally unimodular,
so every vertex of the feasible polytope is integral. A simplex solver (HiGHS dual simplex)
therefore returns an optimal *assignment*, not a fractional plan, together with dual prices
``u_i >= 0`` per newcomer and ``v_j >= 0`` per mentor.

Why not solve on every pair at once: at 10,000 x 3,000 there are tens of millions of allowed
pairs, and a dense assignment with each mentor copied once per capacity slot takes ~48 s. But an
optimal assignment almost only uses pairs near the top of a newcomer's or a mentor's own list, so
`assign` solves on a sparse candidate graph and then *proves* optimality on the full matrix:

1. Candidates are each newcomer's top K allowed mentors plus each mentor's top L allowed
   newcomers (L a few more than the largest capacity), so scarce mentors and picky newcomers both
   keep options. Exact ties are broken by a tiny deterministic per-pair jitter that differs from
   row to row, so identical newcomers do not all nominate the same few mentors. The jitter only
   steers selection; it never enters the objective.
2. The LP on the candidates gives an optimal assignment for the pruned graph and its duals.
3. Duality certifies it for the full graph: if ``u_i + v_j >= s_ij`` holds for *every* allowed
   pair, then (u, v) is feasible for the full problem's dual and its objective equals the pruned
   optimum, which is the value of a feasible full assignment; by weak duality both are optimal.
   A pair breaking the inequality (positive reduced cost ``s_ij - u_i - v_j``) is precisely a
   pruned pair that could improve the total, so the worst offenders per newcomer and per mentor
   join the graph and the LP is solved again. Every round adds pairs the graph lacked, so the
   loop ends; on random data shaped like ours the first round already certifies.
4. Raising each ``u_i`` by its row's largest violation always yields a feasible dual, so
   ``sum(u) + sum(c * v) + sum(row violations)`` bounds the optimum from above even before the
   loop converges. If rounds run out while that bound is more than 0.05% above the total, the
   LP is solved on every allowed pair instead, so the result is always within 0.1%.

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
from scipy.optimize import linear_sum_assignment, linprog

__all__ = ["assign", "assign_exact"]

#: Mentors nominated per newcomer, before the capacity-aware bound in `_row_candidate_count`.
ROW_CANDIDATES = 8
#: Newcomers nominated per mentor beyond the largest capacity.
EXTRA_COLUMN_CANDIDATES = 3
#: A mentor's price is guessed as its score at rank PRICE_RANK x capacity (0: no guess).
PRICE_RANK = 2.0
#: Pairs added per newcomer and per mentor in a repair round.
REPAIR_CANDIDATES = 8
#: Re-solves allowed before falling back to the LP on every allowed pair.
MAX_REPAIR_ROUNDS = 8
#: Reduced costs below this fraction of the largest score count as zero (HiGHS works to ~1e-7).
VIOLATION_TOLERANCE = 1e-6
#: Certified relative gap small enough to stop repairing: far below any difference that matters.
CERTIFIED_GAP = 1e-5
#: Largest certified relative gap accepted when the repair rounds run out.
ACCEPTED_GAP = 5e-4
#: Relative size of the tie-breaking jitter: far above float64 resolution, far below real gaps.
TIE_JITTER = 1e-12
#: Matrix cells per block in the dense passes: keeps temporaries small and cache-friendly.
BLOCK_CELLS = 1 << 18

RowSelector = slice | np.ndarray
KeyFunction = Callable[[RowSelector, slice], np.ndarray]
T = TypeVar("T")


@dataclass(frozen=True)
class _Problem:
    """Validated input plus what every dense pass over it needs."""

    scores: np.ndarray
    capacity: np.ndarray
    usable_column: np.ndarray
    row_candidates: int
    row_phase: np.ndarray
    column_phase: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """Return (newcomers, mentors)."""
        return self.scores.shape

    def allowed(self, rows: RowSelector, cols: slice) -> np.ndarray:
        """Return the block of scores as float64, every forbidden pair set to -inf."""
        block = self.scores[rows, cols]
        usable = (block > 0) & (block < np.inf) & self.usable_column[cols]
        allowed = np.full(block.shape, -np.inf)
        np.copyto(allowed, block, where=usable)
        return allowed

    def ranked(self, key: np.ndarray, rows: RowSelector, cols: slice) -> np.ndarray:
        """Break exact ties in a block of positive keys, differently in every row, in place.

        Each key is scaled by 1 + TIE_JITTER * frac(row phase + column phase): a rotation of one
        column order per row, so rows with identical scores nominate different columns.
        """
        factor = np.add.outer(self.row_phase[rows], self.column_phase[cols])
        factor -= factor >= 1.0
        factor *= TIE_JITTER
        factor += 1.0
        key *= factor
        return key


@dataclass(frozen=True)
class _Solution:
    """An assignment on a candidate graph with the LP duals that price it."""

    rows: np.ndarray
    cols: np.ndarray
    total: float
    row_price: np.ndarray
    column_price: np.ndarray


def assign(scores: np.ndarray, capacity: Sequence[int] | np.ndarray) -> np.ndarray:
    """Return (row, column) pairs maximising the total score under row and column capacity.

    Entries of ``scores`` that are not finite or are <= 0 are forbidden pairs. Each row is used at
    most once, column ``j`` at most ``capacity[j]`` times (negative means 0), and rows may stay
    unmatched. The result is an int64 array of shape (k, 2), sorted by row, and is optimal up to
    solver tolerance (certified by LP duality; never worse than 0.1% below the optimum).
    """
    problem = _problem(scores, capacity)
    if not problem.usable_column.any() or problem.shape[0] == 0:
        return _no_pairs()
    rows, cols = _candidate_pairs(problem)
    if rows.size == 0:
        return _no_pairs()
    scale = float(problem.scores[rows, cols].max())
    tolerance = VIOLATION_TOLERANCE * scale
    solution = _solve_lp(problem, rows, cols, scale)
    for _ in range(MAX_REPAIR_ROUNDS):
        violation = _row_violation(problem, solution)
        if _relative_gap(problem, solution, violation) <= CERTIFIED_GAP:
            return _pairs(solution)
        violating = np.flatnonzero(violation > tolerance)
        grown_rows, grown_cols = _add_violating_pairs(
            problem, solution, (rows, cols), violating, tolerance
        )
        if grown_rows.size == rows.size:
            return _pairs(solution)
        rows, cols = grown_rows, grown_cols
        solution = _solve_lp(problem, rows, cols, scale)
    if _relative_gap(problem, solution, _row_violation(problem, solution)) <= ACCEPTED_GAP:
        return _pairs(solution)
    return _pairs(_solve_lp(problem, *_all_allowed_pairs(problem), scale))


def assign_exact(scores: np.ndarray, capacity: Sequence[int] | np.ndarray) -> np.ndarray:
    """Return an exactly optimal assignment by dense rectangular assignment over capacity slots.

    Meant as a reference for tests and benchmarks: it needs rows x sum(capacity) float64 cells
    (about 0.7 GB and ~50 s at 10,000 x 3,000 with capacities 1-5).
    """
    problem = _problem(scores, capacity)
    n, m = problem.shape
    slots = np.minimum(np.where(problem.usable_column, problem.capacity, 0), n)
    if n == 0 or slots.sum() == 0:
        return _no_pairs()
    gains = np.maximum(problem.allowed(slice(None), slice(None)), 0.0)
    slot_column = np.repeat(np.arange(m), slots)
    cost = -gains[:, slot_column]
    del gains
    rows, slot = linear_sum_assignment(cost)
    cols = slot_column[slot]
    chosen = cost[rows, slot] < 0
    return _as_pairs(rows[chosen], cols[chosen])


def _problem(scores: np.ndarray, capacity: Sequence[int] | np.ndarray) -> _Problem:
    """Validate the input and decide how widely to prune."""
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
    capacity = np.maximum(capacity.astype(np.int64), 0)
    rng = np.random.default_rng(0x5EED)
    return _Problem(
        scores=scores,
        capacity=capacity,
        usable_column=capacity > 0,
        row_candidates=_row_candidate_count(scores.shape[0], capacity),
        row_phase=rng.random(scores.shape[0]),
        column_phase=rng.random(scores.shape[1]),
    )


def _row_candidate_count(rows: int, capacity: np.ndarray) -> int:
    """Return how many mentors each newcomer nominates.

    When newcomers outnumber the mentors' slots, the ones who lose their first choices need more
    alternatives, so the count grows with the demand-to-supply ratio, within a range that keeps
    the LP fast.
    """
    supply = max(int(np.minimum(capacity, rows).sum()), 1)
    wanted = round(ROW_CANDIDATES * max(1.0, rows / supply) ** 0.5)
    return int(np.clip(wanted, ROW_CANDIDATES, 4 * ROW_CANDIDATES))


def _candidate_pairs(problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """Return each column's top allowed rows and each row's top columns net of a price guess.

    Popular mentors end up expensive in the optimum (their dual price is high), so a newcomer's
    useful options are the columns with the best score *minus price*, not the best score. A
    column's score at rank ~PRICE_RANK x capacity is a cheap guess of that price.
    """

    def key(rows: RowSelector, cols: slice) -> np.ndarray:
        return problem.ranked(problem.allowed(rows, cols), rows, cols)

    n, _ = problem.shape
    ranks = np.clip(np.ceil(PRICE_RANK * problem.capacity), 1, n).astype(np.int64)
    column_count = max(int(problem.capacity.max()) + EXTRA_COLUMN_CANDIDATES, int(ranks.max()))
    per_column, guess = _top_pairs(problem, key, column_count, by_column=True, ranks=ranks)
    price = np.where(np.isfinite(guess), guess, 0.0) if PRICE_RANK else np.zeros_like(guess)

    def net_key(rows: RowSelector, cols: slice) -> np.ndarray:
        net = problem.allowed(rows, cols)
        net -= price[cols]
        return problem.ranked(net, rows, cols)

    per_row, _ = _top_pairs(problem, net_key, problem.row_candidates, by_column=False)
    return _union(problem, per_row, per_column)


def _all_allowed_pairs(problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
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
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
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

    def one_block(span: slice) -> tuple[np.ndarray, np.ndarray]:
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


def _union(
    problem: _Problem, *pair_sets: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct pairs of all sets, ordered by row then column."""
    m = problem.shape[1]
    codes = np.unique(np.concatenate([rows * m + cols for rows, cols in pair_sets]))
    return codes // m, codes % m


def _solve_lp(problem: _Problem, rows: np.ndarray, cols: np.ndarray, scale: float) -> _Solution:
    """Solve the b-matching LP on the given pairs; return its (integral) vertex and duals."""
    n, m = problem.shape
    edges = rows.size
    weights = problem.scores[rows, cols].astype(np.float64)
    index = np.arange(edges)
    constraints = sparse.csc_matrix(
        (np.ones(2 * edges), (np.concatenate([rows, n + cols]), np.concatenate([index, index]))),
        shape=(n + m, edges),
    )
    limits = np.concatenate([np.ones(n), problem.capacity.astype(np.float64)])
    result = linprog(
        -weights / scale, A_ub=constraints, b_ub=limits, bounds=(0, 1), method="highs-ds"
    )
    if result.status != 0:
        raise RuntimeError(f"HiGHS could not solve the assignment LP: {result.message}")
    chosen = _within_capacity(problem, rows, cols, weights, result.x > 0.5)
    prices = np.maximum(-result.ineqlin.marginals, 0.0) * scale
    return _Solution(
        rows=rows[chosen],
        cols=cols[chosen],
        total=float(weights[chosen].sum()),
        row_price=prices[:n],
        column_price=prices[n:],
    )


def _within_capacity(
    problem: _Problem, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, chosen: np.ndarray
) -> np.ndarray:
    """Return ``chosen`` minus the weakest pairs that overfill a row or a column.

    A simplex vertex is integral, so this never bites; it guards against a solver ever returning
    an interior (fractional) optimum, where rounding at 0.5 could overfill a mentor.
    """
    picked = np.flatnonzero(chosen)
    picked = picked[np.argsort(-weights[picked], kind="stable")]
    fits_row = _rank_within_group(rows[picked]) < 1
    fits_column = _rank_within_group(cols[picked]) < problem.capacity[cols[picked]]
    result = np.zeros_like(chosen)
    result[picked[fits_row & fits_column]] = True
    return result


def _rank_within_group(groups: np.ndarray) -> np.ndarray:
    """Return how many earlier entries share each entry's group."""
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    rank = np.empty(groups.size, dtype=np.int64)
    rank[order] = np.arange(groups.size) - np.searchsorted(ordered, ordered, side="left")
    return rank


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


def _add_violating_pairs(
    problem: _Problem,
    solution: _Solution,
    graph: tuple[np.ndarray, np.ndarray],
    violating: np.ndarray,
    tolerance: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the graph plus the worst dual violators of each violating row and of each column.

    Every violating pair lies in a violating row, so only those rows are scanned.
    """

    def key(span_rows: RowSelector, span_cols: slice) -> np.ndarray:
        reduced = problem.allowed(span_rows, span_cols)
        reduced -= solution.row_price[span_rows, None]
        reduced -= solution.column_price[span_cols]
        reduced[reduced <= tolerance] = -np.inf
        return problem.ranked(reduced, span_rows, span_cols)

    per_row, _ = _top_pairs(problem, key, REPAIR_CANDIDATES, by_column=False, row_ids=violating)
    per_column, _ = _top_pairs(problem, key, REPAIR_CANDIDATES, by_column=True, row_ids=violating)
    return _union(problem, graph, per_row, per_column)


def _relative_gap(problem: _Problem, solution: _Solution, row_violation: np.ndarray) -> float:
    """Return how far the solution may be below the optimum, as a fraction of an upper bound.

    Raising each row price by its row's largest violation makes the duals feasible for the full
    problem, so their objective bounds the optimum from above (weak duality).
    """
    bound = float((solution.row_price + row_violation).sum())
    bound += float(problem.capacity @ solution.column_price)
    return max(bound - solution.total, 0.0) / bound if bound > 0 else 0.0


def _pairs(solution: _Solution) -> np.ndarray:
    """Return the solution's pairs as a sorted (k, 2) int64 array."""
    return _as_pairs(solution.rows, solution.cols)


def _as_pairs(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Stack rows and columns into a (k, 2) int64 array sorted by row."""
    order = np.argsort(rows, kind="stable")
    return np.column_stack([rows[order], cols[order]]).astype(np.int64)


def _no_pairs() -> np.ndarray:
    """Return the empty (0, 2) int64 result."""
    return np.empty((0, 2), dtype=np.int64)
