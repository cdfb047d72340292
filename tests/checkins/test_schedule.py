"""Check-in reminder times: worked examples, then properties across clock changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkins.schedule import (
    Cadence,
    is_quiet,
    next_allowed,
    next_slot,
    slot_due_at,
    slots_due,
)

NEW_YORK = "America/New_York"
LONDON = "Europe/London"
LORD_HOWE = "Australia/Lord_Howe"
KOLKATA = "Asia/Kolkata"

NO_QUIET_HOURS = Cadence(quiet_start=time(0), quiet_end=time(0))


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def in_zone(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


# --- Worked examples -----------------------------------------------------------------


def test_first_reminder_is_due_a_week_after_the_match_at_the_same_local_time():
    start = local(NEW_YORK, 2026, 3, 2, 19, 30)  # a Monday, EST

    due = slot_due_at(start, 0, NEW_YORK, Cadence())

    assert in_zone(due, NEW_YORK).replace(tzinfo=None) == datetime(2026, 3, 9, 19, 30)
    assert due.tzinfo is UTC


def test_reminder_keeps_its_local_time_across_spring_forward():
    # US clocks go forward on 2026-03-08, so 19:30 local is 23:30 UTC afterwards, not 00:30.
    start = local(NEW_YORK, 2026, 3, 2, 19, 30)

    assert slot_due_at(start, 0, NEW_YORK, Cadence()) == utc(2026, 3, 9, 23, 30)
    assert slot_due_at(start, 1, NEW_YORK, Cadence()) == utc(2026, 3, 23, 23, 30)


def test_reminders_follow_every_days_after_the_first():
    start = local(NEW_YORK, 2026, 3, 2, 19, 30)

    due = [in_zone(slot_due_at(start, k, NEW_YORK, Cadence()), NEW_YORK) for k in range(4)]

    assert [d.date() for d in due] == [
        date(2026, 3, 9),
        date(2026, 3, 23),
        date(2026, 4, 6),
        date(2026, 4, 20),
    ]
    assert {d.time() for d in due} == {time(19, 30)}


def test_reminder_due_late_in_the_evening_waits_for_the_next_morning():
    start = local(NEW_YORK, 2026, 5, 4, 22, 15)

    due = slot_due_at(start, 0, NEW_YORK, Cadence())

    assert in_zone(due, NEW_YORK) == local(NEW_YORK, 2026, 5, 12, 8, 0)


def test_reminder_due_in_the_small_hours_waits_for_the_same_morning():
    start = local(NEW_YORK, 2026, 5, 4, 6, 0)

    due = slot_due_at(start, 0, NEW_YORK, Cadence())

    assert in_zone(due, NEW_YORK) == local(NEW_YORK, 2026, 5, 11, 8, 0)


def test_reminder_in_a_half_hour_zone_without_daylight_saving():
    start = local(KOLKATA, 2026, 3, 2, 12, 0)

    assert slot_due_at(start, 0, KOLKATA, Cadence()) == utc(2026, 3, 9, 6, 30)
    assert slot_due_at(start, 1, KOLKATA, Cadence()) == utc(2026, 3, 23, 6, 30)


def test_reminder_keeps_its_local_time_across_a_half_hour_clock_change():
    # Lord Howe Island turns its clocks back 30 minutes (+11:00 → +10:30) on 2026-04-05.
    start = local(LORD_HOWE, 2026, 3, 30, 9, 0)

    due = slot_due_at(start, 0, LORD_HOWE, Cadence())

    assert due == utc(2026, 4, 5, 22, 30)
    assert due - start.astimezone(UTC) == timedelta(days=7, minutes=30)
    assert in_zone(due, LORD_HOWE).time() == time(9, 0)


def test_reminder_in_a_half_hour_spring_forward_gap_moves_forward_by_the_gap():
    # Lord Howe goes from 02:00 straight to 02:30 on 2026-10-04.
    start = local(LORD_HOWE, 2026, 9, 27, 2, 15)

    due = slot_due_at(start, 0, LORD_HOWE, NO_QUIET_HOURS)

    assert in_zone(due, LORD_HOWE) == local(LORD_HOWE, 2026, 10, 4, 2, 45)
    assert due == utc(2026, 10, 3, 15, 45)


def test_reminder_keeps_its_local_time_across_fall_back():
    # UK clocks go back on 2026-10-25: 10:00 is 09:00 UTC before and 10:00 UTC after.
    start = local(LONDON, 2026, 10, 19, 10, 0)

    assert start.astimezone(UTC) == utc(2026, 10, 19, 9, 0)
    assert slot_due_at(start, 0, LONDON, Cadence()) == utc(2026, 10, 26, 10, 0)


def test_reminder_at_a_time_that_happens_twice_uses_the_first_occurrence():
    start = local(LONDON, 2026, 10, 18, 1, 30)  # 01:30 happens twice on 2026-10-25

    due = slot_due_at(start, 0, LONDON, NO_QUIET_HOURS)

    assert due == utc(2026, 10, 25, 0, 30)  # 01:30 BST, not 01:30 GMT (01:30 UTC)
    assert in_zone(due, LONDON).fold == 0


def test_reminder_in_the_spring_forward_gap_moves_forward_by_the_gap():
    # 02:30 does not exist in New York on 2026-03-08: the clock jumps 02:00 → 03:00.
    start = local(NEW_YORK, 2026, 3, 1, 2, 30)

    due = slot_due_at(start, 0, NEW_YORK, NO_QUIET_HOURS)

    assert due == utc(2026, 3, 8, 7, 30)
    assert in_zone(due, NEW_YORK) == local(NEW_YORK, 2026, 3, 8, 3, 30)


def test_reminder_in_the_gap_then_waits_out_quiet_hours():
    start = local(NEW_YORK, 2026, 3, 1, 2, 30)

    due = slot_due_at(start, 0, NEW_YORK, Cadence())

    assert in_zone(due, NEW_YORK) == local(NEW_YORK, 2026, 3, 8, 8, 0)


def test_custom_cadence_sets_the_interval_and_the_quiet_window():
    cadence = Cadence(first_after_days=3, every_days=7, quiet_start=time(22), quiet_end=time(7))
    evening = local(KOLKATA, 2026, 6, 1, 21, 30)
    early = local(KOLKATA, 2026, 6, 1, 6, 30)

    evening_due = [in_zone(slot_due_at(evening, k, KOLKATA, cadence), KOLKATA) for k in range(3)]
    early_due = in_zone(slot_due_at(early, 2, KOLKATA, cadence), KOLKATA)

    assert [d.replace(tzinfo=None) for d in evening_due] == [
        datetime(2026, 6, 4, 21, 30),
        datetime(2026, 6, 11, 21, 30),
        datetime(2026, 6, 18, 21, 30),
    ]
    assert early_due.replace(tzinfo=None) == datetime(2026, 6, 18, 7, 0)


def test_quiet_window_that_does_not_wrap_midnight_ends_the_same_day():
    lunch = Cadence(quiet_start=time(13), quiet_end=time(14))

    def due_for(hour: int, minute: int) -> datetime:
        start = local(KOLKATA, 2026, 6, 1, hour, minute)
        return in_zone(slot_due_at(start, 0, KOLKATA, lunch), KOLKATA).replace(tzinfo=None)

    assert due_for(13, 20) == datetime(2026, 6, 8, 14, 0)
    assert due_for(12, 59) == datetime(2026, 6, 8, 12, 59)
    assert due_for(14, 0) == datetime(2026, 6, 8, 14, 0)
    assert due_for(23, 30) == datetime(2026, 6, 8, 23, 30)


def test_equal_quiet_start_and_end_mean_no_quiet_hours():
    start = local(NEW_YORK, 2026, 5, 4, 3, 0)
    cadence = Cadence(quiet_start=time(9), quiet_end=time(9))

    assert in_zone(slot_due_at(start, 0, NEW_YORK, cadence), NEW_YORK).time() == time(3, 0)
    assert not any(is_quiet(time(h), cadence) for h in range(24))


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (time(20, 59, 59), False),
        (time(21, 0), True),
        (time(0, 0), True),
        (time(7, 59, 59, 999999), True),
        (time(8, 0), False),
        (time(12, 0), False),
    ],
)
def test_default_quiet_hours_run_from_nine_at_night_until_eight_in_the_morning(moment, quiet):
    assert is_quiet(moment, Cadence()) is quiet


def test_snooze_outside_quiet_hours_keeps_the_instant():
    instant = local(LONDON, 2026, 7, 1, 10, 15)

    assert next_allowed(instant, LONDON, Cadence()) == utc(2026, 7, 1, 9, 15)


def test_snooze_into_quiet_hours_waits_for_the_morning():
    late = local(LONDON, 2026, 7, 1, 23, 0)
    early = local(LONDON, 2026, 7, 2, 5, 0)
    morning = local(LONDON, 2026, 7, 2, 8, 0)

    assert next_allowed(late, LONDON, Cadence()) == morning
    assert next_allowed(early, LONDON, Cadence()) == morning


def test_snooze_in_the_repeated_hour_never_goes_back_in_time():
    # Quiet 01:00–01:45; 01:30 GMT is the second 01:30 of 2026-10-25, so the
    # 01:45 that counts is the second one too, not the BST one an hour earlier.
    cadence = Cadence(quiet_start=time(1), quiet_end=time(1, 45))
    second = local(LONDON, 2026, 10, 25, 1, 30, fold=1)

    allowed = next_allowed(second, LONDON, cadence)

    assert allowed == utc(2026, 10, 25, 1, 45)  # 01:45 GMT, the second 01:45
    assert in_zone(allowed, LONDON).replace(tzinfo=None) == datetime(2026, 10, 25, 1, 45)


def test_slots_due_lists_only_reminders_that_have_come_due():
    start = local(NEW_YORK, 2026, 3, 2, 19, 30)
    now = utc(2026, 4, 6, 23, 30)

    assert slots_due(start, now, NEW_YORK, Cadence()) == [
        (0, utc(2026, 3, 9, 23, 30)),
        (1, utc(2026, 3, 23, 23, 30)),
        (2, utc(2026, 4, 6, 23, 30)),
    ]
    assert slots_due(start, now, NEW_YORK, Cadence(), after_slot=1) == [
        (2, utc(2026, 4, 6, 23, 30))
    ]
    assert slots_due(start, now - timedelta(microseconds=1), NEW_YORK, Cadence(), 1) == []
    assert slots_due(start, now, NEW_YORK, Cadence(), limit=2) == [
        (0, utc(2026, 3, 9, 23, 30)),
        (1, utc(2026, 3, 23, 23, 30)),
    ]


def test_next_slot_is_the_first_not_yet_due():
    start = local(NEW_YORK, 2026, 3, 2, 19, 30)

    assert next_slot(start, start, NEW_YORK, Cadence()) == (0, utc(2026, 3, 9, 23, 30))
    assert next_slot(start, utc(2026, 3, 9, 23, 30), NEW_YORK, Cadence()) == (
        1,
        utc(2026, 3, 23, 23, 30),
    )
    assert next_slot(start, utc(2027, 3, 1), NEW_YORK, Cadence())[0] == 26


def test_unknown_time_zone_is_a_value_error_naming_it():
    start = utc(2026, 3, 2)
    for name in ("Mars/Olympus_Mons", "America", "", "../etc/passwd"):
        with pytest.raises(ValueError, match="Unknown time zone"):
            slot_due_at(start, 0, name, Cadence())
    with pytest.raises(ValueError, match="Mars/Olympus_Mons"):
        slots_due(start, start, "Mars/Olympus_Mons", Cadence())
    with pytest.raises(ValueError, match="Mars/Olympus_Mons"):
        next_allowed(start, "Mars/Olympus_Mons", Cadence())
    with pytest.raises(ValueError, match="Mars/Olympus_Mons"):
        next_slot(start, start, "Mars/Olympus_Mons", Cadence())


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        slot_due_at(datetime(2026, 3, 2), 0, NEW_YORK, Cadence())
    with pytest.raises(ValueError, match="timezone-aware"):
        next_allowed(datetime(2026, 3, 2), NEW_YORK, Cadence())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"first_after_days": 0},
        {"every_days": 0},
        {"every_days": -14},
        {"every_days": True},
        {"every_days": 1.5},
        {"quiet_start": "21:00"},
        {"quiet_end": time(8, tzinfo=UTC)},
    ],
)
def test_cadence_refuses_nonsense(kwargs):
    with pytest.raises(ValueError):
        Cadence(**kwargs)


def test_negative_slots_are_refused():
    with pytest.raises(ValueError, match="slot"):
        slot_due_at(utc(2026, 3, 2), -1, NEW_YORK, Cadence())


def test_minute_tick_creates_each_reminder_once_across_a_clock_change():
    # Daily reminders at 02:30 local across the US spring-forward, ticking every minute.
    cadence = Cadence(first_after_days=1, every_days=1, quiet_start=time(4), quiet_end=time(4))
    start = local(NEW_YORK, 2026, 3, 4, 2, 30)
    # Tick in UTC: arithmetic on a zoned datetime moves the wall clock, not the instant.
    now, last, seen = start.astimezone(UTC), -1, []
    while now < utc(2026, 3, 14, 12, 0):
        for slot, due_at in slots_due(start, now, NEW_YORK, cadence, after_slot=last):
            assert due_at <= now < due_at + timedelta(minutes=1)
            seen.append(slot)
            last = slot
        now += timedelta(minutes=1)

    assert seen == list(range(10))


# --- Properties across clock changes ----------------------------------------------------

ZONES = (NEW_YORK, LONDON, LORD_HOWE, KOLKATA)


def _clock_changes(zone: str) -> list[datetime]:
    """Return the UTC instants in 2026–2028 at which `zone` changes its offset."""
    tz = ZoneInfo(zone)
    changes = []
    hour = utc(2026, 1, 1)
    offset = hour.astimezone(tz).utcoffset()
    while hour < utc(2029, 1, 1):
        later = hour + timedelta(hours=1)
        if later.astimezone(tz).utcoffset() != offset:
            minute = hour
            while minute.astimezone(tz).utcoffset() == offset:
                minute += timedelta(minutes=1)
            changes.append(minute)
            offset = later.astimezone(tz).utcoffset()
        hour = later
    return changes


CLOCK_CHANGES = {zone: _clock_changes(zone) for zone in ZONES}


def _quiet_windows() -> st.SearchStrategy[tuple[time, time]]:
    # Leave at least two allowed hours a day: a shorter allowed window can be
    # swallowed whole by a spring-forward gap, and no programme would set one.
    def window(start_minute: int, quiet_minutes: int) -> tuple[time, time]:
        end_minute = (start_minute + quiet_minutes) % (24 * 60)
        return (
            time(start_minute // 60, start_minute % 60),
            time(end_minute // 60, end_minute % 60),
        )

    return st.one_of(
        st.just((time(21), time(8))),
        st.just((time(22), time(7))),
        st.just((time(13), time(14))),
        st.builds(window, st.integers(0, 24 * 60 - 1), st.just(0)),
        st.builds(window, st.integers(0, 24 * 60 - 1), st.integers(1, 22 * 60)),
    )


@st.composite
def cadences(draw) -> Cadence:
    quiet_start, quiet_end = draw(_quiet_windows())
    return Cadence(
        first_after_days=draw(st.sampled_from([1, 2, 3, 5, 7, 10, 13, 30])),
        every_days=draw(st.sampled_from([1, 2, 3, 5, 7, 9, 13, 14, 15, 28, 31])),
        quiet_start=quiet_start,
        quiet_end=quiet_end,
    )


@st.composite
def schedules(draw) -> tuple[str, datetime, Cadence]:
    """Draw a zone, a cadence, and a start whose slots often land on a clock change."""
    zone = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(zone)
    cadence = draw(cadences())
    changes = CLOCK_CHANGES[zone]
    if changes and draw(st.booleans()):
        # Start so that slot k's nominal date is the day of a clock change (or a
        # neighbour), at a wall time near the change: gaps and overlaps get hit.
        change_local = draw(st.sampled_from(changes)).astimezone(tz)
        k = draw(st.integers(0, 4))
        days_before = cadence.first_after_days + k * cadence.every_days + draw(st.integers(-1, 1))
        minute = change_local.hour * 60 + change_local.minute + draw(st.integers(-90, 90))
        minute %= 24 * 60
        start = datetime.combine(
            change_local.date() - timedelta(days=days_before),
            time(minute // 60, minute % 60, draw(st.integers(0, 59)), fold=draw(st.integers(0, 1))),
            tzinfo=tz,
        )
    else:
        seconds = draw(st.integers(0, int((utc(2029, 1, 1) - utc(2026, 1, 1)).total_seconds())))
        start = (utc(2026, 1, 1) + timedelta(seconds=seconds)).astimezone(tz)
    # A match starts at an instant (stored in UTC), so a wall time inside a
    # spring-forward gap never reaches the scheduler: normalise through UTC.
    start = start.astimezone(UTC).astimezone(tz)
    return zone, start, cadence


SLOTS = 12
PROPERTIES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _nominal(start: datetime, slot: int, zone: str, cadence: Cadence) -> datetime:
    """Return slot's nominal instant, resolved independently of the module."""
    tz = ZoneInfo(zone)
    start_local = start.astimezone(tz)
    day = start_local.date() + timedelta(days=cadence.first_after_days + slot * cadence.every_days)
    wall = datetime.combine(day, start_local.time().replace(fold=0), tzinfo=tz)
    return wall.astimezone(UTC)


