"""What the scheduler decides, as small pure functions over plain values (no database, no clock).

* Working hours: is a team open now, when does it open next, and how far back must a case have
  started waiting to have waited N minutes of the team's working time (`working_cutoff`): the
  scheduler turns every step of the ladder into one such instant per team and lets an indexed
  query find the cases that started waiting before it.
* The ladder: which steps a team's service levels switch on, in order (`unclaimed_ladder`,
  `stalled_ladder`).
* The waiting customer: their expected wait from their place in the queue and the team's recent
  pick-up times.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Sequence
from zoneinfo import ZoneInfo

from routing.config import ServiceLevels, WorkingHours

Week = tuple[tuple[tuple[int, int], ...], ...]   # per weekday (Monday first): (start, end) minutes after midnight
MAX_DAYS_SEARCHED = 400                          # a year of holidays and closed days, and then some
DEFAULT_PICK_UP_SECONDS = 180.0                  # expected wait per place in the queue with no history yet
RECENT_PICK_UPS = 20                             # how many of a team's last claims the estimate uses

# The steps, by name (stored in the reminder table) and by rung (the case's ladder_step after it).
REMIND, REMIND_LOUDLY, ESCALATE = "remind", "remind_loudly", "escalate"
NUDGE, OFFER_BACK = "nudge", "offer_back"
ABANDON = "abandon"


@dataclass(frozen=True)
class Hours:
    """A team's working hours, ready to compute with."""
    zone: ZoneInfo
    week: Week
    holidays: frozenset[date]

    @classmethod
    def of(cls, config: WorkingHours | None) -> "Hours | None":
        if config is None:
            return None
        return cls(ZoneInfo(config.time_zone), config.week(), frozenset(config.holidays))

    def spans_on(self, day: date) -> tuple[tuple[int, int], ...]:
        return () if day in self.holidays else self.week[day.weekday()]


def _local(hours: Hours, day: date, minute: int) -> datetime:
    """The instant of `minute` after midnight of `day` in the team's zone (24:00 is the next midnight)."""
    start = datetime.combine(day, time(0), tzinfo=hours.zone)
    return (start + timedelta(minutes=minute)).astimezone(timezone.utc)


def _open_spans(hours: Hours, day: date) -> list[tuple[datetime, datetime]]:
    return [(_local(hours, day, start), _local(hours, day, end)) for start, end in hours.spans_on(day)]


def is_open(hours: Hours | None, at: datetime) -> bool:
    if hours is None:
        return True
    day = at.astimezone(hours.zone).date()
    return any(start <= at < end for start, end in _open_spans(hours, day))


def next_opening(hours: Hours | None, at: datetime) -> datetime | None:
    """When the team next opens after `at` (`at` itself when open); None if it never opens again."""
    if hours is None or is_open(hours, at):
        return at
    day = at.astimezone(hours.zone).date()
    for offset in range(MAX_DAYS_SEARCHED):
        for start, _end in _open_spans(hours, day + timedelta(days=offset)):
            if start > at:
                return start
    return None


def working_cutoff(hours: Hours | None, now: datetime, minutes: float) -> datetime | None:
    """The instant T such that the team was open for `minutes` between T and `now`: a case that started
    waiting at or before T has waited that long in working time. None when the team is closed now
    (nobody is woken) or was not open that long in the searched past."""
    needed = timedelta(minutes=minutes)
    if hours is None:
        return now - needed
    if not is_open(hours, now):
        return None
    day = now.astimezone(hours.zone).date()
    for offset in range(MAX_DAYS_SEARCHED):
        for start, end in reversed(_open_spans(hours, day - timedelta(days=offset))):
            if start >= now:
                continue
            end = min(end, now)
            if end - start >= needed:
                return end - needed
            needed -= end - start
    return None


def unclaimed_ladder(levels: ServiceLevels) -> list[tuple[int, str, float]]:
    """(rung, step, minutes) of the steps switched on for a case nobody has claimed, in order."""
    steps = [(1, REMIND, levels.remind_after_minutes), (2, REMIND_LOUDLY, levels.remind_loudly_after_minutes),
             (3, ESCALATE, levels.escalate_after_minutes)]
    return [(rung, step, minutes) for rung, step, minutes in steps if minutes is not None]


def stalled_ladder(levels: ServiceLevels) -> list[tuple[int, str, float]]:
    """(rung, step, minutes) for a claimed case whose customer is waiting for a reply."""
    steps = [(1, NUDGE, levels.nudge_after_minutes), (2, OFFER_BACK, levels.offer_back_after_minutes)]
    return [(rung, step, minutes) for rung, step, minutes in steps if minutes is not None]


def typical_pick_up(waits: Sequence[float]) -> float:
    """Seconds a case of this team usually waits to be claimed: the median of its recent pick-ups."""
    waits = [wait for wait in waits if wait >= 0][:RECENT_PICK_UPS]
    return statistics.median(waits) if waits else DEFAULT_PICK_UP_SECONDS


def expected_wait_minutes(position: int, typical_seconds: float, waited_seconds: float = 0.0) -> int:
    """Whole minutes the customer at `position` (1 = next) can expect to wait from now, at least 1:
    the cases ahead are taken about one typical pick-up apart, less what this customer already waited."""
    remaining = max(0.0, position * typical_seconds - max(0.0, waited_seconds))
    return max(1, math.ceil(remaining / 60))
