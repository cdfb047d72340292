"""Demand-aware suggestion lists on small hand-made populations (pure, no database)."""

import numpy as np
import pytest

from matching import solver, spread

# Three newcomers who all fit Ada best; Ada has one free place, Bo and Cy three each.
ADA, BO, CY = 0, 1, 2
SCORES = np.array(
    [
        [0.90, 0.70, 0.60],
        [0.85, 0.60, 0.70],
        [0.80, 0.65, 0.62],
    ],
    dtype=np.float32,
)
CAPACITY = np.array([1, 3, 3])
EVERYONE_ALLOWED = np.ones_like(SCORES, dtype=bool)


def first_choices(lists: spread.Lists) -> list[int]:
    return lists.columns[:, 0].tolist()


def test_plain_ranking_sends_every_newcomer_to_the_scarce_mentor_first():
    lists = spread.plain(SCORES, EVERYONE_ALLOWED, count=3)
    assert first_choices(lists) == [ADA, ADA, ADA]


def test_demand_aware_ranking_drops_the_scarce_mentor_and_raises_those_with_room():
    lists = spread.demand_aware(SCORES, EVERYONE_ALLOWED, CAPACITY, count=3)

    firsts = first_choices(lists)
    # Ada's one place goes to one newcomer; the others start with a mentor who has room.
    assert firsts.count(ADA) == 1
    # The plan picks the best total: Ada to the newcomer who loses least without her.
    assert firsts == [ADA, CY, BO]
    # Ada is priced (wanted beyond her room); Bo and Cy have room to spare.
    assert lists.prices[ADA] > 0
    assert lists.prices[BO] == pytest.approx(0) and lists.prices[CY] == pytest.approx(0)
    # Ada stays on lists, within her share: one place, 9 list places for 7 free places.
    share = np.ceil(spread.EXPOSURE * 9 / 7)
    assert 1 <= (lists.columns == ADA).sum() <= share
    assert (lists.columns[:, 1] >= 0).all()
    assert not lists.waiting_for_room.any()


def test_no_mentor_is_shown_far_beyond_their_room():
    rng = np.random.default_rng(4)
    newcomers, mentors = 300, 40
    # One star mentor everyone prefers a little, with one place; the rest have room.
    scores = rng.uniform(0.3, 0.7, (newcomers, mentors)).astype(np.float32)
    scores[:, 0] += 0.3
    capacity = np.full(mentors, 3)
    capacity[0] = 1
    count = 5

    plain = spread.plain(scores, np.ones_like(scores, dtype=bool), count)
    aware = spread.demand_aware(scores, np.ones_like(scores, dtype=bool), capacity, count)

    def shown_per_place(lists):
        shown = np.bincount(lists.columns[lists.columns >= 0], minlength=mentors)
        average = shown.sum() / capacity.sum()
        return shown / capacity / average

    assert shown_per_place(plain)[0] > 10  # the star is on every list, for one place
    # Within its share, give or take rounding up to whole lists: under 2x the average.
    assert shown_per_place(aware).max() < 2
    firsts = aware.columns[:, 0]
    assert (np.bincount(firsts[firsts >= 0], minlength=mentors) <= capacity).all()


def test_newcomers_beyond_the_room_wait_rather_than_ask_someone_full():
    scores = np.array([[0.9], [0.8], [0.7]], dtype=np.float32)
    lists = spread.demand_aware(scores, np.ones_like(scores, dtype=bool), np.array([1]), count=3)

    assert first_choices(lists) == [0, -1, -1]
    assert lists.waiting_for_room.tolist() == [False, True, True]
    assert (lists.columns[1:] == -1).all()


def test_a_newcomer_nobody_fits_is_not_waiting_for_room():
    scores = np.array([[0.9], [0.8]], dtype=np.float32)
    allowed = np.array([[True], [False]])
    lists = spread.demand_aware(scores, allowed, np.array([3]), count=2)
    assert lists.waiting_for_room.tolist() == [False, False]
    assert lists.columns.tolist() == [[0, -1], [-1, -1]]


def test_time_waiting_places_the_longer_waiter_first():
    # Two newcomers fit the one place almost equally; the second fits a little better.
    scores = np.array([[0.70], [0.72]], dtype=np.float32)
    allowed = np.ones_like(scores, dtype=bool)

    fresh = spread.demand_aware(scores, allowed, np.array([1]), count=1)
    waited = spread.demand_aware(
        scores, allowed, np.array([1]), count=1, priority=spread.wait_priority([10, 0])
    )

    assert first_choices(fresh) == [-1, 0]
    assert first_choices(waited) == [0, -1]


