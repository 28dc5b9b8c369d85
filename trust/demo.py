"""A demo couple with years of realistic, uneven history, for trying the app, trends and benchmarks."""
import math
import random
import secrets
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import select

from .accounts import create_user
from .models import (
    CheckIn, ComfortEntry, Condition, ConditionEvent, Couple, Delivery, Invite, LoginAttempt, LoginSession, Notice,
    Photo, PushMessage, PushSubscription, Reaction, ReassuranceRequest, ReminderRule, SpacePeriod, TogetherEntry, User,
)
from .reminders import ensure_default_reminders, sync_condition_reminder

# Berlin, so the history crosses daylight-saving changes twice a year.
ZONE = "Europe/Berlin"
REPORTS = ["Finished work, heading home.", "Bought groceries: vegetables, rice, coffee.", "Lunch with the team at the usual place.",
           "Called my mother.", "Gym after work, about an hour.", "Paid the electricity bill.", "Read on the train.",
           "Had a short meeting with a client.", "Cooked dinner, the curry you like."]
CONTACTS = ["Work dinner near the station.", "Meeting ran late, leaving now.", "At the barber.", "Drinks with two colleagues.",
            "Stopping by the hardware store."]
CONSULTS = ["May I go to the class reunion on Saturday?", "Could I join the team trip next month?",
            "Is it all right if I meet an old friend for coffee?", "May I go to the after-party?"]
UTC = timezone.utc


def usernames(prefix: str) -> tuple[str, str]:
    return f"{prefix}-rebuilding", f"{prefix}-hurt"


def remove_demo(db, prefix: str = "demo"):
    """Delete the demo couple and everything it owns."""
    users = db.exec(select(User).where(User.username.in_(usernames(prefix)))).all()
    couple_ids = {u.couple_id for u in users if u.couple_id}
    user_ids = [u.id for u in users]
    for model in (PushMessage, PushSubscription, Notice, Delivery, ReminderRule, Reaction, Photo):
        db.exec(delete(model).where(model.couple_id.in_(couple_ids)))
    db.exec(delete(CheckIn).where(CheckIn.couple_id.in_(couple_ids), CheckIn.corrects_id.is_not(None)))
    for model in (CheckIn, ConditionEvent, Condition, ComfortEntry, ReassuranceRequest, SpacePeriod, TogetherEntry, Invite):
        db.exec(delete(model).where(model.couple_id.in_(couple_ids)))
    db.exec(delete(LoginSession).where(LoginSession.user_id.in_(user_ids)))
    db.exec(delete(LoginAttempt).where(LoginAttempt.username.in_(usernames(prefix))))
    db.exec(delete(User).where(User.id.in_(user_ids)))
    db.exec(delete(Couple).where(Couple.id.in_(couple_ids)))
    db.commit()


