"""Adherence: whether a "daily by HH:MM" condition was kept each day, in the couple's zone."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .models import CheckIn, Condition, Couple
from .scoping import scoped

ADHERENCE_DAYS = 28


def local_deadline(day: date, due: time, zone: ZoneInfo) -> datetime:
    """The instant (UTC) the wall clock in `zone` shows `due` on `day`."""
    return datetime.combine(day, due, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def first_counted_day(accepted_at: datetime, due: time, zone: ZoneInfo) -> date:
    """The first day a daily condition is due: the day of acceptance only if accepted before its deadline."""
    day = accepted_at.astimezone(zone).date()
    return day if accepted_at < local_deadline(day, due, zone) else day + timedelta(days=1)


def daily_adherence(
    due: time,
    zone: ZoneInfo,
    first_day: date,
    last_day: date,
    checkin_times: list[datetime],
    now: datetime,
) -> list[tuple[date, str]]:
    """Kept, missed or pending for each local day from `first_day` to `last_day` (inclusive).

    A day is kept when a linked check-in was posted on that local day at or before the
    deadline; missed once its deadline has passed without one; pending until then. Days are
    the couple's calendar days, so a check-in at 00:30 local counts for the new day however
    far that is from midnight UTC, and a 23-hour or 25-hour DST day is still one day.
    """
    kept_days = set()
    for moment in checkin_times:
        local = moment.astimezone(zone)
        if moment <= local_deadline(local.date(), due, zone):
            kept_days.add(local.date())
    result = []
    day = first_day
    while day <= last_day:
        if day in kept_days:
            status = "kept"
        elif local_deadline(day, due, zone) < now:
            status = "missed"
        else:
            status = "pending"
        result.append((day, status))
        day += timedelta(days=1)
    return result


def tally(days: list[tuple[date, str]]) -> dict:
    counts = {"kept": 0, "missed": 0, "pending": 0}
    for _day, status in days:
        counts[status] += 1
    return counts


def adherence_for(db, condition: Condition, couple: Couple, now: datetime, days=ADHERENCE_DAYS):
    """The recent kept/missed days of an active daily condition, or None when it has no cadence."""
    if not condition.due_time or condition.accepted_at is None:
        return None
    zone = ZoneInfo(couple.timezone)
    due = time.fromisoformat(condition.due_time)
    end = condition.ended_at or now
    last_day = end.astimezone(zone).date()
    first_day = max(first_counted_day(condition.accepted_at, due, zone), last_day - timedelta(days=days - 1))
    if first_day > last_day:
        return []
    window_start = local_deadline(first_day, time(0, 0), zone)
    linked = db.exec(
        scoped(CheckIn, condition.couple_id).where(
            CheckIn.condition_id == condition.id, CheckIn.created_at >= window_start
        )
    ).all()
    return daily_adherence(due, zone, first_day, last_day, [c.created_at for c in linked], now)
