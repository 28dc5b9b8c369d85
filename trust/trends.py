"""The long view: daily aggregates from SQL, then weeks, months, rolling averages and summaries."""
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func


from .adherence import daily_adherence, first_counted_day
from .scoping import scoped
from .models import CheckIn, ComfortEntry, Condition, ConditionEvent, ReassuranceRequest, SpacePeriod, TogetherEntry

RANGES = {"4w": 28, "3m": 91, "1y": 365, "all": None}
WINDOWS = (7, 30, 90)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @cached_property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def period_for(range_key: str, end: date | None, started_on: date, today: date) -> Period:
    """The days a range shows, ending on `end` (default today), never before the couple started."""
    end = min(end or today, today)
    length = RANGES.get(range_key)
    start = started_on if length is None else max(started_on, end - timedelta(days=length - 1))
    return Period(min(start, end), end)


def earlier(period: Period, range_key: str, started_on: date) -> date | None:
    """The end date of the period before this one, or None at the beginning."""
    if RANGES.get(range_key) is None or period.start <= started_on:
        return None
    return period.start - timedelta(days=1)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def bucket_for(period: "Period"):
    """Weeks for up to about a year, months beyond: a phone shows a few hundred bars at most."""
    return week_start if len(period.days) <= 400 else month_start


# --- SQL: one row per day, never one per entry --------------------------------------------------


def comfort_by_day(db, couple_id: int, author_id: int, start: date, end: date, include_private: bool) -> dict:
    """{day: (sum of levels, number of entries)} for one author's comfort entries."""
    query = (
        scoped(ComfortEntry, couple_id, ComfortEntry.local_date, func.sum(ComfortEntry.level), func.count())
        .where(ComfortEntry.author_id == author_id,
               ComfortEntry.local_date >= start, ComfortEntry.local_date <= end)
        .group_by(ComfortEntry.local_date)
    )
    if not include_private:
        query = query.where(ComfortEntry.private.is_(False))
    return {day: (int(total), int(count)) for day, total, count in db.exec(query)}


def checkins_by_day(db, couple_id: int, start: date, end: date) -> dict:
    """{day: Counter(kind: n)} of check-ins."""
    rows = db.exec(
        scoped(CheckIn, couple_id, CheckIn.local_date, CheckIn.kind, func.count())
        .where(CheckIn.local_date >= start, CheckIn.local_date <= end)
        .group_by(CheckIn.local_date, CheckIn.kind)
    )
    result = {}
    for day, kind, count in rows:
        result.setdefault(day, Counter())[kind] = int(count)
    return result


def together_by_day(db, couple_id: int, start: date, end: date) -> dict:
    rows = db.exec(
        scoped(TogetherEntry, couple_id, TogetherEntry.happened_on, func.sum(TogetherEntry.minutes))
        .where(TogetherEntry.happened_on >= start, TogetherEntry.happened_on <= end)
        .group_by(TogetherEntry.happened_on)
    )
    return {day: int(minutes) for day, minutes in rows}


def first_linked_checkin_by_day(db, couple_id: int, start: date, end: date) -> dict:
    """{(condition id, day): earliest linked check-in that day} — enough to judge a daily deadline."""
    rows = db.exec(
        scoped(CheckIn, couple_id, CheckIn.condition_id, CheckIn.local_date, func.min(CheckIn.created_at))
        .where(CheckIn.condition_id.is_not(None), CheckIn.local_date >= start, CheckIn.local_date <= end)
        .group_by(CheckIn.condition_id, CheckIn.local_date)
    )
    return {(cid, day): first for cid, day, first in rows}


# --- pure functions over daily aggregates -------------------------------------------------------------


def rolling_average(daily: dict, days: list[date], window: int) -> list[float | None]:
    """For each day, the mean of every entry in the `window` calendar days ending that day.

    Days without entries add nothing; a window with no entries at all has no value (a gap
    in the line, not a zero).
    """
    if not days:
        return []
    # Running sums over every calendar day from the first window's start: linear in the days shown.
    first = days[0] - timedelta(days=window - 1)
    span = (days[-1] - first).days + 1
    day_totals, day_counts = [0] * span, [0] * span
    for day, (total, count) in daily.items():
        offset = (day - first).days
        if 0 <= offset < span:
            day_totals[offset], day_counts[offset] = total, count
    totals, counts = [0], [0]
    for total, count in zip(day_totals, day_counts):
        totals.append(totals[-1] + total)
        counts.append(counts[-1] + count)
    result = []
    for day in days:
        end = (day - first).days + 1
        count = counts[end] - counts[max(0, end - window)]
        total = totals[end] - totals[max(0, end - window)]
        result.append(round(total / count, 2) if count else None)
    return result


def daily_means(daily: dict, days: list[date]) -> list[float | None]:
    return [round(daily[d][0] / daily[d][1], 2) if d in daily else None for d in days]


def weekly_means(daily: dict, period: Period, bucket=week_start) -> list[tuple[date, float | None]]:
    weeks = {start: [0, 0] for start in buckets(period, bucket)}
    for day, (total, count) in daily.items():
        if period.start <= day <= period.end:
            weeks[bucket(day)][0] += total
            weeks[bucket(day)][1] += count
    return [(week, round(t / c, 2) if c else None) for week, (t, c) in sorted(weeks.items())]


