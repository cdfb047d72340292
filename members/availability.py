"""When a member is usually free, said in words another member can act on.

A member picks weekly slots ("mon-evening") in their own time zone. Someone
reading them elsewhere needs the hours with that zone named, and their own
hours beside them: a Chicago newcomer reading a London mentor's "Monday
evening" would otherwise be six hours off. Pure functions, no database.
"""

import datetime
import zoneinfo

WEEKDAY_CODES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# The hours of each part of the day, as members.models.DayPart labels them.
DAY_PART_HOURS = {"morning": (8, 12), "afternoon": (12, 17), "evening": (17, 21), "late": (21, 24)}


def zone_place(time_zone: str) -> str:
    """Name a time zone the way people say it: "Europe/London" is "London time"."""
    place = time_zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{place} time"


def clock(moment: datetime.datetime | datetime.time) -> str:
    """Say a time of day: "9 am", "12:30 pm", "midnight", "noon"."""
    hour, minute = moment.hour, moment.minute
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else "noon"
    suffix = "am" if hour < 12 else "pm"
    hour12 = hour % 12 or 12
    return f"{hour12}:{minute:02d} {suffix}" if minute else f"{hour12} {suffix}"


def _next_date_on(weekday: int, today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7)


def slot_span(
    slot: str, *, time_zone: str, today: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """Return the start and end of the slot's next occurrence (from `today`) in `time_zone`."""
    day_code, part = slot.split("-", 1)
    start_hour, end_hour = DAY_PART_HOURS[part]
    zone = zoneinfo.ZoneInfo(time_zone)
    day = _next_date_on(WEEKDAY_CODES.index(day_code), today)
    start = datetime.datetime.combine(day, datetime.time(start_hour), tzinfo=zone)
    # "Until 24" is midnight at the start of the next day.
    end_day = day + datetime.timedelta(days=end_hour // 24)
    end = datetime.datetime.combine(end_day, datetime.time(end_hour % 24), tzinfo=zone)
    return start, end


def _ends_the_same_day(start: datetime.datetime, end: datetime.datetime) -> bool:
    """True when `end` falls on `start`'s day, counting the midnight that closes it."""
    if end.date() == start.date():
        return True
    closing_midnight = end.time() == datetime.time(0)
    return closing_midnight and end.date() == start.date() + datetime.timedelta(days=1)


def _span_words(start: datetime.datetime, end: datetime.datetime) -> str:
    day = WEEKDAY_NAMES[start.weekday()]
    if _ends_the_same_day(start, end):
        return f"{day} {clock(start)}–{clock(end)}"
    return f"{day} {clock(start)}–{WEEKDAY_NAMES[end.weekday()]} {clock(end)}"


def describe_slot(
    slot: str, *, time_zone: str, viewer_time_zone: str | None, today: datetime.date
) -> str:
    """Say a slot in the member's zone, named, and in the viewer's when theirs differs.

    "Monday 5–9 pm London time (Monday 11 am–3 pm your time)".
    """
    start, end = slot_span(slot, time_zone=time_zone, today=today)
    words = f"{_span_words(start, end)} {zone_place(time_zone)}"
    if not viewer_time_zone:
        return words
    viewer_zone = zoneinfo.ZoneInfo(viewer_time_zone)
    viewer_start, viewer_end = start.astimezone(viewer_zone), end.astimezone(viewer_zone)
    if viewer_start.replace(tzinfo=None) == start.replace(tzinfo=None) and (
        viewer_end.replace(tzinfo=None) == end.replace(tzinfo=None)
    ):
        return words
    return f"{words} ({_span_words(viewer_start, viewer_end)} your time)"


def describe_availability(
    slots: list[str], *, time_zone: str, viewer_time_zone: str | None, today: datetime.date
) -> list[str]:
    """Say each of a member's slots, in the week's order, for a viewer in another zone."""
    week = [f"{day}-{part}" for day in WEEKDAY_CODES for part in DAY_PART_HOURS]
    order = {slot: index for index, slot in enumerate(week)}
    known = sorted((slot for slot in slots if slot in order), key=order.__getitem__)
    return [
        describe_slot(slot, time_zone=time_zone, viewer_time_zone=viewer_time_zone, today=today)
        for slot in known
    ]
