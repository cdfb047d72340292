"""Optimal batch assignment of newcomers (rows) to mentors (columns) under mentor capacity.

This module imports numpy, scipy and OR-Tools' graph solver only, never Django, so the matching
engine, benchmarks and tests can call it without settings or a database.

The problem is a maximum-weight bipartite b-matching: each newcomer takes at most one mentor,
mentor ``j`` takes at most ``capacity[j]`` newcomers, and a newcomer may stay unmatched. It is a
min-cost flow (source -> newcomer -> mentor -> sink, cost minus the score, plus a source -> sink
arc for whoever stays unmatched), and its LP

    maximise sum s_ij x_ij  subject to  sum_j x_ij <= r_i,  sum_i x_ij <= c_j,  x_ij >= 0

has a dual with a price ``u_i >= 0`` per newcomer and ``v_j >= 0`` per mentor,
``u_i + v_j >= s_ij``.

Why not solve on every pair at once: at 10,000 x 3,000 there are millions of allowed pairs, and
an exact min-cost flow on all of them takes 5-7 s. But an optimal assignment only uses pairs near
the top of someone's list, so `assign` solves on a sparse candidate graph and then *proves* on
the full matrix how close that is to the optimum. It reads the matrix a block of rows at a time
(`assign_blocks` takes a function producing any block, so the whole matrix need never exist):

1. A first pass hashes every row and keeps each mentor's best rows. Identical rows are
   interchangeable, so they collapse into one row with limit r_i = their count (hence r_i
   above); otherwise twins nominate the same few mentors and the graph needs many repair
   rounds. Candidate twins (equal hashes) are read again and compared in full.
2. Candidates are each mentor's top allowed rows and each row's top mentors by score, optionally
   *minus a price guess* (a mentor's score at rank ``PRICE_RANK x capacity``; off by default,
   see PRICE_RANK). The repair rounds below rank by score net of the true prices. Exact ties
   are broken by a tiny jitter that differs from row to row (selection only, never in the
   objective).
3. OR-Tools' min-cost flow (cost scaling, integer costs: scores times a power of two) solves
   the candidate graph exactly in a fraction of a second. Prices that prove it optimal come
   from shortest distances in its residual graph (`_potentials`): an optimal flow leaves no
   negative cycle, and the distances satisfy every dual constraint on the graph, tightly on
   the pairs used. (HiGHS' dual simplex took about 1.2 s per solve on such graphs, the flow
   0.1-0.2 s.)
4. Duality bounds the gap on the full matrix. Raising each ``u_i`` to its row's largest
   ``s_ij - v_j`` over *all* allowed pairs makes (u, v) feasible for the full problem's dual, so
   ``sum(r u) + sum(c v)`` is an upper bound on the optimum (weak duality). If no price was
   raised, the assignment is optimal; if the bound is within CERTIFIED_GAP (0.05%), it is close
   enough. Otherwise the pruned pairs that raised a row (positive reduced cost
   ``s_ij - u_i - v_j``, the very pairs that could improve the total) join the graph, worst first
   per row and per mentor (collected in the same pass), and the flow is solved again. Every
   round adds pairs the graph lacked, so the loop ends; if it runs out of rounds with a gap
   above ACCEPTED_GAP, the flow is solved on every allowed pair.

So the result is always within 0.1% of the optimum, usually optimal, and the bound says so
(`Plan.certified_gap`). Float32 scores are compared in float32, so the bound holds up to
float32 rounding (~1e-7 of a score).

`assign_exact` is an independent, slow reference: a dense rectangular assignment in which each
mentor is copied once per capacity slot and forbidden pairs are worth 0, so assigning one is the
same as leaving the newcomer unmatched.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.optimize import linear_sum_assignment

__all__ = ["Plan", "ScoreRows", "assign", "assign_blocks", "assign_exact", "assign_with_prices"]

#: Mentors nominated per newcomer (a row standing for r identical newcomers nominates more).
ROW_CANDIDATES = 12
#: Newcomers nominated per mentor beyond the largest capacity. Measured on `bench.solver`'s
#: instances (popular mentors wanted by thousands): with 8 + 3 the first solve was 50% off and
#: took three repair rounds; with 12 + 80 it is within 0.05%, so one solve usually suffices.
#: The extra nominations cost one comparison per cell in the first pass.
EXTRA_COLUMN_CANDIDATES = 80
#: A mentor's price is guessed as its score at rank PRICE_RANK x capacity (0: no guess), and
#: newcomers nominate by score net of it. Off: on the same instances it saved no round.
PRICE_RANK = 0.0
#: Pairs added per violating row and per mentor in a repair round.
REPAIR_CANDIDATES = 8
#: Re-solves allowed before falling back to the flow on every allowed pair.
MAX_REPAIR_ROUNDS = 8
#: Reduced costs below this fraction of the largest score count as zero (float32 rounding).
VIOLATION_TOLERANCE = 1e-6
#: Certified relative gap small enough to stop: twice inside the 0.1% promise.
CERTIFIED_GAP = 5e-4
#: Largest certified relative gap accepted when the repair rounds run out: the promise.
ACCEPTED_GAP = 1e-3
#: Size of the tie-breaking jitter, relative to the largest score (candidate selection only).
TIE_JITTER = 1e-6
#: Matrix cells per block in the dense passes: keeps temporaries small and cache-friendly.
BLOCK_CELLS = 1 << 20
#: The largest score costs about 2**COST_BITS integer units in the flow (exact to ~1e-9).
COST_BITS = 30
#: Columns per group when a row's few largest keys are searched (see `_largest`).
GROUP = 8

#: Which rows of the score matrix to produce: a slice or an int64 array of row numbers.
RowSelector = slice | np.ndarray
#: Returns the dense block of scores (selected rows x all columns), same rules as `assign`.
ScoreRows = Callable[[RowSelector], np.ndarray]
Graph = tuple[np.ndarray, np.ndarray, np.ndarray]  # rows, columns, scores of candidate pairs
T = TypeVar("T")


@dataclass(frozen=True)
class Plan:
    """An assignment, each column's price in it, and how far below the optimum it may be."""

    pairs: np.ndarray  # int64 (k, 2): (row, column), sorted by row
    column_price: np.ndarray  # float64 (columns,), >= 0; 0 for a column with room to spare
    certified_gap: float = 0.0  # proven: total >= (1 - certified_gap) x optimum