def buckets(period: Period, bucket) -> list[date]:
    """The first day of every week (or month) the period touches."""
    first, result = bucket(period.start), []
    while first <= period.end:
        result.append(first)
        first = bucket(first + timedelta(days=7 if bucket is week_start else 32))
    return result


def weekly_checkins(by_day: dict, period: Period, bucket=week_start) -> list[tuple[date, Counter]]:
    weeks = {start: Counter() for start in buckets(period, bucket)}
    for day, counts in by_day.items():
        if period.start <= day <= period.end:
            weeks[bucket(day)].update(counts)
    return sorted(weeks.items())


def weekly_minutes(by_day: dict, period: Period, bucket=week_start) -> list[tuple[date, int]]:
    weeks = dict.fromkeys(buckets(period, bucket), 0)
    for day, minutes in by_day.items():
        if period.start <= day <= period.end:
            weeks[bucket(day)] += minutes
    return sorted(weeks.items())


def monthly_keeping(conditions, first_by_day: dict, slips: list[date], zone: ZoneInfo, period: Period, now: datetime):
    """[(first of month, kept, missed, slips)] for daily conditions over the period."""
    months = {}
    for day in period.days:
        months.setdefault(day.replace(day=1), [0, 0, 0])
    for condition in conditions:
        if not condition.due_time or condition.accepted_at is None:
            continue
        due = time.fromisoformat(condition.due_time)
        first = max(period.start, first_counted_day(condition.accepted_at, due, zone))
        last = period.end
        if condition.ended_at is not None:
            last = min(last, condition.ended_at.astimezone(zone).date())
        if first > last:
            continue
        moments = [m for (cid, _day), m in first_by_day.items() if cid == condition.id]
        for day, status in daily_adherence(due, zone, first, last, moments, now):
            if status != "pending":
                months[day.replace(day=1)][0 if status == "kept" else 1] += 1
    for day in slips:
        if day.replace(day=1) in months:
            months[day.replace(day=1)][2] += 1
    return [(month, *counts) for month, counts in sorted(months.items())]


def comfort_summary(daily: dict, today: date) -> str | None:
    """A plain sentence comparing the last month with three months before — no judgement, no promise."""
    recent = rolling_average(daily, [today], 30)[0]
    before = rolling_average(daily, [today - timedelta(days=91)], 30)[0]
    if recent is None or before is None:
        return None
    spread_now = spread(daily, today)
    spread_then = spread(daily, today - timedelta(days=91))
    if recent - before >= 0.75:
        return "higher"
    if before - recent >= 0.75:
        return "harder"
    if spread_now is not None and spread_then is not None and spread_now + 0.5 < spread_then:
        return "steadier"
    return "similar"


def spread(daily: dict, end: date) -> float | None:
    means = [v[0] / v[1] for d, v in daily.items() if end - timedelta(days=29) <= d <= end]
    if len(means) < 5:
        return None
    average = sum(means) / len(means)
    return (sum((m - average) ** 2 for m in means) / len(means)) ** 0.5


# --- markers ----------------------------------------------------------------------------------------


def markers(db, couple_id: int, zone: ZoneInfo, period: Period) -> list[tuple[date, str]]:
    """Condition changes, slips, reassurance requests and space periods in the period, by local day."""
    start = datetime.combine(period.start, time(0), tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=zone)
    found = []
    for event in db.exec(
        scoped(ConditionEvent, couple_id).where(ConditionEvent.created_at >= start,
                                     ConditionEvent.created_at < end,
                                     ConditionEvent.kind.in_(("accepted", "slip")))
    ):
        found.append((event.created_at.astimezone(zone).date(), "slip" if event.kind == "slip" else "condition"))
    for event in db.exec(
        scoped(ConditionEvent, couple_id).where(ConditionEvent.decided_at >= start,
                                     ConditionEvent.decided_at < end, ConditionEvent.state == "accepted")
    ):
        found.append((event.decided_at.astimezone(zone).date(), "condition"))
    for request in db.exec(
        scoped(ReassuranceRequest, couple_id).where(ReassuranceRequest.created_at >= start,
                                                   ReassuranceRequest.created_at < end)
    ):
        found.append((request.created_at.astimezone(zone).date(), "reassurance"))
    for space in db.exec(
        scoped(SpacePeriod, couple_id).where(SpacePeriod.starts_at < end, SpacePeriod.ends_at >= start)
    ):
        found.append((max(space.starts_at.astimezone(zone).date(), period.start), "space"))
    return sorted(set(found))


def slip_days(db, couple_id: int, zone: ZoneInfo, period: Period) -> list[date]:
    return [d for d, kind in markers(db, couple_id, zone, period) if kind == "slip"]


def daily_conditions(db, couple_id: int):
    return db.exec(
        scoped(Condition, couple_id).where(Condition.due_time.is_not(None), Condition.accepted_at.is_not(None))
    ).all()