def test_wait_priority_rises_to_its_cap():
    bonus = spread.wait_priority([0, spread.WAIT_PRIORITY_DAYS / 2, 100, -3])
    assert bonus.tolist() == pytest.approx([0, spread.WAIT_PRIORITY / 2, spread.WAIT_PRIORITY, 0])


def test_one_newcomer_is_ranked_net_of_the_plans_prices():
    prices = spread.demand_aware(SCORES, EVERYONE_ALLOWED, CAPACITY, count=3).prices
    # A newcomer who joins later and fits Ada best is led to Bo, who has room.
    scores = np.array([0.80, 0.70, 0.60], dtype=np.float32)
    assert spread.plain(scores[None, :], EVERYONE_ALLOWED[:1], count=3).columns[0, 0] == ADA
    late = spread.for_one(scores, EVERYONE_ALLOWED[0], prices, count=3)
    assert late.columns[0].tolist() == [BO, ADA, CY]
    # A tie at the prices goes to the mentor with room to spare.
    tied = np.array([0.80, 0.80 - prices[ADA], 0.1], dtype=np.float64)
    assert spread.for_one(tied, EVERYONE_ALLOWED[0], prices, count=1).columns[0, 0] == BO
    assert not late.waiting_for_room[0]
    # Where every fitting mentor is priced above what the pair is worth, they wait.
    high = spread.for_one(SCORES[0], EVERYONE_ALLOWED[0], np.array([5.0, 5.0, 5.0]), count=3)
    assert high.waiting_for_room[0] and (high.columns == -1).all()


def test_assign_with_prices_prices_only_what_is_contested():
    scores = np.array([[0.9, 0.5], [0.8, 0.4]])
    plan = solver.assign_with_prices(scores, [1, 5])
    assert plan.pairs.tolist() == solver.assign(scores, [1, 5]).tolist()
    assert plan.column_price[0] > 0 and plan.column_price[1] == pytest.approx(0)
    # The pair each newcomer got is their best net of prices.
    net = scores - plan.column_price
    for row, column in plan.pairs.tolist():
        assert net[row, column] == pytest.approx(net[row].max())


def crowded_instance(seed: int):
    """500 newcomers who all prefer the same 60 mentors (one place each) over 30 with room:
    the 60 fill their shares, and many lists run through their 40 candidates."""
    rng = np.random.default_rng(seed)
    n, m = 500, 90
    scores = np.empty((n, m), dtype=np.float32)
    scores[:, :60] = rng.uniform(0.5, 0.9, (n, 60))
    scores[:, 60:] = rng.uniform(0.0, 0.1, (n, 30))
    allowed = rng.random((n, m)) < 0.97
    capacity = np.concatenate([np.ones(60, dtype=np.int64), np.full(30, 10)])
    capacity[rng.choice(m, 3, replace=False)] = 0
    priority = spread.wait_priority(rng.uniform(0, 20, n))
    return scores, allowed, capacity, priority


def test_reading_by_blocks_gives_the_same_lists_as_the_dense_matrix(monkeypatch):
    scores, allowed, capacity, priority = crowded_instance(seed=11)
    n, m = scores.shape
    dense = spread.demand_aware(scores, allowed, capacity, count=5, priority=priority)
    dense_plain = spread.plain(scores, allowed, count=5)

    # Small blocks, so every pass (the solver's and the lists') really goes block by block.
    monkeypatch.setattr(spread, "BLOCK_CELLS", m * 37)
    monkeypatch.setattr(solver, "BLOCK_CELLS", m * 37)
    reads = []

    def block_rows(rows):
        reads.append(scores[rows].shape[0])
        return scores[rows].copy(), allowed[rows].copy()

    blocks = spread.demand_aware_blocks(block_rows, n, capacity, count=5, priority=priority)
    assert blocks.columns.tolist() == dense.columns.tolist()
    assert blocks.waiting_for_room.tolist() == dense.waiting_for_room.tolist()
    assert np.allclose(blocks.prices, dense.prices)
    # Lists that ran through their 40 candidates were filled from their own row, read alone.
    assert reads.count(1) > 0
    assert (blocks.columns[blocks.columns[:, 0] >= 0] >= 0).all()
    assert max(reads) <= 37, "no read may ask for more than a block of rows"

    reads.clear()
    plain = spread.plain_blocks(block_rows, n, m, count=5)
    assert plain.columns.tolist() == dense_plain.columns.tolist()
    assert sum(reads) == n and max(reads) <= 37
