"""The /trends page and its CSV: thin views over trust.trends and trust.charts."""
import csv
import io
import threading
from collections import OrderedDict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import select

from . import charts, trends
from .accounts import paired_required
from .conditions import couple_of
from .dashboard import day_number
from .db import get_db, utcnow
from .models import CheckIn, ComfortEntry, Condition, ConditionEvent, ReassuranceRequest, SpacePeriod, TogetherEntry, User
from .scoping import scoped

bp = Blueprint("trends", __name__)


def comfort_author(db, couple_id):
    return db.exec(select(User).where(User.couple_id == couple_id, User.role == "hurt")).first()


def load(range_key: str, end_raw: str | None):
    """Everything the page and the CSV show, aggregated per day in SQL."""
    db = get_db()
    couple = couple_of(current_user)
    zone = ZoneInfo(couple.timezone)
    now = utcnow()
    today = now.astimezone(zone).date()
    if range_key not in trends.RANGES:
        range_key = "3m"
    try:
        end = date.fromisoformat(end_raw) if end_raw else None
    except ValueError:
        abort(400)
    period = trends.period_for(range_key, end, couple.started_on, today)
    author = comfort_author(db, couple.id)
    own = author is not None and author.id == current_user.id
    sharing = "daily" if own else (author.comfort_sharing if author else "none")
    comfort = {}
    if author is not None and sharing != "none":
        comfort = trends.comfort_by_day(db, couple.id, author.id, period.start - timedelta(days=89), period.end, own)
    checkins = trends.checkins_by_day(db, couple.id, period.start, period.end)
    together = trends.together_by_day(db, couple.id, period.start, period.end)
    first_linked = trends.first_linked_checkin_by_day(db, couple.id, period.start, period.end)
    marks = trends.markers(db, couple.id, zone, period)
    keeping = trends.monthly_keeping(
        trends.daily_conditions(db, couple.id), first_linked, [d for d, k in marks if k == "slip"], zone, period, now
    )
    return dict(db=db, couple=couple, zone=zone, today=today, period=period, range_key=range_key, author=author,
                own=own, sharing=sharing, comfort=comfort, checkins=checkins, together=together, marks=marks,
                keeping=keeping)


def short_date(day):
    return format_date(day, "MMM d")


def month_label(day):
    return format_date(day, "MMM yyyy")


# Computed pages, keyed by everything they depend on: the viewer, the range, the couple's
# data (counts and latest changes of every table the page reads) and the time to five
# minutes (today's deadlines). Any new or changed row makes a new key.
CACHE_SIZE = 32
CACHE_LOCK = threading.Lock()


def page_cache() -> OrderedDict:
    return current_app.extensions.setdefault("trust.trends_cache", OrderedDict())


def data_token(db, couple_id: int):
    """A cheap fingerprint of the couple's data the page is computed from."""
    one = lambda model, *columns: tuple(db.connection().execute(scoped(model, couple_id, *columns)).one())  # noqa: E731
    return (
        one(CheckIn, func.count(), func.max(CheckIn.id)),
        one(ComfortEntry, func.count(), func.max(ComfortEntry.id)),
        one(TogetherEntry, func.count(), func.max(TogetherEntry.id)),
        one(ConditionEvent, func.count(), func.max(ConditionEvent.decided_at)),
        one(Condition, func.count(), func.max(Condition.accepted_at), func.max(Condition.ended_at)),
        one(ReassuranceRequest, func.count()),
        one(SpacePeriod, func.count(), func.max(SpacePeriod.ended_early_at)),
    )


@bp.get("/trends")
@paired_required
def index():
    db = get_db()
    couple = couple_of(current_user)
    author = comfort_author(db, couple.id)
    now = utcnow()
    key = (current_user.id, couple.timezone, couple.started_on, author.comfort_sharing if author else None,
           request.args.get("range", "3m"), request.args.get("end"), now.replace(second=0, microsecond=0,
           minute=now.minute - now.minute % 5), data_token(db, couple.id))
    cache = page_cache()
    with CACHE_LOCK:
        context = cache.get(key)
        if context is not None:
            cache.move_to_end(key)
    if context is None:
        context = compute(request.args.get("range", "3m"), request.args.get("end"))
        with CACHE_LOCK:
            cache[key] = context
            while len(cache) > CACHE_SIZE:
                cache.popitem(last=False)
    return render_template("trends/index.html", **context)


