"""Reminder times in each user's zone: DST days, weekdays, quiet hours, zone changes."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from trust.models import ReminderRule
from trust.reminders import in_quiet_hours, next_due, parse_times

UTC = timezone.utc


def firings(times, zone, start, end, weekdays=frozenset()):
    """Every firing between two instants, found the way the dispatcher walks: from each one to the next."""
    result, moment = [], start
    while True:
        moment = next_due(times, set(weekdays), zone, moment)
        if moment > end:
            return result
        result.append(moment)


@pytest.mark.parametrize(
    "zone_name, transition",
    [
        ("Europe/Berlin", date(2026, 3, 29)), ("Europe/Berlin", date(2026, 10, 25)),
        ("America/New_York", date(2026, 3, 8)), ("America/New_York", date(2026, 11, 1)),
        ("Asia/Tokyo", date(2026, 3, 29)), ("Asia/Tokyo", date(2026, 10, 25)),
    ],
)
@pytest.mark.parametrize("wall", [time(21, 0), time(21, 30), time(20, 0), time(2, 30), time(1, 30)])
def test_a_daily_reminder_fires_once_per_local_day_across_dst(zone_name, transition, wall):
    zone = ZoneInfo(zone_name)
    start = datetime.combine(transition - timedelta(days=2), time(0, 0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(transition + timedelta(days=2), time(23, 59), tzinfo=zone).astimezone(UTC)
    fired = firings([wall], zone, start, end)
    local_days = [f.astimezone(zone).date() for f in fired]
    assert local_days == [transition + timedelta(days=n) for n in range(-2, 3)]
    for moment in fired:
        local = moment.astimezone(zone)
        if (local.hour, local.minute) != (wall.hour, wall.minute):
            # Only a wall time that does not exist that day (the spring-forward gap) may move, by the gap.
            assert local.date() == transition and wall.hour in (1, 2) and local.hour == wall.hour + 1


def test_the_spring_forward_gap_fires_just_after_the_gap():
    zone = ZoneInfo("Europe/Berlin")
    after = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert next_due([time(2, 30)], set(), zone, after) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST


def test_a_repeated_fall_back_hour_fires_at_its_first_occurrence_only():
    zone = ZoneInfo("America/New_York")
    first = next_due([time(1, 30)], set(), zone, datetime(2026, 11, 1, 4, 0, tzinfo=UTC))
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert next_due([time(1, 30)], set(), zone, first).astimezone(zone).date() == date(2026, 11, 2)


def test_several_times_a_day_and_weekly_days():
    zone = ZoneInfo("Asia/Tokyo")
    start = datetime(2026, 3, 2, 0, 0, tzinfo=zone).astimezone(UTC)  # a Monday
    fired = firings([time(8, 0), time(21, 0)], zone, start, start + timedelta(days=1, hours=23))
    assert [f.astimezone(zone).strftime("%d %H:%M") for f in fired] == ["02 08:00", "02 21:00", "03 08:00", "03 21:00"]
    sundays = firings([time(20, 0)], zone, start, start + timedelta(days=14), weekdays={7})
    assert [f.astimezone(zone).strftime("%a %d") for f in sundays] == ["Sun 08", "Sun 15"]


def test_quiet_hours_may_cross_midnight():
    zone = ZoneInfo("Asia/Tokyo")
    at = lambda h, m=0: datetime(2026, 3, 2, h, m, tzinfo=zone).astimezone(UTC)  # noqa: E731
    assert in_quiet_hours(at(23), "22:00", "07:00", zone)
    assert in_quiet_hours(at(3), "22:00", "07:00", zone)
    assert not in_quiet_hours(at(7), "22:00", "07:00", zone)
    assert not in_quiet_hours(at(21, 59), "22:00", "07:00", zone)
    assert in_quiet_hours(at(13), "12:00", "14:00", zone)
    assert not in_quiet_hours(at(13), None, None, zone)


@pytest.mark.parametrize("raw", ["", "25:00", "9:00", "21:00,", "a,b", "08:00,09:00,10:00,11:00,12:00,13:00,14:00"])
def test_malformed_times_are_refused(raw):
    if raw == "21:00,":
        assert parse_times(raw) == [time(21, 0)]
        return
    with pytest.raises(ValueError):
        parse_times(raw)


def test_defaults_exist_for_both_partners(people, db):
    rules = {(r.user_id, r.kind): r for r in db.exec(select(ReminderRule))}
    ren, hana = people["ren"], people["hana"]
    assert rules[(ren.id, "checkin")].times == "21:00"
    assert rules[(hana.id, "comfort")].times == "21:30"
    assert rules[(ren.id, "talk")].weekdays == "7" and rules[(hana.id, "talk")].weekdays == "7"
    assert (hana.id, "checkin") not in rules


def test_changing_time_zone_moves_the_reminders(hana, db):
    rule = db.exec(select(ReminderRule).where(ReminderRule.user_id == hana.user.id, ReminderRule.kind == "comfort")).one()
    assert rule.next_due_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M") == "21:30"
    hana.post("/settings/profile", data={"display_name": "Hana", "language": "en", "timezone": "Europe/Berlin"})
    db.refresh(rule)
    assert rule.next_due_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "21:30"


def test_editing_a_rule_and_refusing_bad_times(ren, db):
    rule = db.exec(select(ReminderRule).where(ReminderRule.user_id == ren.user.id, ReminderRule.kind == "checkin")).one()
    response = ren.post(f"/settings/notifications/rules/{rule.id}", data={"times": "7pm", "enabled": "y"})
    assert response.status_code == 400 and "HH:MM" in response.get_data(as_text=True)
    db.refresh(rule)
    assert rule.times == "21:00"
    ren.post(f"/settings/notifications/rules/{rule.id}", data={"times": "20:30, 08:15", "enabled": "y"})
    db.refresh(rule)
    assert rule.times == "08:15,20:30" and rule.enabled
    ren.post(f"/settings/notifications/rules/{rule.id}", data={"times": "20:30"})
    db.refresh(rule)
    assert not rule.enabled and rule.next_due_at is None


def test_a_partner_cannot_edit_the_other_partners_rule(ren, hana, db):
    rule = db.exec(select(ReminderRule).where(ReminderRule.user_id == hana.user.id)).first()
    response = ren.post(f"/settings/notifications/rules/{rule.id}", data={"times": "03:00", "enabled": "y"})
    assert response.status_code == 403 and "belongs to your partner" in response.get_data(as_text=True)


def test_quiet_hours_are_validated(ren, db):
    assert ren.post("/settings/notifications/quiet", data={"quiet_start": "22:00", "quiet_end": ""}).status_code == 400
    assert ren.post("/settings/notifications/quiet", data={"quiet_start": "late", "quiet_end": "07:00"}).status_code == 400
    assert ren.post("/settings/notifications/quiet", data={"quiet_start": "22:00", "quiet_end": "07:00", "push_detail": "y"}).status_code == 302
    db.refresh(ren.user)
    assert (ren.user.quiet_start, ren.user.quiet_end, ren.user.push_detail) == ("22:00", "07:00", True)


def test_a_daily_condition_gets_a_reminder_an_hour_before_and_loses_it_when_retired(ren, hana, db):
    hana.post("/conditions/new", data={"text": "Report by 22:00", "due_time": "22:00",
                                       "review_on": (date.today() + timedelta(days=90)).isoformat()})
    ren.post("/conditions/1/accept")
    rule = db.exec(select(ReminderRule).where(ReminderRule.kind == "condition")).one()
    assert rule.user_id == ren.user.id and rule.times == "21:00" and rule.enabled
    ren.post("/conditions/1/changes", data={"kind": "retirement"})
    hana.post("/conditions/1/changes/3", data={"decision": "accepted"})
    db.refresh(rule)
    assert not rule.enabled and rule.next_due_at is None
