"""Suggestion lists that spread newcomers across the mentors who have room: pure, no Django.

Each newcomer's suggestions were their own top five by score, computed as if no one else were
looking. Popular mentors then appeared on hundreds of lists for two free places, every ask
beyond their room ended in a decline or an expiry, and a quarter of the mentors with room were
suggested to nobody. `demand_aware` builds everyone's lists together instead:

1. **One optimal plan.** The assignment LP (`solver.assign_with_prices`) places waiting
   newcomers on mentors' free places, maximising the total score. Each placed newcomer's first
   suggestion is the mentor the plan gives them, so first asks land where there is room. The LP
   also prices every mentor (its dual value): 0 with room to spare, higher the more newcomers
   want that mentor. Time waiting adds a small bonus to every pair of a newcomer
   (`wait_priority`): a bonus on a whole row changes *whether* the plan places them, never
   *which* mentor suits them best, so people who have waited longer are placed first.
2. **Alternatives within a share.** The rest of a list is the newcomer's best mentors by score,
   but no mentor appears on more than `EXPOSURE` times the average number of lists per free
   place (times their free places). Lists are filled one place at a time, in turns, in a random
   order, so everyone's second choice comes before anyone's third.
3. **Waiting for room.** When every mentor a newcomer may be matched with has all their room
   planned for others (more newcomers than places), the newcomer gets no list but a flag: an
   ask would only reach someone who is already full.

`plain` is the old ranking (top by score) for the staff switch, and `for_one` ranks a single
newcomer against the last plan's prices, for someone who joined after it was computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import solver

#: A mentor appears on at most this many times the average lists per free place (times theirs).
EXPOSURE = 1.5
#: The bonus for waiting, in score units (scores are 0 to 1), reached after WAIT_PRIORITY_DAYS.
WAIT_PRIORITY = 0.25
WAIT_PRIORITY_DAYS = 14
#: Mentors considered per newcomer in the turns (the rest are searched for short lists only).
ALTERNATIVE_CANDIDATES = 40
#: Allowed pairs are lifted just above 0 for the solver, which forbids entries <= 0.
FLOOR = 1e-3


@dataclass(frozen=True)
class Lists:
    """Suggestion lists for a set of newcomers (rows) over a set of mentors (columns)."""

    columns: np.ndarray  # int64 (n, count): mentor columns, best first; -1 pads a short list
    waiting_for_room: np.ndarray  # bool (n,): mentors fit them, but all their room is planned
    prices: np.ndarray  # float64 (m,): each mentor's price in the plan (0 without one)


def wait_priority(days_waiting: np.ndarray) -> np.ndarray:
    """Return each newcomer's bonus for time waiting: rising linearly to WAIT_PRIORITY."""
    days = np.clip(np.asarray(days_waiting, dtype=np.float64), 0, WAIT_PRIORITY_DAYS)
    return WAIT_PRIORITY * days / WAIT_PRIORITY_DAYS


#: Rows -> (float32 total, bool allowed) of those rows against every mentor: the matrix is
#: only ever read a block of rows at a time (`scoring.score_rows`), never held whole.
BlockRows = Callable[[slice | np.ndarray], tuple[np.ndarray, np.ndarray]]
#: Cells read per block (rows x mentors): about 4 million, 16 MB for each float32 array.
BLOCK_CELLS = 1 << 22


