"""When check-in reminders fall due: pure calendar arithmetic, no Django.

A match's reminders are numbered by slot: 0, 1, 2, … Slot k is nominally due at
the match start's *local wall-clock time* on the local date

    start_local.date() + first_after_days + k * every_days

in the recipient's time zone. Counting calendar days (not 24-hour periods)
keeps a 19:30 reminder at 19:30 when the clocks change in between.

Turning that wall-clock time into an instant:

- a time that does not exist (the spring-forward gap) moves forward by the
  length of the gap: 02:30 on a night the clocks jump 02:00 → 03:00 becomes
  03:30 (what `fold=0` gives in Python);
- a time that happens twice (fall-back) means its first occurrence (`fold=0`);
- if the resulting local time is in quiet hours, the reminder waits for the
  first later moment the local clock shows `quiet_end` (that same morning if
  it was due in the small hours, the next morning if it was due late evening).

Everything is a function of its inputs, so slot k maps to exactly one UTC
instant: the outbox's (match, recipient, slot) key then means one reminder per
slot. Due times never decrease with the slot, and strictly increase whenever
the day's allowed (non-quiet) window is longer than the zone's clock shift (an
hour at most in the zones members use).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Cadence",
    "is_quiet",
    "next_allowed",
    "next_slot",
    "slot_due_at",
    "slots_due",
    "zone",
]


@dataclass(frozen=True)
class Cadence:
    """How often check-ins fall due and when reminders must not go out.

    The quiet window runs from `quiet_start` (included) to `quiet_end`
    (excluded) local time. It wraps midnight when `quiet_start > quiet_end`
    (the default 21:00–08:00), and `quiet_start == quiet_end` means no quiet
    hours at all.
    """

    first_after_days: int = 7
    every_days: int = 14
    quiet_start: time = time(21)
    quiet_end: time = time(8)

    def __post_init__(self) -> None:
        for name in ("first_after_days", "every_days"):
            value = getattr(self, name)
            # bool is an int subclass; True days is a bug, not a cadence.
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a whole number of days, 1 or more; got {value!r}")
        for name in ("quiet_start", "quiet_end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                # Quiet hours are in the recipient's zone, so an offset here would be ambiguous.
                raise ValueError(f"{name} must be a local time without a time zone; got {value!r}")


def zone(name: str) -> ZoneInfo:
    """Return the IANA time zone called `name`; raise ValueError if there is none."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"Unknown time zone {name!r}: expected an IANA name like 'Europe/London'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # OSError: a directory such as "America" is a valid path but not a zone.
        raise ValueError(
            f"Unknown time zone {name!r}: expected an IANA name like 'Europe/London'"
        ) from exc


def is_quiet(local: time, cadence: Cadence) -> bool:
    """Return whether the local wall-clock time `local` falls in quiet hours."""
    start, end = cadence.quiet_start, cadence.quiet_end
    # Compare naive times: a tz-aware `local` would not compare with the window.
    local = local.replace(tzinfo=None, fold=0)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def slot_due_at(start: datetime, slot: int, time_zone: str, cadence: Cadence) -> datetime:
    """Return when reminder `slot` of a match that started at `start` is due, in UTC.

    Raise ValueError for a naive `start`, a negative slot or an unknown zone.
    """
    _require_aware(start, "start")
    if slot < 0:
        raise ValueError(f"slot must be 0 or more; got {slot}")
    return _due_at(start, slot, zone(time_zone), cadence)


def next_allowed(instant: datetime, time_zone: str, cadence: Cadence) -> datetime:
    """Return `instant` in UTC if it is outside quiet hours, else the next quiet_end, in UTC.

    A snooze to "tomorrow" is `next_allowed(now + timedelta(days=1), ...)`.
    """
    _require_aware(instant, "instant")
    return _next_allowed(instant.astimezone(UTC), zone(time_zone), cadence)


