"""Trends: hand-computed aggregates, DST days, gaps, privacy, sharing choices, the page and its CSV."""
import csv
import io
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from trust.demo import build_demo
from trust.models import CheckIn, ComfortEntry, Condition, Couple, User
from trust.trends import (
    Period, checkins_by_day, comfort_by_day, comfort_summary, earlier, monthly_keeping, period_for, rolling_average,
    weekly_means,
)

UTC = timezone.utc
D = date(2026, 3, 2)  # a Monday


def day(n):
    return D + timedelta(days=n)


def test_rolling_average_counts_entries_not_days_and_leaves_gaps_empty():
    daily = {day(0): (10, 2), day(2): (6, 1)}  # two entries of 5, one of 6, nothing on day 1
    days = [day(n) for n in range(6)]
    assert rolling_average(daily, days, 3) == [5.0, 5.0, 5.33, 6.0, 6.0, None]
    assert rolling_average(daily, days, 1) == [5.0, None, 6.0, None, None, None]
    assert rolling_average({}, days, 7) == [None] * 6


def test_weekly_means_skip_empty_weeks():
    daily = {day(0): (4, 1), day(6): (8, 1), day(14): (3, 1)}
    assert weekly_means(daily, Period(day(0), day(20))) == [(day(0), 6.0), (day(7), None), (day(14), 3.0)]


def test_periods_and_going_back():
    started, today = date(2025, 1, 10), date(2026, 3, 2)
    assert period_for("4w", None, started, today) == Period(date(2026, 2, 3), today)
    assert period_for("all", None, started, today) == Period(started, today)
    assert period_for("3m", date(2030, 1, 1), started, today).end == today  # never the future
    assert period_for("1y", date(2025, 2, 1), started, today).start == started  # never before the start
    back = earlier(period_for("4w", None, started, today), "4w", started)
    assert back == date(2026, 2, 2)
    assert earlier(period_for("all", None, started, today), "all", started) is None


def test_monthly_keeping_by_hand():
    zone = ZoneInfo("Asia/Tokyo")
    condition = Condition(id=1, couple_id=1, proposed_by=1, text="x", due_time="22:00", review_on=D,
                          accepted_at=datetime(2026, 1, 30, 0, 0, tzinfo=UTC))  # 09:00 on 30 Jan in Tokyo
    on_time = {(1, date(2026, 1, 30)): datetime(2026, 1, 30, 12, 0, tzinfo=UTC),  # 21:00
               (1, date(2026, 2, 1)): datetime(2026, 2, 1, 13, 30, tzinfo=UTC)}  # 22:30: late
    now = datetime(2026, 2, 2, 14, 0, tzinfo=UTC)  # 23:00 on 2 Feb
    result = monthly_keeping([condition], on_time, [date(2026, 2, 1)], zone, Period(date(2026, 1, 29), date(2026, 2, 2)), now)
    # January: 30th kept, 31st missed; February: 1st (late) and 2nd missed, one slip noted.
    assert result == [(date(2026, 1, 1), 1, 1, 0), (date(2026, 2, 1), 0, 2, 1)]


def test_comfort_summary_compares_with_three_months_before():
    today = date(2026, 6, 30)
    then = today - timedelta(days=91)
    low = {then - timedelta(days=n): (3, 1) for n in range(30)}
    high = {today - timedelta(days=n): (6, 1) for n in range(30)}
    assert comfort_summary({**low, **high}, today) == "higher"
    assert comfort_summary({**{k: (8, 1) for k in low}, **high}, today) == "harder"
    assert comfort_summary(high, today) is None


def test_sql_aggregates_group_by_the_couples_day_across_dst(app, people, db):
    hana = people["hana"]
    couple = db.get(Couple, hana.couple_id)
    couple.timezone = "Europe/Berlin"
    db.add(couple)
    db.commit()
    zone = ZoneInfo("Europe/Berlin")
    moments = [
        datetime(2026, 3, 29, 23, 30, tzinfo=zone),  # the 23-hour day, late evening
        datetime(2026, 3, 29, 1, 30, tzinfo=zone),  # before the gap
        datetime(2026, 3, 30, 0, 10, tzinfo=zone),  # just after midnight: the next day
    ]
    for level, moment in zip((4, 6, 9), moments):
        db.add(ComfortEntry(couple_id=couple.id, author_id=hana.id, level=level, created_at=moment.astimezone(UTC)))
    db.add(ComfortEntry(couple_id=couple.id, author_id=hana.id, level=0, private=True,
                        created_at=datetime(2026, 3, 29, 12, tzinfo=zone).astimezone(UTC)))
    db.add(CheckIn(couple_id=couple.id, author_id=people["ren"].id, kind="report", body="x",
                   created_at=datetime(2026, 3, 29, 23, 59, tzinfo=zone).astimezone(UTC)))
    db.commit()
    shared = comfort_by_day(db, couple.id, hana.id, date(2026, 3, 28), date(2026, 3, 31), include_private=False)
    assert shared == {date(2026, 3, 29): (10, 2), date(2026, 3, 30): (9, 1)}
    mine = comfort_by_day(db, couple.id, hana.id, date(2026, 3, 28), date(2026, 3, 31), include_private=True)
    assert mine[date(2026, 3, 29)] == (10, 3)
    assert checkins_by_day(db, couple.id, date(2026, 3, 29), date(2026, 3, 29)) == {date(2026, 3, 29): {"report": 1}}
    # Another couple's rows never count.
    assert comfort_by_day(db, people["other"].id, hana.id, date(2026, 3, 28), date(2026, 3, 31), True) == {}


