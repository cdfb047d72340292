"""A peer's usual free times name their time zone and give the reader's own hours."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from members.availability import DAY_PART_HOURS, clock, describe_availability, describe_slot
from members.models import DayPart
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

WINTER = datetime.date(2026, 12, 2)  # London on GMT, Chicago six hours behind
SUMMER = datetime.date(2026, 7, 1)


def test_a_london_evening_reads_six_hours_earlier_in_chicago_in_winter():
    words = describe_slot(
        "mon-evening", time_zone="Europe/London", viewer_time_zone="America/Chicago", today=WINTER
    )

    assert words == "Monday 5 pm–9 pm London time (Monday 11 am–3 pm your time)"


def test_the_hours_follow_daylight_saving_time_where_each_person_lives():
    words = describe_slot(
        "mon-evening", time_zone="Europe/London", viewer_time_zone="Asia/Kolkata", today=SUMMER
    )

    # London is on BST (UTC+1) in July; India is UTC+5:30 all year.
    assert words == "Monday 5 pm–9 pm London time (Monday 9:30 pm–Tuesday 1:30 am your time)"


def test_a_late_slot_moves_to_the_next_day_for_a_reader_further_east():
    words = describe_slot(
        "sun-late", time_zone="Europe/London", viewer_time_zone="Asia/Tokyo", today=WINTER
    )

    assert words == "Sunday 9 pm–midnight London time (Monday 6 am–9 am your time)"


def test_a_reader_in_the_same_zone_or_none_sees_only_the_named_hours():
    for viewer_zone in ("Europe/London", None):
        words = describe_slot(
            "sat-morning", time_zone="Europe/London", viewer_time_zone=viewer_zone, today=WINTER
        )
        assert words == "Saturday 8 am–noon London time"


def test_slots_are_said_in_the_order_of_the_week_and_unknown_ones_are_left_out():
    words = describe_availability(
        ["sat-morning", "bogus-slot", "mon-late"],
        time_zone="America/New_York",
        viewer_time_zone=None,
        today=WINTER,
    )

    assert words == ["Monday 9 pm–midnight New York time", "Saturday 8 am–noon New York time"]


def test_the_hours_said_are_the_hours_the_form_offers():
    for part in DayPart:
        start, end = DAY_PART_HOURS[part.value]
        assert f"({start}–{end})" in part.label


def test_clock_says_noon_midnight_and_half_hours():
    assert [clock(datetime.time(h, m)) for h, m in [(0, 0), (12, 0), (9, 0), (13, 30)]] == [
        "midnight",
        "noon",
        "9 am",
        "1:30 pm",
    ]


@pytest.mark.django_db
def test_a_chicago_newcomer_reads_a_london_mentors_hours_in_both_zones():
    mentor = MentorFactory(
        display_name="Casey",
        time_zone="Europe/London",
        availability=["mon-evening"],
        share_availability=True,
    )
    newcomer = NewcomerFactory(time_zone="America/Chicago")
    ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    client = Client()
    client.force_login(newcomer.user)

    with time_machine.travel(datetime.datetime(2026, 12, 2, 12, tzinfo=datetime.UTC)):
        page = client.get(reverse("matching:status")).content.decode()

    assert "Monday 5 pm–9 pm London time (Monday 11 am–3 pm your time)" in page