@PROPERTIES
@given(schedules())
def test_reminders_never_land_in_local_quiet_hours(schedule):
    zone, start, cadence = schedule
    for slot in range(SLOTS):
        due = slot_due_at(start, slot, zone, cadence)
        assert not is_quiet(in_zone(due, zone).time(), cadence)


@PROPERTIES
@given(schedules())
def test_reminder_times_strictly_increase_with_the_slot(schedule):
    zone, start, cadence = schedule
    due = [slot_due_at(start, slot, zone, cadence) for slot in range(SLOTS)]
    assert all(earlier < later for earlier, later in zip(due, due[1:], strict=False))


@PROPERTIES
@given(schedules())
def test_reminder_falls_on_its_nominal_local_date_or_the_morning_after(schedule):
    zone, start, cadence = schedule
    start_local = in_zone(start, zone)
    for slot in range(SLOTS):
        nominal_date = start_local.date() + timedelta(
            days=cadence.first_after_days + slot * cadence.every_days
        )
        due_local = in_zone(slot_due_at(start, slot, zone, cadence), zone)
        assert due_local.date() in (nominal_date, nominal_date + timedelta(days=1))
        if due_local.date() != nominal_date:
            # Only a late-evening reminder moved to the morning changes date.
            nominal_local = in_zone(_nominal(start, slot, zone, cadence), zone)
            assert is_quiet(nominal_local.time(), cadence)
            assert nominal_local.time() >= cadence.quiet_start > cadence.quiet_end
            assert due_local.time() >= cadence.quiet_end