def at(day: date, hour: float, zone: ZoneInfo) -> datetime:
    minutes = int(hour * 60)
    return datetime.combine(day, time(minutes // 60 % 24, minutes % 60), tzinfo=zone).astimezone(UTC)


def comfort_level(day_index: int, setbacks: list[int], rng: random.Random) -> int:
    """Slow improvement from about 2 towards 7, with setbacks that take weeks to recover from."""
    base = 2 + 5 / (1 + math.exp(-(day_index - 500) / 220))
    for start in setbacks:
        if 0 <= day_index - start < 25:
            base -= 3 * (1 - (day_index - start) / 25)
    return max(0, min(10, round(base + rng.gauss(0, 1.2))))


def build_demo(db, years: float, now: datetime, seed: int = 7, prefix: str = "demo") -> str:
    """Create (or recreate) the demo couple with `years` of history ending at `now`; return its password."""
    remove_demo(db, prefix)
    rng = random.Random(seed)
    zone = ZoneInfo(ZONE)
    today = now.astimezone(zone).date()
    started = today - timedelta(days=int(365.25 * years))
    password = "-".join(secrets.token_hex(3) for _ in range(4))
    couple = Couple(started_on=started, timezone=ZONE, created_at=at(started, 9, zone))
    db.add(couple)
    db.flush()
    rebuilding, hurt = (
        create_user(db, username=name, display_name=display, password=password, role=role, couple_id=couple.id,
                    language="en", timezone=ZONE, now=at(started, 9, zone))
        for name, display, role in zip(usernames(prefix), ("Ren", "Hana"), ("rebuilding", "hurt"))
    )
    days = (today - started).days
    setbacks = sorted(rng.sample(range(20, max(days, 21)), k=max(1, days // 120)))

    def event(condition, kind, moment, actor, **fields):
        db.add(ConditionEvent(couple_id=couple.id, condition_id=condition.id, actor_id=actor.id, kind=kind,
                              created_at=moment, **fields))

    def condition(text, due, proposed_day, accept_after=1):
        row = Condition(couple_id=couple.id, proposed_by=hurt.id, text=text, due_time=due,
                        review_on=proposed_day + timedelta(days=91), status="active", created_at=at(proposed_day, 20, zone),
                        accepted_at=at(proposed_day + timedelta(days=accept_after), 8, zone))
        db.add(row)
        db.flush()
        event(row, "proposed", row.created_at, hurt, new_text=text, new_due_time=due, new_review_on=row.review_on)
        event(row, "accepted", row.accepted_at, rebuilding)
        return row

    report = condition("Send a report of the day every evening by 22:00.", "22:00", started)
    whereabouts = condition("Tell me where you are when you are out after 21:00.", None, started + timedelta(days=2))
    condition("No contact with the person involved.", None, started)
    # The daily report moves to 23:00 after half a year, agreed by both.
    if days > 190:
        moment = at(started + timedelta(days=182), 21, zone)
        db.add(ConditionEvent(couple_id=couple.id, condition_id=report.id, actor_id=rebuilding.id, kind="revision_proposed",
                              created_at=moment, new_text="Send a report of the day every evening by 23:00.",
                              new_due_time="23:00", new_review_on=started + timedelta(days=182 + 91), state="accepted",
                              decided_at=moment + timedelta(hours=20)))
        report.text, report.due_time = "Send a report of the day every evening by 23:00.", "23:00"
    if days > 400:
        moment = at(started + timedelta(days=380), 20, zone)
        db.add(ConditionEvent(couple_id=couple.id, condition_id=whereabouts.id, actor_id=hurt.id, kind="retirement_proposed",
                              created_at=moment, state="accepted", decided_at=moment + timedelta(days=1), note="I trust this now."))
        whereabouts.status, whereabouts.ended_at = "retired", moment + timedelta(days=1)
    due_for = lambda index: "22:00" if index < 182 else "23:00"  # noqa: E731

    for index in range(days + 1):
        day = started + timedelta(days=index)
        # Comfort, most evenings; now and then private.
        if rng.random() < 0.85:
            for _ in range(1 if rng.random() < 0.8 else 2):
                db.add(ComfortEntry(couple_id=couple.id, author_id=hurt.id, level=comfort_level(index, setbacks, rng),
                                    tags=rng.choice(["", "", "late_reply", "memory", "good_talk", "reassured", "anniversary"]),
                                    private=rng.random() < 0.08, created_at=at(day, rng.uniform(19, 23.5), zone)))
        # Several check-ins a day; the daily report, linked, usually on time.
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
            kind = rng.choices(("report", "contact", "consult"), weights=(6, 3, 1))[0]
            moment = at(day, rng.uniform(8, 21), zone)
            row = CheckIn(couple_id=couple.id, author_id=rebuilding.id, kind=kind, created_at=moment,
                          body=rng.choice({"report": REPORTS, "contact": CONTACTS, "consult": CONSULTS}[kind]))
            if kind == "contact":
                row.expected_end_at = moment + timedelta(hours=rng.choice((1, 2, 3)))
                row.ended_at = row.expected_end_at + timedelta(minutes=rng.randint(-30, 20))
            if kind == "consult":
                row.answer = rng.choices(("yes", "no", "talk"), weights=(7, 2, 1))[0]
                row.answered_at = moment + timedelta(hours=1)
                if row.answer == "no":
                    row.reply_body = "Thank you for answering honestly.\nI accept your answer."
                    row.replied_at = row.answered_at + timedelta(minutes=30)
            db.add(row)
        keep_rate = min(0.95, 0.7 + index / 3000)
        if rng.random() < keep_rate:
            deadline_hour = 22 if due_for(index) == "22:00" else 23
            db.add(CheckIn(couple_id=couple.id, author_id=rebuilding.id, kind="report", condition_id=report.id,
                           body="Today: work, dinner at home, an evening walk.",
                           created_at=at(day, rng.uniform(deadline_hour - 2.5, deadline_hour - 0.1), zone)))
        elif rng.random() < 0.3:
            event(report, "slip", at(day, 23.5, zone), rebuilding, note="I forgot tonight's report. I am sorry.")
        if rng.random() < 0.35:
            db.add(TogetherEntry(couple_id=couple.id, logged_by=rng.choice((rebuilding, hurt)).id,
                                 kind=rng.choices(("together", "video_call"), weights=(3, 1))[0], happened_on=day,
                                 minutes=rng.choice((30, 60, 90, 120, 180)), created_at=at(day, 22, zone)))
        if rng.random() < max(0.005, 0.06 - index / 20000):
            db.add(ReassuranceRequest(couple_id=couple.id, requested_by=hurt.id, created_at=at(day, rng.uniform(9, 23), zone),
                                      answered_at=at(day, 23.9, zone)))
        if index in setbacks:
            start = at(day, 20, zone)
            db.add(SpacePeriod(couple_id=couple.id, requested_by=hurt.id, starts_at=start,
                               ends_at=start + timedelta(hours=rng.choice((24, 72)))))
    ensure_default_reminders(db, couple.id, now)
    sync_condition_reminder(db, report, now)
    db.commit()
    return password
