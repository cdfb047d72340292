"""Scoring and trend words: pure functions."""

import datetime

from recovery import scoring

UTC = datetime.UTC


def at(month: int, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, 10, 12, tzinfo=UTC)


def test_a_reverse_scored_answer_counts_low_plus_high_minus_the_answer():
    assert scoring.item_score(2, reverse_scored=True, low=1, high=6) == 5
    assert scoring.item_score(2, reverse_scored=False, low=1, high=6) == 2


def test_the_total_adds_each_area_with_reverse_scored_items_turned_round():
    items = [
        scoring.ScoredItem(1, "social", False),
        scoring.ScoredItem(2, "social", True),
        scoring.ScoredItem(3, "human", False),
    ]
    total, areas = scoring.total_and_areas({1: 5, 2: 1, 3: 3}, items, low=1, high=5)
    assert areas == {"social": 10, "human": 3}
    assert total == 13


def test_the_range_of_a_ten_item_six_point_scale_is_ten_to_sixty():
    assert scoring.score_range(10, 1, 6) == (10, 60)


def test_the_check_is_due_when_never_met_or_a_full_period_has_passed():
    now = at(6)
    assert scoring.is_due(now=now, last_taken=None, last_dismissed=None, every_days=90)
    assert not scoring.is_due(now=now, last_taken=at(5), last_dismissed=None, every_days=90)
    assert scoring.is_due(now=now, last_taken=at(2), last_dismissed=None, every_days=90)


def test_not_now_waits_a_full_period_like_an_answer():
    assert not scoring.is_due(now=at(6), last_taken=at(1), last_dismissed=at(5), every_days=90)


def test_trend_words_compare_the_latest_with_the_first_by_area_without_a_score():
    sentences = scoring.trend_sentences(
        [(at(3), {"social": 8, "human": 6}), (at(6), {"social": 10, "human": 6})], now=at(7)
    )
    assert sentences == [
        "More support from the people around you than in March.",
        "About the same confidence in your own strengths as in March.",
    ]
    assert not any(char.isdigit() for sentence in sentences for char in sentence)


def test_a_lower_area_is_said_gently_never_as_a_failure():
    [sentence] = scoring.trend_sentences(
        [(at(3), {"physical": 9}), (at(6), {"physical": 7})], now=at(7)
    )
    assert sentence.startswith("A little less steadiness in day-to-day life than in March.")
    for word in ["relapse", "worse", "fail", "score", "bad"]:
        assert word not in sentence.lower()


def test_with_three_checks_the_latest_is_also_compared_with_the_one_before():
    sentences = scoring.trend_sentences(
        [(at(1), {"social": 4}), (at(4), {"social": 9}), (at(7), {"social": 7})], now=at(8)
    )
    assert sentences == [
        "More support from the people around you than in January.",
        "A little less support from the people around you than in April."
        " Things shift, and that's okay.",
    ]


def test_one_check_has_nothing_to_compare_yet():
    assert scoring.trend_sentences([(at(3), {"social": 8})], now=at(4)) == []


def test_a_check_from_another_year_names_the_year():
    [sentence] = scoring.trend_sentences(
        [(at(11, 2025), {"social": 3}), (at(2), {"social": 5})], now=at(3)
    )
    assert sentence == "More support from the people around you than in November 2025."


def test_median_change_is_latest_minus_first_over_members():
    assert scoring.median_change([(20, 30), (40, 40), (30, 25)]) == 0
    assert scoring.median_change([(20, 30), (40, 44)]) == 7
    assert scoring.median_change([]) is None


def test_chart_points_run_left_to_right_and_higher_totals_sit_higher():
    points = [
        tuple(map(float, p.split(",")))
        for p in scoring.chart_points([10, 60], low=10, high=60).split()
    ]
    (x1, y1), (x2, y2) = points
    assert x1 < x2 and y2 < y1
