"""The history chart on My steps: pure, no database."""

from steps.chart import HEIGHT, PADDING, WIDTH, history_chart


def test_no_answers_draw_no_points():
    assert history_chart([]).points == []


def test_one_answer_sits_in_the_middle():
    assert history_chart(["went_well"]).points == [(WIDTH // 2, PADDING)]


def test_went_well_is_highest_and_not_this_week_lowest_oldest_on_the_left():
    chart = history_chart(["not_this_week", "partly", "went_well"])

    (x1, low), (x2, middle), (x3, high) = chart.points
    assert x1 == PADDING and x3 == WIDTH - PADDING and x1 < x2 < x3
    assert (low, middle, high) == (HEIGHT - PADDING, HEIGHT // 2, PADDING)
    assert chart.polyline == f"{x1},{low} {x2},{middle} {x3},{high}"


def test_only_the_latest_answers_are_drawn():
    answers = ["not_this_week"] * 10 + ["went_well"] * 2

    chart = history_chart(answers, limit=4)

    assert [y for _, y in chart.points] == [HEIGHT - PADDING] * 2 + [PADDING] * 2


def test_an_unknown_answer_is_left_out():
    assert len(history_chart(["partly", "score-7", "went_well"]).points) == 2