def test_a_day_with_no_entries_is_absent_not_zero(app, people, db):
    assert comfort_by_day(db, people["couple"].id, people["hana"].id, date(2026, 1, 1), date(2026, 12, 31), True) == {}


@pytest.fixture
def demo(app, db):
    """Two years of demo history for one couple; returns its users."""
    with app.test_request_context():
        password = build_demo(db, 2, datetime.now(UTC))
    return password, {u.username: u for u in db.exec(select(User))}


def login(app, username, password):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": password}).status_code == 302
    return client


def visible_text(html):
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style|svg)[^>]*>.*?</\1>", " ", html, flags=re.S))


@pytest.mark.parametrize("range_key", ["4w", "3m", "1y", "all"])
def test_the_page_for_each_range_never_shows_a_percentage_or_an_end(app, demo, range_key):
    password, _users = demo
    page = login(app, "demo-hurt", password).get(f"/trends?range={range_key}")
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    assert "%" not in text and "complete" not in text.lower() and "remaining" not in text.lower()
    assert "Day " in text and "<svg" in page.get_data(as_text=True)


def test_going_back_a_period(app, demo):
    password, _users = demo
    client = login(app, "demo-hurt", password)
    html = client.get("/trends?range=4w").get_data(as_text=True)
    back = re.search(r'href="(/trends\?range=4w&amp;end=[0-9-]+)" rel="prev"', html).group(1).replace("&amp;", "&")
    older = client.get(back)
    assert older.status_code == 200 and 'rel="next"' in older.get_data(as_text=True)


def test_bad_parameters(app, demo):
    password, _users = demo
    client = login(app, "demo-hurt", password)
    assert client.get("/trends?end=yesterday").status_code == 400
    assert client.get("/trends?range=forever").status_code == 200


def test_private_entries_stay_out_of_what_the_partner_sees(app, demo, db):
    password, users = demo
    hurt = users["demo-hurt"]
    rows = lambda client: list(csv.DictReader(io.StringIO(client.get("/trends.csv?range=all").get_data(as_text=True))))  # noqa: E731
    mine = {r["date"]: r for r in rows(login(app, "demo-hurt", password))}
    theirs = {r["date"]: r for r in rows(login(app, "demo-rebuilding", password))}
    private_days = {e.local_date.isoformat() for e in db.exec(select(ComfortEntry).where(ComfortEntry.private, ComfortEntry.author_id == hurt.id))}
    assert private_days
    differing = [d for d in private_days if d in mine and mine[d]["comfort_entries"] != theirs[d]["comfort_entries"]]
    assert sorted(differing) == sorted(d for d in private_days if d in mine)
    assert sum(int(r["reports"]) for r in mine.values()) == sum(int(r["reports"]) for r in theirs.values()) > 0


def test_the_hurt_partner_chooses_what_the_rebuilding_partner_sees(app, demo, db):
    password, _users = demo
    hurt, rebuilding = login(app, "demo-hurt", password), login(app, "demo-rebuilding", password)
    assert "Every day so far" in rebuilding.get("/trends").get_data(as_text=True)
    hurt.post("/comfort/sharing", data={"sharing": "weekly"})
    page = rebuilding.get("/trends").get_data(as_text=True)
    assert "Every day so far" not in page and "Weekly averages" in page
    assert all(r["comfort_average"] == "" for r in csv.DictReader(io.StringIO(rebuilding.get("/trends.csv").get_data(as_text=True))))
    assert "Weekly averages" in rebuilding.get("/comfort").get_data(as_text=True)
    hurt.post("/comfort/sharing", data={"sharing": "none"})
    page = rebuilding.get("/trends").get_data(as_text=True)
    assert "keeps their comfort to themselves" in page and "<figure>\n    <svg" not in page.split("報連相")[0]
    assert hurt.post("/comfort/sharing", data={"sharing": "everything"}).status_code == 400
    assert rebuilding.post("/comfort/sharing", data={"sharing": "daily"}).status_code == 403
    assert "Every day so far" in hurt.get("/trends").get_data(as_text=True)  # the author always sees their own


def test_the_demo_is_realistic_and_recreatable(app, demo, db):
    password, users = demo
    couple = db.get(Couple, users["demo-hurt"].couple_id)
    entries = db.exec(select(ComfortEntry).where(ComfortEntry.couple_id == couple.id)).all()
    assert len(entries) > 500 and len({e.level for e in entries}) > 6
    first_year = [e.level for e in entries if e.local_date < couple.started_on + timedelta(days=120)]
    last_months = [e.level for e in entries if e.local_date > date.today() - timedelta(days=120)]
    assert sum(last_months) / len(last_months) > sum(first_year) / len(first_year) + 1  # uneven, but better
    with app.test_request_context():
        build_demo(db, 1, datetime.now(UTC))
    assert len(db.exec(select(Couple)).all()) == 1


def test_a_new_entry_shows_at_once_despite_the_page_cache(ren, hana, db):
    assert "0 check-ins in this period." in hana.get("/trends").get_data(as_text=True)
    ren.post("/checkins/new", data={"kind": "report", "body": "x"}, content_type="multipart/form-data")
    assert "1 check-in in this period." in hana.get("/trends").get_data(as_text=True)
    hana.post("/comfort", data={"level": "7"})
    assert "Every day so far" in hana.get("/trends").get_data(as_text=True)
