"""Domain functions: adherence in the couple's zone, grace period, invites, local times."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from trust.checkins import is_overdue, next_local_time, within_grace
from trust.adherence import daily_adherence, first_counted_day, local_deadline, tally
from trust.conditions import add_months
from trust.dashboard import day_number
from trust.models import CheckIn, Invite
from trust.pairing import invite_state

UTC = timezone.utc
TOKYO = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def local(zone, *args):
    return datetime(*args, tzinfo=zone).astimezone(UTC)


# --- adherence ---------------------------------------------------------------------------------


def test_a_checkin_just_after_local_midnight_counts_for_the_new_day():
    # 00:30 in Tokyo on 3 March is still 2 March in UTC.
    moment = local(TOKYO, 2026, 3, 3, 0, 30)
    assert moment.date() == date(2026, 3, 2)
    days = daily_adherence(time(22, 0), TOKYO, date(2026, 3, 2), date(2026, 3, 3), [moment], now=local(TOKYO, 2026, 3, 4, 12))
    assert days == [(date(2026, 3, 2), "missed"), (date(2026, 3, 3), "kept")]


def test_a_checkin_after_the_deadline_does_not_keep_the_day():
    late = local(TOKYO, 2026, 3, 2, 22, 1)
    on_time = local(TOKYO, 2026, 3, 3, 22, 0)
    days = daily_adherence(time(22, 0), TOKYO, date(2026, 3, 2), date(2026, 3, 3), [late, on_time], now=local(TOKYO, 2026, 3, 4))
    assert days == [(date(2026, 3, 2), "missed"), (date(2026, 3, 3), "kept")]


def test_today_is_pending_until_its_deadline_passes():
    now = local(BERLIN, 2026, 5, 10, 21, 59)
    assert daily_adherence(time(22, 0), BERLIN, date(2026, 5, 10), date(2026, 5, 10), [], now) == [(date(2026, 5, 10), "pending")]
    later = now + timedelta(minutes=2)
    assert daily_adherence(time(22, 0), BERLIN, date(2026, 5, 10), date(2026, 5, 10), [], later) == [(date(2026, 5, 10), "missed")]


@pytest.mark.parametrize(
    "zone, day",
    [
        (BERLIN, date(2026, 3, 29)),  # spring forward: a 23-hour day
        (BERLIN, date(2026, 10, 25)),  # fall back: a 25-hour day
        (NEW_YORK, date(2026, 3, 8)),
        (NEW_YORK, date(2026, 11, 1)),
    ],
)
def test_dst_days_are_single_days_with_the_deadline_at_local_wall_time(zone, day):
    before = local(zone, day.year, day.month, day.day, 21, 59)
    after = local(zone, day.year, day.month, day.day, 22, 1)
    prev, nxt = day - timedelta(days=1), day + timedelta(days=1)
    now = local(zone, nxt.year, nxt.month, nxt.day, 23)
    days = daily_adherence(time(22, 0), zone, prev, nxt, [before], now)
    assert days == [(prev, "missed"), (day, "kept"), (nxt, "missed")]
    days = daily_adherence(time(22, 0), zone, prev, nxt, [after], now)
    assert [status for _day, status in days] == ["missed", "missed", "missed"]
    # The deadline is 22:00 on the wall clock, whatever the offset that day.
    assert local_deadline(day, time(22, 0), zone).astimezone(zone).hour == 22


def test_an_early_morning_deadline_on_the_spring_forward_day_resolves_after_the_gap():
    # 02:30 does not exist in Berlin on 29 March 2026; the deadline is the first instant after.
    deadline = local_deadline(date(2026, 3, 29), time(2, 30), BERLIN)
    assert deadline == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    kept = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)  # 01:59 local, before the gap
    days = daily_adherence(time(2, 30), BERLIN, date(2026, 3, 29), date(2026, 3, 29), [kept], deadline + timedelta(hours=1))
    assert days == [(date(2026, 3, 29), "kept")]


def test_first_counted_day_skips_the_acceptance_day_after_its_deadline():
    assert first_counted_day(local(TOKYO, 2026, 3, 2, 21, 0), time(22, 0), TOKYO) == date(2026, 3, 2)
    assert first_counted_day(local(TOKYO, 2026, 3, 2, 22, 30), time(22, 0), TOKYO) == date(2026, 3, 3)


def test_tally_counts_each_status():
    days = [(date(2026, 1, 1), "kept"), (date(2026, 1, 2), "missed"), (date(2026, 1, 3), "kept"), (date(2026, 1, 4), "pending")]
    assert tally(days) == {"kept": 2, "missed": 1, "pending": 1}


def test_several_checkins_on_one_day_keep_it_once():
    moments = [local(TOKYO, 2026, 3, 2, h) for h in (8, 12, 20)]
    days = daily_adherence(time(22, 0), TOKYO, date(2026, 3, 2), date(2026, 3, 2), moments, local(TOKYO, 2026, 3, 3))
    assert tally(days) == {"kept": 1, "missed": 0, "pending": 0}


def test_review_dates_move_by_months_and_clamp_to_short_months():
    assert add_months(date(2026, 1, 15), 3) == date(2026, 4, 15)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


# --- check-ins -------------------------------------------------------------------------------------


def test_grace_period_is_ten_minutes_inclusive():
    created = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    checkin = CheckIn(couple_id=1, author_id=1, kind="report", body="x", created_at=created)
    grace = timedelta(minutes=10)
    assert within_grace(checkin, created + timedelta(minutes=10), grace)
    assert not within_grace(checkin, created + timedelta(minutes=10, seconds=1), grace)


def test_out_until_a_time_already_passed_today_means_tomorrow():
    now = local(TOKYO, 2026, 3, 2, 22, 0)
    assert next_local_time(time(23, 0), TOKYO, now) == local(TOKYO, 2026, 3, 2, 23, 0)
    assert next_local_time(time(1, 0), TOKYO, now) == local(TOKYO, 2026, 3, 3, 1, 0)


def test_out_until_across_the_fall_back_night_uses_the_wall_clock():
    now = local(BERLIN, 2026, 10, 24, 23, 0)
    end = next_local_time(time(4, 0), BERLIN, now)
    assert end.astimezone(BERLIN).hour == 4
    assert end - now == timedelta(hours=6)  # 23:00 → 04:00 across the extra hour


def test_a_contact_is_overdue_only_after_its_expected_end_without_home_now():
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    contact = CheckIn(couple_id=1, author_id=1, kind="contact", body="x", created_at=start,
                      expected_end_at=start + timedelta(hours=2))
    assert not is_overdue(contact, start + timedelta(hours=1))
    assert is_overdue(contact, start + timedelta(hours=3))
    contact.ended_at = start + timedelta(hours=2, minutes=30)
    assert not is_overdue(contact, start + timedelta(hours=3))


# --- invites and days -------------------------------------------------------------------------------


def test_invite_states():
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    invite = Invite(token_hash="x", created_at=now, expires_at=now + timedelta(hours=72))
    assert invite_state(None, now) == "unknown"
    assert invite_state(invite, now + timedelta(hours=71, minutes=59)) == "valid"
    assert invite_state(invite, now + timedelta(hours=72)) == "expired"
    invite.used_at = now + timedelta(hours=1)
    assert invite_state(invite, now + timedelta(hours=2)) == "used"


def test_day_number_counts_from_one_and_never_down():
    assert day_number(date(2026, 1, 5), date(2026, 1, 5)) == 1
    assert day_number(date(2026, 1, 5), date(2027, 1, 5)) == 366
    assert day_number(date(2026, 1, 5), date(2026, 1, 1)) == 1
