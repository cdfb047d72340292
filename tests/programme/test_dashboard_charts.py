"""The dashboard's server-drawn charts: pure geometry, tested without a database."""

import datetime

import pytest

from programme.charts import dashboard_charts, nice_ceiling, week_label, weekly_bars

WEEKS = ["1 Jun", "8 Jun", "15 Jun"]


def test_side_by_side_bars_are_as_tall_as_their_values_and_never_leave_the_plot():
    chart = weekly_bars("Check-ins", WEEKS, [("Done", [1, 4, 0]), ("Due", [2, 8, 3])])
    bars = {(bar.week, bar.series): bar for bar in chart.bars}
    # The axis runs to 8: a value of 4 is half the plot's height, 8 all of it.
    plot = chart.bottom - chart.top
    assert bars["8 Jun", 0].height == pytest.approx(plot / 2)
    assert bars["8 Jun", 1].height == pytest.approx(plot)
    assert bars["15 Jun", 0].height == 0
    for bar in chart.bars:
        assert chart.left <= bar.x and bar.x + bar.width <= chart.right
        assert chart.top <= bar.y and bar.y + bar.height <= chart.bottom + 0.01
    # Within a week the second series sits to the right of the first.
    assert bars["1 Jun", 1].x > bars["1 Jun", 0].x


def test_stacked_bars_sit_on_each_other_and_reach_the_weeks_total():
    chart = weekly_bars(
        "Requests", WEEKS, [("Accepted", [2, 0, 1]), ("Declined", [2, 0, 0])], stacked=True
    )
    accepted, declined = [bar for bar in chart.bars if bar.week == "1 Jun"]
    assert declined.y + declined.height == pytest.approx(accepted.y)
    assert accepted.x == declined.x
    assert accepted.y + accepted.height == pytest.approx(chart.bottom)


def test_the_axis_ticks_are_round_numbers_ending_at_the_top():
    chart = weekly_bars("Matches", WEEKS, [("Active", [3, 37, 12])])
    assert [value for _, value in chart.y_ticks] == [0, 10, 20, 30, 40]
    empty = weekly_bars("Matches", WEEKS, [("Active", [0, 0, 0])])
    assert [value for _, value in empty.y_ticks] == [0, 1]
    assert nice_ceiling(0.75) == 1
    assert nice_ceiling(9.25) == 10
    assert nice_ceiling(12.5) == 20


def test_a_year_of_weeks_labels_at_most_six_of_them():
    labels = [f"w{index}" for index in range(52)]
    chart = weekly_bars("Year", labels, [("Done", list(range(52)))])
    assert len(chart.x_labels) <= 6
    assert chart.x_labels[0][1] == "w0"


def test_the_label_and_table_give_the_same_numbers_as_the_bars():
    chart = weekly_bars("Check-ins", WEEKS, [("Done", [1, 4, 0]), ("Due", [2, 8, 3])])
    assert chart.label == "Check-ins. Totals over the period: Done: 5, Due: 13."
    assert chart.rows == [("1 Jun", [1, 2]), ("8 Jun", [4, 8]), ("15 Jun", [0, 3])]


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="one value per week"):
        weekly_bars("Broken", WEEKS, [("Done", [1, 2])])


def test_the_dashboard_has_a_chart_for_each_weekly_number():
    weeks = [datetime.date(2026, 6, 1), datetime.date(2026, 6, 8)]
    two = [0, 1]
    numbers = {
        "period": {"weeks": weeks},
        "requests": {"weekly": {"accepted": two, "declined": two, "expired": two}},
        "time_to_match": {"weekly": two},
        "matches": {"weekly": {"active": two, "ended": two}},
        "checkins": {"weekly": {"done": two, "due": two}},
        "safety": {"weekly": {"holds": two, "concerns": two, "reports": two}},
        "steps": {"weekly": {"went_well": two, "partly": two, "not_this_week": two}},
    }
    charts = dashboard_charts(numbers)
    assert set(charts) == {"requests", "first_matches", "matches", "checkins", "safety", "steps"}
    assert charts["requests"].rows[0][0] == "1 Jun"
    assert week_label(datetime.date(2026, 12, 7)) == "7 Dec"