@PROPERTIES
@given(schedules())
def test_reminder_keeps_its_local_time_unless_moved_out_of_quiet_hours_or_a_gap(schedule):
    zone, start, cadence = schedule
    wall = in_zone(start, zone).time().replace(fold=0)
    for slot in range(SLOTS):
        due = slot_due_at(start, slot, zone, cadence)
        nominal = _nominal(start, slot, zone, cadence)
        if due == nominal:
            # Either the wall time as planned, or it was in a gap and moved forward.
            shown = in_zone(due, zone).time().replace(fold=0)
            assert shown == wall or shown > wall
        else:
            assert in_zone(due, zone).time() >= cadence.quiet_end
            assert is_quiet(in_zone(nominal, zone).time(), cadence)


@PROPERTIES
@given(schedules(), st.integers(0, SLOTS))
def test_same_inputs_give_the_same_reminder_time(schedule, slot):
    zone, start, cadence = schedule
    copy = Cadence(
        cadence.first_after_days, cadence.every_days, cadence.quiet_start, cadence.quiet_end
    )
    first = slot_due_at(start, slot, zone, cadence)
    assert slot_due_at(start, slot, zone, copy) == first
    # The same instant expressed in another zone is the same start.
    assert slot_due_at(start.astimezone(UTC), slot, zone, cadence) == first


