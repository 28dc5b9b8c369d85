"""The dispatcher: fire due reminders and nudges exactly once, then send queued pushes.

Every firing is claimed with a conditional UPDATE and recorded as a Delivery with a unique
key, so a second dispatcher, a restart or a missed minute never sends twice. Each claim
runs in a transaction that starts with its write: on SQLite a transaction that read first
could not take the write lock once another process had written.
"""
import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .comfort import active_space
from .adherence import adherence_for
from .db import claim
from .models import CheckIn, Condition, Couple, Delivery, ReminderRule, User
from .notices import notify
from .push import send_queued
from .reminders import in_quiet_hours, next_due, parse_times, parse_weekdays

log = logging.getLogger("trust.dispatch")

# A prompt that could not be sent within this long after its time is skipped, not sent late.
LATE_AFTER = timedelta(hours=1)
OVERDUE_REPEAT = timedelta(minutes=30)
OVERDUE_GIVE_UP = timedelta(hours=6)
# Nudges that push the rebuilding partner to reach out; "space" pauses them.
REACHING_OUT = {"checkin", "talk", "condition", "overdue"}
PROMPT_URLS = {"checkin": "/checkins/new", "comfort": "/comfort", "talk": "/", "condition": "/conditions"}


def dispatch_due(now: datetime, limit: int = 1000) -> int:
    """Fire every reminder and nudge due at `now`, send due pushes; returns how many fired."""
    with Session(current_app.extensions["trust.engine"], expire_on_commit=False) as db:
        with current_app.test_request_context():  # url_for and translations outside a request
            fired = fire_due_rules(db, now, limit) + nudge_overdue_contacts(db, now)
            send_queued(db, now)
    return fired


def fire_due_rules(db, now: datetime, limit: int) -> int:
    rows = db.exec(
        select(ReminderRule, User.timezone, Couple.timezone)
        .join(User, User.id == ReminderRule.user_id)
        .join(Couple, Couple.id == ReminderRule.couple_id)
        .where(ReminderRule.enabled, ReminderRule.next_due_at <= now)
        .order_by(ReminderRule.next_due_at)
        .limit(limit)
    ).all()
    # Plain copies: a rollback below expires ORM objects, and a reloaded next_due_at would
    # be tomorrow's firing, claimable and wrongly sent today.
    due = [(rule.model_copy(), rule.next_due_at, user_zone, couple_zone) for rule, user_zone, couple_zone in rows]
    db.commit()  # end the read; each claim below starts with its write
    fired = 0
    for rule, due_at, user_zone, couple_zone in due:
        zone = ZoneInfo(couple_zone if rule.kind == "condition" else user_zone)
        # The next firing after now: runs missed while the server was down are not replayed.
        following = next_due(parse_times(rule.times), parse_weekdays(rule.weekdays), zone, max(now, due_at))
        claimed = claim(
            db,
            update(ReminderRule)
            .where(ReminderRule.id == rule.id, ReminderRule.next_due_at == due_at, ReminderRule.enabled)
            .values(next_due_at=following),
        )
        if not claimed:
            db.rollback()
            continue
        outcome = decide(db, rule, due_at, now, zone)
        db.add(Delivery(couple_id=rule.couple_id, user_id=rule.user_id, key=f"rule:{rule.id}:{due_at.isoformat()}",
                        kind=rule.kind, due_at=due_at, outcome=outcome, created_at=now))
        if outcome == "sent":
            notify(db, couple_id=rule.couple_id, user_id=rule.user_id, kind=f"prompt_{rule.kind}",
                   url=PROMPT_URLS[rule.kind], now=now)
        if commit_once(db):
            fired += outcome == "sent"
            log.info("reminder %s (%s) due %s: %s", rule.id, rule.kind, due_at.isoformat(), outcome)
    return fired


def decide(db, rule: ReminderRule, due_at: datetime, now: datetime, zone: ZoneInfo) -> str:
    """Whether a claimed firing is sent, and if not, why: paused, late, quiet, space or not_needed."""
    user = db.get(User, rule.user_id)
    if not db.get(Couple, rule.couple_id).sharing_open:
        return "paused"
    if rule.kind == "condition":
        condition = db.get(Condition, rule.condition_id)
        if condition is None or condition.status != "active" or not condition.due_time:
            return "not_needed"
        deadline = datetime.combine(due_at.astimezone(zone).date(), time.fromisoformat(condition.due_time), tzinfo=zone)
        if now >= deadline:
            return "late"
        days = adherence_for(db, condition, db.get(Couple, rule.couple_id), now, days=1)
        if days and days[-1][1] == "kept":
            return "not_needed"
    elif now - due_at > LATE_AFTER:
        return "late"
    if rule.kind in REACHING_OUT and active_space(db, rule.couple_id, now) is not None:
        return "space"
    if in_quiet_hours(now, user.quiet_start, user.quiet_end, ZoneInfo(user.timezone)):
        return "quiet"
    return "sent"


def nudge_overdue_contacts(db, now: datetime) -> int:
    """Nudge the rebuilding partner once when a contact's expected end passes, and once more later."""
    overdue = [c.model_copy() for c in db.exec(
        select(CheckIn).where(
            CheckIn.kind == "contact",
            CheckIn.ended_at.is_(None),
            CheckIn.expected_end_at <= now,
            CheckIn.expected_end_at > now - OVERDUE_GIVE_UP,
        )
    )]
    keys = [f"overdue:{c.id}:{n}" for c in overdue for n in (1, 2)]
    done = set(db.exec(select(Delivery.key).where(Delivery.key.in_(keys)))) if keys else set()
    db.commit()
    fired = 0
    for checkin in overdue:
        stage = 2 if now >= checkin.expected_end_at + OVERDUE_REPEAT else 1
        key = f"overdue:{checkin.id}:{stage}"
        if key in done:
            continue
        delivery = Delivery(couple_id=checkin.couple_id, user_id=checkin.author_id, key=key, kind="overdue",
                            due_at=checkin.expected_end_at + (OVERDUE_REPEAT if stage == 2 else timedelta(0)),
                            outcome="sent", created_at=now)
        db.add(delivery)
        try:
            db.flush()  # the unique key: another dispatcher got here first
        except IntegrityError:
            db.rollback()
            continue
        user = db.get(User, checkin.author_id)
        if not db.get(Couple, checkin.couple_id).sharing_open:
            delivery.outcome = "paused"
        elif active_space(db, checkin.couple_id, now) is not None:
            delivery.outcome = "space"
        elif in_quiet_hours(now, user.quiet_start, user.quiet_end, ZoneInfo(user.timezone)):
            delivery.outcome = "quiet"
        else:
            notify(db, couple_id=checkin.couple_id, user_id=user.id, kind="overdue",
                   url=url_for("checkins.show", checkin_id=checkin.id), now=now)
        if commit_once(db):
            fired += delivery.outcome == "sent"
            log.info("contact %s overdue, nudge %s: %s", checkin.id, stage, delivery.outcome)
    return fired


def commit_once(db) -> bool:
    """Commit a firing; False when its delivery key was already taken."""
    try:
        db.commit()
        return True
    except IntegrityError:
        db.rollback()
        return False