def compute(range_key, end_raw) -> dict:
    """Everything the page shows, as plain values and rendered charts."""
    data = load(range_key, end_raw)
    period, comfort, days = data["period"], data["comfort"], data["period"].days
    long_range = len(days) > 120
    label = short_date if not long_range else month_label
    daily = trends.daily_means(comfort, days)
    bucket = trends.bucket_for(period)
    by_month = bucket is trends.month_start
    bar_label = month_label if by_month else label
    weekly_comfort = trends.weekly_means(comfort, period, bucket)
    comfort_chart = heat = None
    if data["sharing"] == "daily" and comfort:
        comfort_chart = charts.comfort_chart(
            days, daily, {w: trends.rolling_average(comfort, days, w) for w in trends.WINDOWS}, data["marks"], label,
            _("Comfort by day with 7-, 30- and 90-day averages"),
        )
        history = trends.comfort_by_day(data["db"], data["couple"].id, data["author"].id, data["couple"].started_on,
                                        data["today"], data["own"])
        years = {}
        for day, (total, count) in history.items():
            years.setdefault(day.year, {})[day] = total / count
        heat = charts.heatmap(years, _("Comfort by day, one year per row"))
    elif data["sharing"] == "weekly" and comfort:
        weeks = [w for w, _v in weekly_comfort]
        comfort_chart = charts.stacked_bars(weeks, [("comfort", [v or 0 for _w, v in weekly_comfort])], bar_label,
                                            _("Weekly average comfort"), top=10)
    weekly_checkins = trends.weekly_checkins(data["checkins"], period, bucket)
    checkin_chart = charts.stacked_bars(
        [w for w, _c in weekly_checkins],
        [(kind, [c[kind] for _w, c in weekly_checkins]) for kind in ("report", "contact", "consult")],
        bar_label, _("Check-ins per month, by kind") if by_month else _("Check-ins per week, by kind"),
    )
    weekly_minutes = trends.weekly_minutes(data["together"], period, bucket)
    together_chart = charts.stacked_bars([w for w, _m in weekly_minutes], [("together", [m / 60 for _w, m in weekly_minutes])],
                                         bar_label, _("Hours together per month") if by_month else _("Hours together per week"))
    keeping = data["keeping"]
    keeping_chart = charts.stacked_bars(
        [m for m, *_rest in keeping], [("kept", [k for _m, k, _x, _s in keeping]), ("missed", [x for _m, _k, x, _s in keeping])],
        month_label, _("Daily conditions kept and missed per month"),
    ) if any(k or x for _m, k, x, _s in keeping) else None
    previous_end = trends.earlier(period, data["range_key"], data["couple"].started_on)
    later_end = period.end + timedelta(days=len(days)) if period.end < data["today"] else None
    return dict(
        **{k: data[k] for k in ("period", "range_key", "sharing", "own", "marks", "keeping", "today")},
        day_number=day_number(data["couple"].started_on, data["today"]),
        summary=trends.comfort_summary(comfort, period.end) if data["sharing"] == "daily" else None,
        comfort_chart=comfort_chart, heat=heat, checkin_chart=checkin_chart, together_chart=together_chart,
        keeping_chart=keeping_chart, weekly_comfort=weekly_comfort, weekly_checkins=weekly_checkins,
        weekly_minutes=weekly_minutes, daily_rows=[(d, v) for d, v in zip(days, daily) if v is not None],
        total_checkins=sum(sum(c.values()) for c in data["checkins"].values()),
        total_hours=round(sum(data["together"].values()) / 60, 1),
        previous_end=previous_end, later_end=min(later_end, data["today"]) if later_end else None,
        ranges=list(trends.RANGES),
        by_month=by_month,
    )


@bp.get("/trends.csv")
@paired_required
def download():
    """What the page shows, one row per day."""
    data = load(request.args.get("range", "3m"), request.args.get("end"))
    out = io.StringIO()
    writer = csv.writer(out)
    show_daily = data["sharing"] == "daily"
    writer.writerow(["date", "comfort_average", "comfort_entries", "reports", "contacts", "consults", "together_minutes"])
    for day in data["period"].days:
        total, count = data["comfort"].get(day, (0, 0))
        kinds = data["checkins"].get(day, {})
        writer.writerow([
            day.isoformat(),
            f"{total / count:.2f}" if count and show_daily else "",
            count if show_daily else "",
            kinds.get("report", 0), kinds.get("contact", 0), kinds.get("consult", 0),
            data["together"].get(day, 0),
        ])
    name = f"kotsukotsu-trends-{data['period'].start}-{data['period'].end}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