def block_spans(n_rows: int, n_columns: int) -> list[slice]:
    """Return the row blocks a pass over an (n_rows x n_columns) matrix reads in turn."""
    step = max(1, BLOCK_CELLS // max(int(n_columns), 1))
    return [slice(start, min(start + step, n_rows)) for start in range(0, n_rows, step)]


def _dense(scores: np.ndarray, allowed: np.ndarray) -> BlockRows:
    return lambda rows: (scores[rows], allowed[rows])


def plain(scores: np.ndarray, allowed: np.ndarray, count: int) -> Lists:
    """Return each newcomer's `count` best allowed mentors by score alone."""
    return plain_blocks(_dense(scores, allowed), scores.shape[0], scores.shape[1], count)


def plain_blocks(block_rows: BlockRows, n_rows: int, n_columns: int, count: int) -> Lists:
    """Return `plain` of a matrix read a block of rows at a time through `block_rows`."""
    columns = np.full((n_rows, min(count, n_columns)), -1, dtype=np.int64)
    for span in block_spans(n_rows, n_columns):
        total, allowed = block_rows(span)
        columns[span] = _top(np.where(allowed, total, -np.inf), count)
    return Lists(
        columns=columns,
        waiting_for_room=np.zeros(n_rows, dtype=bool),
        prices=np.zeros(n_columns),
    )


def demand_aware(
    scores: np.ndarray,
    allowed: np.ndarray,
    capacity: np.ndarray,
    count: int,
    *,
    priority: np.ndarray | None = None,
    seed: int = 0,
) -> Lists:
    """Return lists that lead each newcomer to the plan's mentor first, then spread the rest.

    `scores` and `allowed` are (newcomers x mentors); `capacity` is each mentor's free places
    now (requests not yet answered already take theirs); `priority` is each newcomer's bonus.
    """
    return demand_aware_blocks(
        _dense(scores, allowed), scores.shape[0], capacity, count, priority=priority, seed=seed
    )


def demand_aware_blocks(
    block_rows: BlockRows,
    n_rows: int,
    capacity: np.ndarray,
    count: int,
    *,
    priority: np.ndarray | None = None,
    seed: int = 0,
) -> Lists:
    """Return `demand_aware` of a matrix read a block of rows at a time through `block_rows`.

    The solver reads every row a few times (`solver.assign_blocks`); one more pass keeps
    each placed row's best ALTERNATIVE_CANDIDATES mentors and whether anyone fits each row.
    Memory stays in proportion to a block, the candidates and the lists.
    """
    n = int(n_rows)
    capacity = np.maximum(np.asarray(capacity, dtype=np.int64), 0)
    m = capacity.shape[0]
    has_room = capacity > 0
    bonus = np.zeros(n) if priority is None else np.asarray(priority, dtype=np.float64)

    def solver_rows(rows: slice | np.ndarray) -> np.ndarray:
        total, allowed = block_rows(rows)
        block = total.astype(np.float64) + FLOOR + bonus[rows, None]
        return np.where(allowed & has_room[None, :], block, 0.0)

    plan = solver.assign_blocks(solver_rows, n, capacity)
    placed = np.full(n, -1, dtype=np.int64)
    placed[plan.pairs[:, 0]] = plan.pairs[:, 1]
    columns = np.full((n, count), -1, dtype=np.int64)
    rows = np.flatnonzero(placed >= 0)
    columns[rows, 0] = placed[rows]

    def keys_of(row_ids: np.ndarray, total: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """The alternatives' keys: allowed mentors with room by score, the plan's one out."""
        keys = np.where(allowed & has_room[None, :], total.astype(np.float64), -np.inf)
        keys[np.arange(row_ids.size), placed[row_ids]] = -np.inf
        return keys

    fits = np.zeros(n, dtype=bool)
    wanted = count > 1 and rows.size > 0
    candidates = np.full((rows.size, min(ALTERNATIVE_CANDIDATES, m)), -1, dtype=np.int64)
    for span in block_spans(n, m):
        total, allowed = block_rows(span)
        fits[span] = (allowed & has_room[None, :]).any(axis=1)
        if not wanted:
            continue
        mine = slice(*np.searchsorted(rows, [span.start, span.stop]))
        local = rows[mine] - span.start
        if local.size:
            keys = keys_of(rows[mine], total[local], allowed[local])
            candidates[mine] = _top(keys, candidates.shape[1])
    if wanted:

        def row_keys(q: int) -> np.ndarray:
            row = rows[q : q + 1]
            total, allowed = block_rows(row)
            return keys_of(row, total, allowed)[0]

        _fill_alternatives(
            row_keys, candidates, capacity, columns, rows, np.random.default_rng(seed)
        )
    return Lists(
        columns=columns,
        waiting_for_room=(placed < 0) & fits,
        prices=plan.column_price,
    )


def for_one(
    scores: np.ndarray, allowed: np.ndarray, prices: np.ndarray, count: int, priority: float = 0.0
) -> Lists:
    """Rank one newcomer (a row) by score net of the last plan's prices.

    Their first mentor is the one the plan would give them at those prices; with no mentor
    worth more than their price, every place that fits them is planned for someone else.
    """
    net = np.where(allowed, scores.astype(np.float64) + FLOOR + priority - prices, -np.inf)
    # At the plan's prices the newcomer the plan left out is indifferent between a priced
    # mentor and others: between equal net values, the lower price (more room) comes first.
    order = np.lexsort((prices, -np.round(net, 6)))
    order = order[np.isfinite(net[order])][:count]
    columns = np.full((1, count), -1, dtype=np.int64)
    columns[0, : order.size] = order
    waiting = bool(allowed.any() and net.max() <= 0)
    if waiting:
        columns[:] = -1
    return Lists(columns=columns, waiting_for_room=np.array([waiting]), prices=prices)


def _top(keys: np.ndarray, count: int) -> np.ndarray:
    """Return each row's columns with the `count` largest finite keys, largest first."""
    n, m = keys.shape
    count = min(count, m)
    if count == 0:
        return np.full((n, 0), -1, dtype=np.int64)
    top = np.argpartition(-keys, count - 1, axis=1)[:, :count]
    values = np.take_along_axis(keys, top, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1).astype(np.int64)
    top[~np.isfinite(np.take_along_axis(values, order, axis=1))] = -1
    return top


def _fill_alternatives(
    row_keys: Callable[[int], np.ndarray],
    candidates: np.ndarray,
    capacity: np.ndarray,
    columns: np.ndarray,
    rows: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Fill places 2.. of the placed rows' lists in turns, within each mentor's share.

    `candidates` holds each placed row's best ALTERNATIVE_CANDIDATES mentors (-1 pads);
    `row_keys(q)` re-reads the q-th placed row's keys in full, for the rare list still short.
    """
    count = columns.shape[1]
    average = count * rows.size / max(int(capacity.sum()), 1)
    # With more places than lists, no one is crowded and the share never binds.
    share = np.ceil(EXPOSURE * max(average, 1.0) * capacity).astype(np.int64)
    shown = np.bincount(columns[rows, 0], minlength=capacity.shape[0])
    filled = np.ones(rows.size, dtype=np.int64)
    cursor = np.zeros(rows.size, dtype=np.int64)
    for _ in range(count - 1):
        for q in rng.permutation(rows.size):
            row_candidates = candidates[q]
            k = cursor[q]
            while k < row_candidates.size and row_candidates[k] >= 0:
                column = row_candidates[k]
                k += 1
                if shown[column] < share[column]:
                    shown[column] += 1
                    columns[rows[q], filled[q]] = column
                    filled[q] += 1
                    break
            cursor[q] = k
    # A list still short ran through its candidates: search the whole row, best first.
    for q in np.flatnonzero((filled < count) & (candidates[:, -1] >= 0)):
        keys = row_keys(int(q))
        taken = set(columns[rows[q], : filled[q]].tolist())
        for column in np.argsort(-keys, kind="stable"):
            if filled[q] == count or not np.isfinite(keys[column]):
                break
            if column not in taken and shown[column] < share[column]:
                shown[column] += 1
                columns[rows[q], filled[q]] = column
                filled[q] += 1