@PROPERTIES
@given(schedules())
def test_reminder_is_never_due_before_its_nominal_moment(schedule):
    zone, start, cadence = schedule
    for slot in range(SLOTS):
        assert slot_due_at(start, slot, zone, cadence) >= _nominal(start, slot, zone, cadence)


@PROPERTIES
@given(
    schedules(),
    st.lists(st.integers(1, 4 * 24 * 60), min_size=1, max_size=60),
    st.integers(1, 5),
)
def test_repeated_ticks_create_each_reminder_exactly_once_and_never_early(schedule, steps, limit):
    zone, start, cadence = schedule
    now, last, created = start.astimezone(UTC) - timedelta(minutes=1), -1, []
    for step in steps:
        now += timedelta(minutes=step)
        batch = slots_due(start, now, zone, cadence, after_slot=last, limit=limit)
        for slot, due_at in batch:
            assert due_at <= now
            assert due_at == slot_due_at(start, slot, zone, cadence)
            created.append(slot)
        if batch:
            last = batch[-1][0]
    # Catch up on whatever the limit held back at the final `now`.
    while batch := slots_due(start, now, zone, cadence, after_slot=last, limit=limit):
        created.extend(slot for slot, _ in batch)
        last = batch[-1][0]

    expected, _ = next_slot(start, now, zone, cadence)
    assert created == list(range(expected))


@PROPERTIES
@given(schedules(), st.integers(0, 400 * 24 * 60))
def test_next_slot_is_the_first_slot_still_ahead(schedule, minutes):
    zone, start, cadence = schedule
    now = start.astimezone(UTC) + timedelta(minutes=minutes)
    slot, due_at = next_slot(start, now, zone, cadence)
    assert due_at > now
    assert due_at == slot_due_at(start, slot, zone, cadence)
    assert slot == 0 or slot_due_at(start, slot - 1, zone, cadence) <= now


@PROPERTIES
@given(
    st.sampled_from(ZONES),
    cadences(),
    st.integers(0, int((utc(2029, 1, 1) - utc(2026, 1, 1)).total_seconds())),
)
def test_snoozed_reminder_is_never_early_and_never_in_quiet_hours(zone, cadence, seconds):
    instant = utc(2026, 1, 1) + timedelta(seconds=seconds)
    allowed = next_allowed(instant, zone, cadence)
    assert allowed >= instant
    assert not is_quiet(in_zone(allowed, zone).time(), cadence)
    if not is_quiet(in_zone(instant, zone).time(), cadence):
        assert allowed == instant
    else:
        assert allowed - instant <= timedelta(days=1, hours=1)
