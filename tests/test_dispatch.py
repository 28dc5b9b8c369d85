"""The dispatcher: each reminder and nudge exactly once, skipped when late, paused by space."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from support import make_couple
from trust import create_app
from trust.db import upgrade
from trust.dispatch import dispatch_due
from trust.models import CheckIn, Delivery, Notice, ReminderRule, SpacePeriod

UTC = timezone.utc
NOW = datetime(2027, 3, 2, 12, 0, 30, tzinfo=UTC)  # 21:00:30 in Tokyo


@pytest.fixture(autouse=True)
def nothing_else_due(people, db):
    """Only what a test makes due is due."""
    for rule in db.exec(select(ReminderRule)):
        rule.next_due_at = NOW + timedelta(days=10)
    db.commit()


def rule_of(db, user, kind):
    return db.exec(select(ReminderRule).where(ReminderRule.user_id == user.id, ReminderRule.kind == kind)).one()


def due_now(db, rule, at=NOW - timedelta(seconds=30)):
    rule.next_due_at = at
    db.add(rule)
    db.commit()


def notices(db, user):
    return [n.kind for n in db.exec(select(Notice).where(Notice.user_id == user.id).order_by(Notice.id))]


def dispatch(app, now=NOW):
    with app.app_context():
        return dispatch_due(now)


def test_a_due_reminder_fires_once_and_moves_to_the_next_day(app, people, db):
    ren = people["ren"]
    rule = rule_of(db, ren, "checkin")
    due_now(db, rule)
    assert dispatch(app) == 1
    assert dispatch(app) == 0
    assert notices(db, ren) == ["prompt_checkin"]
    db.refresh(rule)
    assert rule.next_due_at == NOW.replace(second=0) + timedelta(days=1)
    delivery = db.exec(select(Delivery)).one()
    assert delivery.outcome == "sent" and delivery.key == f"rule:{rule.id}:{(NOW - timedelta(seconds=30)).isoformat()}"


def test_a_run_missed_while_the_server_was_down_is_skipped_when_no_longer_useful(app, people, db):
    ren = people["ren"]
    rule = rule_of(db, ren, "checkin")
    due_now(db, rule, at=NOW - timedelta(days=2, hours=3))
    assert dispatch(app) == 0
    assert notices(db, ren) == []
    assert db.exec(select(Delivery)).one().outcome == "late"
    db.refresh(rule)
    assert rule.next_due_at > NOW


def test_a_run_missed_briefly_is_still_sent_once(app, people, db):
    ren = people["ren"]
    due_now(db, rule_of(db, ren, "checkin"), at=NOW - timedelta(minutes=20))
    assert dispatch(app) == 1
    assert notices(db, ren) == ["prompt_checkin"]


def test_space_pauses_reaching_out_but_not_the_comfort_prompt(app, people, db):
    ren, hana = people["ren"], people["hana"]
    db.add(SpacePeriod(couple_id=ren.couple_id, requested_by=hana.id, starts_at=NOW - timedelta(hours=1),
                       ends_at=NOW + timedelta(hours=5)))
    due_now(db, rule_of(db, ren, "checkin"))
    due_now(db, rule_of(db, ren, "talk"))
    due_now(db, rule_of(db, hana, "comfort"))
    dispatch(app)
    assert notices(db, ren) == []
    assert notices(db, hana) == ["prompt_comfort"]
    assert sorted(d.outcome for d in db.exec(select(Delivery))) == ["sent", "space", "space"]


def test_quiet_hours_hold_back_prompts(app, people, db):
    ren = people["ren"]
    ren.quiet_start, ren.quiet_end = "20:00", "07:00"
    db.add(ren)
    due_now(db, rule_of(db, ren, "checkin"))
    dispatch(app)
    assert notices(db, ren) == []
    assert db.exec(select(Delivery)).one().outcome == "quiet"


def test_a_condition_reminder_comes_while_the_day_is_not_yet_kept(app, people, db, sign_in):
    import time_machine

    with time_machine.travel(NOW - timedelta(hours=3), tick=False):
        ren, hana = sign_in("ren"), sign_in("hana")
        hana.post("/conditions/new", data={"text": "Report by 22:00", "due_time": "22:00", "review_on": "2027-05-01"})
        ren.post("/conditions/1/accept")
    dispatch(app)
    assert db.exec(select(Delivery)).one().outcome == "sent"
    assert notices(db, people["ren"])[-1] == "prompt_condition"


def test_a_kept_condition_day_gets_no_reminder(app, people, db, sign_in):
    import time_machine

    with time_machine.travel(NOW - timedelta(hours=3), tick=False):
        ren, hana = sign_in("ren"), sign_in("hana")
        hana.post("/conditions/new", data={"text": "Report by 22:00", "due_time": "22:00", "review_on": "2027-05-01"})
        ren.post("/conditions/1/accept")
        ren.post("/checkins/new", data={"kind": "report", "body": "Home early.", "condition": "1"},
                 content_type="multipart/form-data")
    rule = db.exec(select(ReminderRule).where(ReminderRule.kind == "condition")).one()
    db.refresh(rule)
    assert rule.next_due_at == NOW.replace(second=0)  # 21:00 Tokyo, an hour before the deadline
    dispatch(app)
    assert db.exec(select(Delivery)).one().outcome == "not_needed"
    assert "prompt_condition" not in notices(db, people["ren"])


def test_an_overdue_contact_nudges_once_then_once_more(app, people, db):
    ren = people["ren"]
    db.add(CheckIn(couple_id=ren.couple_id, author_id=ren.id, kind="contact", body="Dinner",
                   created_at=NOW - timedelta(hours=3), expected_end_at=NOW - timedelta(minutes=1)))
    db.commit()
    dispatch(app)
    dispatch(app, NOW + timedelta(minutes=10))
    assert notices(db, ren) == ["overdue"]
    dispatch(app, NOW + timedelta(minutes=31))
    dispatch(app, NOW + timedelta(minutes=50))
    assert notices(db, ren) == ["overdue", "overdue"]
    dispatch(app, NOW + timedelta(hours=3))
    assert notices(db, ren) == ["overdue", "overdue"]


def test_home_now_stops_the_nudges(app, people, db):
    ren = people["ren"]
    db.add(CheckIn(couple_id=ren.couple_id, author_id=ren.id, kind="contact", body="Dinner", created_at=NOW - timedelta(hours=3),
                   expected_end_at=NOW - timedelta(minutes=1), ended_at=NOW - timedelta(minutes=5)))
    db.commit()
    dispatch(app)
    assert notices(db, ren) == []


@pytest.fixture
def file_app(tmp_path):
    """An app on a SQLite file, so several threads and engines share one database."""
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    upgrade(url)
    app = create_app({"TESTING": True, "IGNORE_ENV": True, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url,
                      "SECRET_KEY": "x", "PASSWORD_HASH": "cheap"})
    return app


def seed_due_rules(app, count):
    with Session(app.extensions["trust.engine"], expire_on_commit=False) as db:
        couples = [make_couple(app, db, rebuilding=f"r{n}", hurt=f"h{n}") for n in range(count)]
        for rule in db.exec(select(ReminderRule)):
            rule.next_due_at = NOW - timedelta(seconds=10)
        db.commit()
        return couples


def test_two_dispatchers_racing_send_each_reminder_exactly_once(file_app):
    seed_due_rules(file_app, 15)  # 15 couples x 4 rules
    second = create_app({"TESTING": True, "IGNORE_ENV": True, "INSTANCE_PATH": file_app.instance_path,
                         "DATABASE_URL": file_app.config["DATABASE_URL"], "SECRET_KEY": "x"})
    barrier = threading.Barrier(2)
    errors = []

    def run(app):
        try:
            barrier.wait()
            for _ in range(3):
                dispatch(app)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(a,)) for a in (file_app, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(file_app.extensions["trust.engine"]) as db:
        deliveries = db.exec(select(Delivery)).all()
        assert len(deliveries) == 60 and len({d.key for d in deliveries}) == 60
        assert len(db.exec(select(Notice)).all()) == 60


def test_a_crash_in_the_middle_sends_nothing_twice(file_app, monkeypatch):
    seed_due_rules(file_app, 2)
    import trust.dispatch as dispatch_module

    calls = {"n": 0}
    real_notify = dispatch_module.notify

    def crash_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real_notify(*args, **kwargs)

    monkeypatch.setattr(dispatch_module, "notify", crash_on_third)
    with pytest.raises(RuntimeError):
        dispatch(file_app)
    monkeypatch.setattr(dispatch_module, "notify", real_notify)
    file_app.extensions["trust.engine"].dispose()  # a restart: fresh connections
    restarted = create_app({"TESTING": True, "IGNORE_ENV": True, "INSTANCE_PATH": file_app.instance_path,
                            "DATABASE_URL": file_app.config["DATABASE_URL"], "SECRET_KEY": "x"})
    dispatch(restarted)
    dispatch(restarted)
    with Session(restarted.extensions["trust.engine"]) as db:
        deliveries = db.exec(select(Delivery)).all()
        assert len(deliveries) == 8 and len({d.key for d in deliveries}) == 8
        assert len(db.exec(select(Notice)).all()) == 8