@dataclass(frozen=True)
class _Rows:
    """The distinct rows of the input, read block by block with forbidden pairs set to -inf."""

    score_rows: ScoreRows
    original: np.ndarray | None  # distinct row -> its first input row; None: every input row
    limit: np.ndarray  # int64 (distinct rows,): how many identical input rows each stands for
    capacity: np.ndarray  # int64 (columns,), >= 0
    clean: bool = False  # score_rows already sets forbidden pairs to -inf

    @property
    def shape(self) -> tuple[int, int]:
        return self.limit.size, self.capacity.size

    def block(self, rows: RowSelector) -> np.ndarray:
        """Return the scores of some distinct rows, every forbidden pair (or full column) -inf."""
        selector = rows if self.original is None else self.original[rows]
        block = self.score_rows(selector)
        return block if self.clean else _sanitized(block, self.capacity)

    def spans(self) -> list[slice]:
        """Return consecutive row blocks of about BLOCK_CELLS cells."""
        n, m = self.shape
        step = max(1, BLOCK_CELLS // max(m, 1))
        return [slice(start, min(start + step, n)) for start in range(0, n, step)]


@dataclass(frozen=True)
class _Solution:
    """An optimal assignment on a candidate graph (pair, amount) with prices proving it."""

    rows: np.ndarray
    cols: np.ndarray
    amounts: np.ndarray
    total: float
    row_price: np.ndarray
    column_price: np.ndarray


def assign(scores: np.ndarray, capacity: Sequence[int] | np.ndarray) -> np.ndarray:
    """Return (row, column) pairs maximising the total score under row and column capacity.

    Entries of ``scores`` that are not finite or are <= 0 are forbidden pairs. Each row is used at
    most once, column ``j`` at most ``capacity[j]`` times (negative means 0), and rows may stay
    unmatched. The result is an int64 array of shape (k, 2), sorted by row. Its total is certified
    by LP duality to be within 0.05% of the optimum (never worse than 0.1%), often optimal.
    """
    return assign_with_prices(scores, capacity).pairs


def assign_with_prices(scores: np.ndarray, capacity: Sequence[int] | np.ndarray) -> Plan:
    """Return `assign`'s pairs with the price of each column in that assignment.

    A column's price ``v_j`` is how much the total would gain from one more unit of its capacity:
    0 where capacity is to spare, high for a column many rows want. With row prices ``u_i`` they
    satisfy ``u_i + v_j >= s_ij`` on (nearly) every allowed pair, with equality on the assigned
    ones, so each row's assigned column is one of its best by ``s_ij - v_j``.
    """
    scores = _validated_scores(scores)
    capacity = _validated_capacity(capacity, scores.shape[1])
    # Forbidden pairs become -inf once, not in every pass (a copy the size of the input).
    clean = _sanitized(scores, capacity)
    return _plan(clean.__getitem__, scores.shape[0], capacity, clean=True)


def assign_blocks(
    score_rows: ScoreRows,
    n_rows: int,
    capacity: Sequence[int] | np.ndarray,
    *,
    after_first_pass: Callable[[], None] | None = None,
) -> Plan:
    """Return `assign_with_prices` of a matrix that is only ever read a block of rows at a time.

    ``score_rows(rows)`` returns the dense scores of the given rows (a slice or an int64 array)
    against every column, under the same rules as `assign`; it is called several times per row
    (a few passes over the matrix, plus the rows that need a closer look) and may run on
    several threads at once. The whole matrix never exists, so memory stays in proportion to a
    block and to the candidate pairs. ``after_first_pass``, if given, is called (on the
    calling thread) once every row has been read once, for progress reports.
    """
    capacity = np.asarray(capacity)
    if capacity.ndim != 1:
        raise ValueError(f"capacity must be a 1-D array, got shape {capacity.shape}")
    capacity = _validated_capacity(capacity, capacity.shape[0])
    return _plan(score_rows, int(n_rows), capacity, after_first_pass=after_first_pass)


def assign_exact(scores: np.ndarray, capacity: Sequence[int] | np.ndarray) -> np.ndarray:
    """Return an exactly optimal assignment by dense rectangular assignment over capacity slots.

    Meant as a reference for tests and benchmarks: it builds a rows x sum(capacity) float64
    matrix (0.7 GB at 10,000 x 3,000 with capacities 1-5; ~2.5 GB peak, 5-15 s there).
    """
    scores = _validated_scores(scores)
    capacity = _validated_capacity(capacity, scores.shape[1])
    n, m = scores.shape
    slots = np.minimum(capacity, n)
    if n == 0 or slots.sum() == 0:
        return _no_pairs()
    gains = np.maximum(_sanitized(scores, capacity).astype(np.float64), 0.0)
    slot_column = np.repeat(np.arange(m), slots)
    cost = -gains[:, slot_column]
    del gains
    rows, slot = linear_sum_assignment(cost)
    chosen = cost[rows, slot] < 0
    return _as_pairs(rows[chosen], slot_column[slot[chosen]])


def _validated_scores(scores: np.ndarray) -> np.ndarray:
    """Return scores as a float array (no copy for float32/float64) with two dimensions."""
    scores = np.asarray(scores)
    if scores.dtype not in (np.float32, np.float64):
        scores = scores.astype(np.float64)
    if scores.ndim != 2:
        raise ValueError(f"scores must be a 2-D array (rows x columns), got shape {scores.shape}")
    return scores


def _validated_capacity(capacity: Sequence[int] | np.ndarray, columns: int) -> np.ndarray:
    """Return capacity as int64 >= 0, one entry per column."""
    capacity = np.asarray(capacity)
    if capacity.ndim != 1 or capacity.shape[0] != columns:
        raise ValueError(
            f"capacity must be a 1-D array with one entry per column ({columns}), "
            f"got shape {capacity.shape}"
        )
    if capacity.size and not np.array_equal(capacity, np.round(capacity)):
        raise ValueError("capacity must contain whole numbers")
    return np.maximum(capacity.astype(np.int64), 0)


def _sanitized(block: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Return a float copy of a block with every forbidden pair and full column set to -inf."""
    block = np.asarray(block)
    if block.ndim != 2 or block.shape[1] != capacity.size:
        raise ValueError(
            f"a block of scores must have one column per capacity entry ({capacity.size}), "
            f"got shape {block.shape}"
        )
    dtype = np.float32 if block.dtype == np.float32 else np.float64
    block = np.array(block, dtype=dtype)
    forbidden = ~(block > 0)  # NaN too
    forbidden |= block == np.inf
    forbidden |= capacity == 0
    np.putmask(block, forbidden, -np.inf)
    return block


def _plan(
    score_rows: ScoreRows,
    n: int,
    capacity: np.ndarray,
    *,
    clean: bool = False,
    after_first_pass: Callable[[], None] | None = None,
) -> Plan:
    """Collapse identical rows, solve on candidates, repair until certified; expand the result."""
    m = capacity.size
    no_plan = Plan(_no_pairs(), np.zeros(m))
    if n == 0 or not (capacity > 0).any():
        if after_first_pass is not None:
            after_first_pass()
        return no_plan
    every_row = _Rows(score_rows, None, np.ones(n, np.int64), capacity, clean)
    digest, best = _survey(every_row)
    if after_first_pass is not None:
        after_first_pass()
    if best.keys.size == 0:
        return no_plan
    representative, row_type = _row_types(every_row, digest)
    rows = _Rows(
        score_rows,
        None if representative.size == n else representative,
        np.bincount(row_type, minlength=representative.size),
        capacity,
        clean,
    )
    tile = _jitter_tile(m, TIE_JITTER * float(best.scores.max()))
    per_column = (row_type[best.rows], best.cols, best.scores.astype(np.float64))
    per_row = _row_candidates(rows, _price_guess(best, capacity), tile)
    solution, gap = _solve(rows, _union(m, per_column, per_row), tile)
    return Plan(_expand(solution, row_type), solution.column_price, gap)


def _map_blocks(work: Callable[[slice], T], spans: list[slice]) -> Iterator[T]:
    """Apply ``work`` to row blocks in order, on threads (numpy releases the GIL).

    Only a few blocks are in flight at once, so results are used (and floors raised) as the
    pass goes, and memory stays in proportion to a block.
    """
    workers = min(len(spans), os.cpu_count() or 1, 4)
    if workers <= 1:
        yield from map(work, spans)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        running: deque = deque()
        for span in spans:
            running.append(pool.submit(work, span))
            if len(running) > workers:
                yield running.popleft().result()
        while running:
            yield running.popleft().result()


class _Cells(NamedTuple):
    """Cells of the matrix: key (what they are ranked by), row, column and score."""

    keys: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray


class _ColumnTop:
    """Each column's ``count`` largest keys seen so far, read block by block.

    A block only hands over the cells above their column's floor (its count-th key so far), so
    after the first blocks few cells per block are kept at all: one comparison per cell.
    """

    def __init__(self, count: int, m: int):
        self.count, self.m = count, m
        self.floor = np.full(m, -np.inf)
        self.parts: list[_Cells] = []
        self.pending = 0

    def above_floor(self, key: np.ndarray, row_ids: np.ndarray, scores: np.ndarray) -> _Cells:
        """Return the cells of a block (rows ``row_ids``) that may join their column's best."""
        above = key > self.floor.astype(key.dtype)
        height = key.shape[0]
        if height > self.count and np.count_nonzero(above) > self.count * self.m:
            # Early blocks, floors still low: keep only the block's own best per column.
            masked = np.where(above, key, -np.inf)
            line = np.argpartition(masked, height - self.count, axis=0)[height - self.count :]
            col = np.broadcast_to(np.arange(self.m), line.shape)
            keep = masked[line, col] > -np.inf
            line, col = line[keep], col[keep]
        else:
            line, col = np.nonzero(above)
        return _Cells(key[line, col], row_ids[line], col, scores[line, col])

    def add(self, cells: _Cells) -> None:
        self.parts.append(cells)
        self.pending += cells.keys.size
        if self.pending > 2 * self.count * self.m:
            self._merge()

    def _merge(self) -> None:
        cells = _Cells(*(np.concatenate(arrays) for arrays in zip(*self.parts, strict=True)))
        # By column, then best first: kept keys are finite and above -inf floors, and the
        # bits of a non-negative float32 sort as its value does.
        bits = np.maximum(cells.keys, 0).astype(np.float32).view(np.uint32).astype(np.int64)
        order = np.argsort((cells.cols << 32) | (0xFFFFFFFF - bits))
        cells = _Cells(*(array[order] for array in cells))
        rank = _rank_in_column(cells.cols)
        kept = _Cells(*(array[rank < self.count] for array in cells))
        floor = np.full(self.m, -np.inf)
        last = rank[rank < self.count] == self.count - 1
        floor[kept.cols[last]] = kept.keys[last]
        self.parts, self.pending, self.floor = [kept], kept.keys.size, floor

    def result(self) -> _Cells:
        """Return each column's best cells, by column and then best first."""
        if not self.parts:
            empty = np.empty(0, np.int64)
            return _Cells(np.empty(0), empty, empty, np.empty(0))
        self._merge()
        return self.parts[0]


def _rank_in_column(cols: np.ndarray) -> np.ndarray:
    """Return each cell's place within its column, for cells sorted by column."""
    return np.arange(cols.size) - np.searchsorted(cols, cols, side="left")


def _column_count(capacity: np.ndarray, n: int) -> int:
    """Return how many rows each column keeps: its capacity plus spare, and its price rank."""
    ranks = np.clip(np.ceil(PRICE_RANK * capacity), 1, n).astype(np.int64)
    return int(min(max(int(capacity.max()) + EXTRA_COLUMN_CANDIDATES, int(ranks.max())), n))


def _survey(rows: _Rows) -> tuple[np.ndarray, _Cells]:
    """Read every row once: return each row's hash and each column's best rows."""
    n, m = rows.shape
    weights = np.random.default_rng(0x7A5E).integers(1, 2**32, m, dtype=np.uint64)
    top = _ColumnTop(_column_count(rows.capacity, n), m)
    digest = np.empty(n, np.uint64)

    def one_block(span: slice) -> _Cells:
        block = rows.block(span)
        bits = block.view(np.uint32 if block.dtype == np.float32 else np.uint64)
        digest[span] = bits @ weights.astype(bits.dtype)
        return top.above_floor(block, np.arange(span.start, span.stop), block)

    for cells in _map_blocks(one_block, rows.spans()):
        top.add(cells)
    return digest, top.result()


def _row_types(rows: _Rows, digest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the first row of each group of identical rows, and every row's group number.

    Rows are bucketed by a hash of their bits and then compared in full (only the candidate
    twins are read again), so a hash collision can only leave twins apart, never merge
    different rows.
    """
    n, m = rows.shape
    order = np.argsort(digest, kind="stable")
    repeats = digest[order][1:] == digest[order][:-1]
    if not repeats.any():
        return np.arange(n), np.arange(n)
    run_start = np.maximum.accumulate(np.where(np.append(True, ~repeats), np.arange(n), 0))
    follower = np.flatnonzero(run_start != np.arange(n))
    leader = order[run_start[follower]]
    follower = order[follower]
    twin = np.zeros(follower.size, dtype=bool)
    step = max(1, BLOCK_CELLS // max(m, 1) // 2)
    for start in range(0, follower.size, step):
        part = slice(start, start + step)
        twin[part] = (rows.block(follower[part]) == rows.block(leader[part])).all(axis=1)
    group = np.arange(n)
    group[follower[twin]] = leader[twin]
    return np.unique(group, return_inverse=True)


def _price_guess(best: _Cells, capacity: np.ndarray) -> np.ndarray:
    """Return each column's score at rank PRICE_RANK x capacity among its rows (0 if none)."""
    guess = np.zeros(capacity.size)
    if PRICE_RANK <= 0:
        return guess
    wanted = np.maximum(np.ceil(PRICE_RANK * capacity).astype(np.int64), 1) - 1
    hit = _rank_in_column(best.cols) == wanted[best.cols]
    guess[best.cols[hit]] = best.keys[hit]
    return guess


def _jitter_tile(m: int, size: float) -> np.ndarray:
    """Return a block-sized tile of tie-breaking jitter: ``size`` x frac(row + column phase).

    A rotation of one column order per row, so rows with equal keys nominate different
    columns; every block of rows reuses the tile.
    """
    rng = np.random.default_rng(0x5EED)
    phase = np.add.outer(rng.random(max(1, BLOCK_CELLS // max(m, 1))), rng.random(m))
    phase -= phase >= 1.0
    return (phase * size).astype(np.float32)


def _largest(key: np.ndarray, count: int) -> np.ndarray:
    """Return, per row, the columns of the ``count`` largest keys (in no particular order).

    Each row is cut into groups of GROUP columns. The count largest keys lie in the count groups
    with the largest maxima (up to ties), so only those groups are partitioned in full.
    """
    h, m = key.shape
    if count >= m:
        return np.broadcast_to(np.arange(m), (h, m))
    groups = m // GROUP
    if groups <= 2 * count:
        return np.argpartition(key, m - count, axis=1)[:, m - count :]
    maxima = key[:, : groups * GROUP].reshape(h, groups, GROUP).max(axis=2)
    chosen = np.argpartition(maxima, groups - count, axis=1)[:, groups - count :]
    columns = (chosen[:, :, None] * GROUP + np.arange(GROUP)).reshape(h, count * GROUP)
    if groups * GROUP < m:
        rest = np.broadcast_to(np.arange(groups * GROUP, m), (h, m - groups * GROUP))
        columns = np.hstack([columns, rest])
    values = np.take_along_axis(key, columns, axis=1)
    width = columns.shape[1]
    pick = np.argpartition(values, width - count, axis=1)[:, width - count :]
    return np.take_along_axis(columns, pick, axis=1)


def _top_in_rows(key: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (line, column) of each row's ``counts[row]`` largest finite keys."""
    h, m = key.shape
    most = int(min(counts.max(), m))
    if most <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    top = _largest(key, most)
    values = np.take_along_axis(key, top, axis=1)
    if (counts < most).any():
        order = np.argsort(-values, axis=1)
        top = np.take_along_axis(top, order, axis=1)
        values = np.take_along_axis(values, order, axis=1)
    keep = (values > -np.inf) & (np.arange(most) < counts[:, None])
    line = np.broadcast_to(np.arange(h)[:, None], top.shape)[keep]
    return line.astype(np.int64), top[keep].astype(np.int64)


def _row_candidates(rows: _Rows, price: np.ndarray, tile: np.ndarray) -> Graph:
    """Return each distinct row's top columns by score net of the price guess.

    A row standing for r identical rows nominates about 2r more columns (rounded up to
    ROW_CANDIDATES times a power of two).
    """
    n, m = rows.shape
    wanted = ROW_CANDIDATES + 2 * (rows.limit - 1)
    counts = ROW_CANDIDATES * 2 ** np.ceil(np.log2(wanted / ROW_CANDIDATES)).astype(np.int64)
    counts = np.minimum(counts, m)
    offset = {np.dtype(np.float64): tile - price}
    offset[np.dtype(np.float32)] = offset[np.dtype(np.float64)].astype(np.float32)

    def one_block(span: slice) -> Graph:
        block = rows.block(span)
        key = block + offset[block.dtype][: block.shape[0]]
        line, col = _top_in_rows(key, counts[span])
        return line + span.start, col, block[line, col].astype(np.float64)

    return _concatenated(list(_map_blocks(one_block, rows.spans())))


def _concatenated(parts: list[Graph]) -> Graph:
    if not parts:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    return tuple(np.concatenate([part[k] for part in parts]) for k in range(3))


def _union(m: int, *graphs: Graph) -> Graph:
    """Return the distinct pairs of all graphs, ordered by row then column."""
    rows, cols, scores = _concatenated(list(graphs))
    codes, first = np.unique(rows * m + cols, return_index=True)
    return codes // m, codes % m, scores[first]


def _solve(rows: _Rows, graph: Graph, tile: np.ndarray) -> tuple[_Solution, float]:
    """Return a certified near-optimal solution on the distinct rows, and its certified gap."""
    tolerance = VIOLATION_TOLERANCE * float(graph[2].max())
    solution = _solve_flow(rows, graph)
    repairs = 0
    while True:
        last = repairs == MAX_REPAIR_ROUNDS
        violation, repair = _check(rows, solution, tolerance, tile, collect=not last)
        gap = _relative_gap(rows, solution, violation)
        if gap <= CERTIFIED_GAP or last:
            break
        grown = _union(rows.shape[1], graph, repair)
        if grown[0].size == graph[0].size:
            break
        graph, repairs = grown, repairs + 1
        solution = _solve_flow(rows, graph)
    if gap <= ACCEPTED_GAP:
        return solution, gap
    solution = _solve_flow(rows, _all_allowed_pairs(rows))
    violation, _ = _check(rows, solution, tolerance, tile, collect=False)
    return solution, _relative_gap(rows, solution, violation)


def _solve_flow(rows: _Rows, graph: Graph) -> _Solution:
    """Solve the b-matching on the candidate graph as a min-cost flow; return it and its prices.

    Source -> row i (limit r_i), row -> column (cost -score), column j -> sink (capacity c_j),
    and source -> sink for whoever stays unmatched. Costs are integers: scores times a power
    of two, so exactly representable scores (and ties) stay exact.
    """
    pair_rows, pair_cols, scores = graph
    n, m = rows.shape
    unit = 2.0 ** min(COST_BITS - int(np.ceil(np.log2(scores.max()))), 1000)
    costs = -np.rint(scores * unit).astype(np.int64)
    source, sink, edges = n + m, n + m + 1, pair_rows.size
    supply = int(rows.limit.sum())
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([np.full(n, source), pair_rows, n + np.arange(m), [source]]),
        np.concatenate([np.arange(n), n + pair_cols, np.full(m, sink), [sink]]),
        np.concatenate(
            [
                rows.limit,
                np.minimum(rows.limit[pair_rows], rows.capacity[pair_cols]),
                rows.capacity,
                [supply],
            ]
        ),
        np.concatenate([np.zeros(n, np.int64), costs, np.zeros(m + 1, np.int64)]),
    )
    flow.set_nodes_supplies(np.array([source, sink]), np.array([supply, -supply]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the min-cost flow solver could not solve the assignment ({status})")
    amounts = flow.flows(np.arange(n, n + edges)).astype(np.int64)
    row_price, column_price = _potentials(rows, pair_rows, pair_cols, costs, amounts)
    used = amounts > 0
    return _Solution(
        rows=pair_rows[used],
        cols=pair_cols[used],
        amounts=amounts[used],
        total=float(scores[used] @ amounts[used]),
        # + 0.0 turns a potential of -0.0 into 0.0: staff read these prices.
        row_price=row_price / unit + 0.0,
        column_price=column_price / unit + 0.0,
    )


def _potentials(
    rows: _Rows,
    pair_rows: np.ndarray,
    pair_cols: np.ndarray,
    costs: np.ndarray,
    amounts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return row prices u >= 0 and column prices v >= 0 proving an optimal flow optimal.

    They are shortest distances d from "outside" (source and sink as one node) in the residual
    graph: row -> column (cost -score) on every pair, column -> row (+score) where flow runs,
    row -> outside always and back where the row has room, outside -> column always and back
    where the column has room. An optimal flow leaves no negative cycle, so the distances
    exist, and u_i = d_i, v_j = -d_j satisfy u_i + v_j >= s_ij on every pair, with equality
    where flow runs, u_i = 0 for a row with room and v_j = 0 for a column with room.
    Bellman-Ford, vectorised: one relaxation of every arc per step, until nothing changes.
    """
    n, m = rows.shape
    outside = n + m
    used = amounts > 0
    spare_rows = np.flatnonzero(np.bincount(pair_rows, amounts, n) < rows.limit)
    spare_cols = np.flatnonzero(np.bincount(pair_cols, amounts, m) < rows.capacity)
    tails = np.concatenate(
        [pair_rows, n + pair_cols[used], np.arange(n), np.full(m + spare_rows.size, outside)]
    )
    heads = np.concatenate(
        [n + pair_cols, pair_rows[used], np.full(n, outside), n + np.arange(m), spare_rows]
    )
    lengths = np.concatenate([costs, -costs[used], np.zeros(n + m + spare_rows.size, np.int64)])
    tails = np.concatenate([tails, n + spare_cols])
    heads = np.concatenate([heads, np.full(spare_cols.size, outside)])
    lengths = np.concatenate([lengths, np.zeros(spare_cols.size, np.int64)]).astype(np.float64)
    order = np.argsort(heads, kind="stable")
    tails, heads, lengths = tails[order], heads[order], lengths[order]
    target, first = np.unique(heads, return_index=True)
    distance = np.full(outside + 1, np.inf)
    distance[outside] = 0.0
    for _ in range(outside + 1):
        reached = np.minimum.reduceat(distance[tails] + lengths, first)
        relaxed = np.minimum(distance[target], reached)
        if np.array_equal(relaxed, distance[target]):
            return distance[:n], -distance[n:outside]
        distance[target] = relaxed
    raise RuntimeError("the assignment's prices did not settle: the flow is not optimal")


def _check(
    rows: _Rows, solution: _Solution, tolerance: float, tile: np.ndarray, *, collect: bool
) -> tuple[np.ndarray, Graph]:
    """Return each row's largest reduced cost s_ij - u_i - v_j over all allowed pairs (>= 0).

    With ``collect``, also return the pairs to add: the REPAIR_CANDIDATES worst violators of
    each violating row and of each column (positive reduced cost: the very pairs that could
    improve the total).
    """
    n, m = rows.shape
    violation = np.empty(n)
    top = _ColumnTop(REPAIR_CANDIDATES, m)
    u = solution.row_price
    v = {np.dtype(np.float64): solution.column_price}
    v[np.dtype(np.float32)] = solution.column_price.astype(np.float32)

    def one_block(span: slice) -> tuple[Graph, _Cells] | None:
        block = rows.block(span)
        reduced = block - v[block.dtype]
        violation[span] = np.maximum(reduced.max(axis=1) - u[span], 0.0)
        bad = np.flatnonzero(violation[span] > tolerance)
        if not collect or bad.size == 0:
            return None
        key = reduced[bad]
        key -= u[span][bad, None].astype(key.dtype)
        key[key <= tolerance] = -np.inf
        key += tile[: bad.size]
        scores = block[bad]
        line, col = _top_in_rows(key, np.full(bad.size, REPAIR_CANDIDATES))
        row_ids = bad + span.start
        per_row = (row_ids[line], col, scores[line, col].astype(np.float64))
        return per_row, top.above_floor(key, row_ids, scores)

    per_row = []
    for part in _map_blocks(one_block, rows.spans()):
        if part is not None:
            per_row.append(part[0])
            top.add(part[1])
    best = top.result()
    per_column = (best.rows, best.cols, best.scores.astype(np.float64))
    return violation, _concatenated([*per_row, per_column])


def _relative_gap(rows: _Rows, solution: _Solution, row_violation: np.ndarray) -> float:
    """Return how far the solution may be below the optimum, as a fraction of an upper bound.

    Raising each row price by its row's largest violation makes the prices feasible for the
    full problem's LP dual, so their objective bounds the optimum from above (weak duality).
    """
    bound = float(rows.limit @ (solution.row_price + row_violation))
    bound += float(rows.capacity @ solution.column_price)
    return max(bound - solution.total, 0.0) / bound if bound > 0 else 0.0


def _all_allowed_pairs(rows: _Rows) -> Graph:
    """Return every allowed pair (the last resort when repair rounds run out)."""

    def one_block(span: slice) -> Graph:
        block = rows.block(span)
        line, col = np.nonzero(block > -np.inf)
        return line + span.start, col, block[line, col].astype(np.float64)

    return _concatenated(list(_map_blocks(one_block, rows.spans())))


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