def slots_due(
    start: datetime,
    now: datetime,
    time_zone: str,
    cadence: Cadence,
    after_slot: int = -1,
    limit: int = 100,
) -> list[tuple[int, datetime]]:
    """Return the (slot, due_at in UTC) pairs after `after_slot` that are due by `now`.

    Pairs come in slot order, at most `limit` of them (the earliest). Calling
    again with `after_slot` set to the last slot returned never skips or
    repeats a slot, and no slot is returned before it is due.
    """
    _require_aware(start, "start")
    _require_aware(now, "now")
    if after_slot < -1:
        raise ValueError(f"after_slot must be -1 (none yet) or a slot number; got {after_slot}")
    if limit < 0:
        raise ValueError(f"limit must be 0 or more; got {limit}")
    tz = zone(time_zone)
    due: list[tuple[int, datetime]] = []
    slot = after_slot + 1
    while len(due) < limit:
        due_at = _due_at(start, slot, tz, cadence)
        # Due times never decrease with the slot, so the first one still ahead ends the run.
        if due_at > now:
            break
        due.append((slot, due_at))
        slot += 1
    return due


def next_slot(
    start: datetime, now: datetime, time_zone: str, cadence: Cadence
) -> tuple[int, datetime]:
    """Return the first (slot, due_at in UTC) due strictly after `now`."""
    _require_aware(start, "start")
    _require_aware(now, "now")
    tz = zone(time_zone)
    first_date = start.astimezone(tz).date() + timedelta(days=cadence.first_after_days)
    elapsed_days = (now.astimezone(tz).date() - first_date).days
    # Jump close to the answer by calendar arithmetic, then walk: due times are
    # monotonic, so the walk corrects whatever the estimate got wrong.
    slot = max(0, elapsed_days // cadence.every_days)
    while slot > 0 and _due_at(start, slot - 1, tz, cadence) > now:
        slot -= 1
    while (due_at := _due_at(start, slot, tz, cadence)) <= now:
        slot += 1
    return slot, due_at


# --- Internals: `tz` is a resolved ZoneInfo, instants are aware ------------------


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime; got {value!r}")


def _due_at(start: datetime, slot: int, tz: ZoneInfo, cadence: Cadence) -> datetime:
    start_local = start.astimezone(tz)
    nominal_date = start_local.date() + timedelta(
        days=cadence.first_after_days + slot * cadence.every_days
    )
    nominal = _wall_instants(nominal_date, start_local.time(), tz)[0]
    return _next_allowed(nominal, tz, cadence)


def _wall_instants(day: date, wall: time, tz: ZoneInfo) -> list[datetime]:
    """Return the UTC instants at which the clock in `tz` shows `wall` on `day`.

    One instant normally, two (earlier first) in a fall-back overlap, and for a
    time in a spring-forward gap the single instant reached by moving forward
    by the gap's length.
    """
    first = datetime.combine(day, wall.replace(fold=0), tzinfo=tz).astimezone(UTC)
    second = datetime.combine(day, wall.replace(fold=1), tzinfo=tz).astimezone(UTC)
    if second > first:
        return [first, second]
    # Equal: an ordinary time. `second` earlier: a gap, where fold=0 applies the
    # offset from before the change and so lands after it, shifted forward.
    return [first]


def _next_allowed(instant: datetime, tz: ZoneInfo, cadence: Cadence) -> datetime:
    local = instant.astimezone(tz)
    if not is_quiet(local.time(), cadence):
        return instant.astimezone(UTC)
    # The first quiet_end after `instant`: today's morning if it is still ahead
    # (small hours, or a window that does not wrap), else tomorrow's. Checking
    # each candidate covers a quiet_end that falls in a gap (shifted forward,
    # possibly into quiet hours again) or in an overlap (the occurrence before
    # `instant` does not count). Clock changes are months apart, so a few days
    # always reach an ordinary morning.
    for days_ahead in range(4):
        day = local.date() + timedelta(days=days_ahead)
        for candidate in _wall_instants(day, cadence.quiet_end, tz):
            if candidate > instant and not is_quiet(candidate.astimezone(tz).time(), cadence):
                return candidate
    raise AssertionError(f"no time outside quiet hours within days of {instant.isoformat()}")
