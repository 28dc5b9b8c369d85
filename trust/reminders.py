"""Reminder rules: when each prompt is next due, in its user's own zone, and the settings page."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from .accounts import paired_required
from .db import get_db, utcnow
from .models import Condition, Couple, ReminderRule, User
from .scoping import get_owned, scoped

bp = Blueprint("reminders", __name__)

UTC = timezone.utc
DEFAULTS = {
    # kind: (role or None for both, times, weekdays)
    "checkin": ("rebuilding", "21:00", ""),
    "comfort": ("hurt", "21:30", ""),
    "talk": (None, "20:00", "7"),
}
CONDITION_LEAD = timedelta(hours=1)
MAX_TIMES = 6

KIND_LABELS = {
    "checkin": _l("Daily check-in prompt"),
    "comfort": _l("Daily comfort prompt"),
    "talk": _l("Talk together"),
    "condition": _l("Before a daily condition's deadline"),
}
WEEKDAY_LABELS = {
    1: _l("Mon"), 2: _l("Tue"), 3: _l("Wed"), 4: _l("Thu"), 5: _l("Fri"), 6: _l("Sat"), 7: _l("Sun"),
}


# --- domain -------------------------------------------------------------------------------------


def parse_times(raw: str) -> list[time]:
    """Wall times from "21:00, 07:30" (sorted, without repeats); ValueError when malformed."""
    parts = [p.strip() for p in (raw or "").replace("、", ",").split(",") if p.strip()]
    if not parts or len(parts) > MAX_TIMES:
        raise ValueError("between one and six times")
    times = set()
    for part in parts:
        if len(part) != 5 or part[2] != ":":
            raise ValueError(part)
        times.add(time.fromisoformat(part))
    return sorted(times)


def format_times(times: list[time]) -> str:
    return ",".join(t.strftime("%H:%M") for t in times)


def parse_weekdays(raw: str) -> set[int]:
    return {int(d) for d in raw.split(",") if d.strip()} if raw else set()


def next_due(times: list[time], weekdays: set[int], zone: ZoneInfo, after: datetime) -> datetime:
    """The first instant strictly after `after` at which one of `times` shows on the wall clock in `zone`.

    Each local day yields each time once: on the spring-forward day a time inside the gap
    fires once, just after the gap; on the fall-back day a repeated time fires once, at its
    first occurrence. So a daily reminder fires exactly once per local day.
    """
    start = after.astimezone(zone).date()
    for offset in range(0, 9):
        day = start + timedelta(days=offset)
        if weekdays and day.isoweekday() not in weekdays:
            continue
        for wall in times:
            candidate = datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)
            if candidate > after:
                return candidate
    raise ValueError("no weekday selected")


def in_quiet_hours(moment: datetime, start: str | None, end: str | None, zone: ZoneInfo) -> bool:
    """True when `moment` falls inside the quiet hours start–end (which may cross midnight)."""
    if not start or not end or start == end:
        return False
    local = moment.astimezone(zone).time()
    begin, finish = time.fromisoformat(start), time.fromisoformat(end)
    if begin < finish:
        return begin <= local < finish
    return local >= begin or local < finish


def quiet_hours_end(moment: datetime, end: str, zone: ZoneInfo) -> datetime:
    """The next end of quiet hours after `moment`."""
    return next_due([time.fromisoformat(end)], set(), zone, moment)


def rule_zone(db, rule: ReminderRule) -> ZoneInfo:
    """Condition reminders follow the couple's zone (where the deadline is); the rest the user's."""
    if rule.kind == "condition":
        return ZoneInfo(db.get(Couple, rule.couple_id).timezone)
    return ZoneInfo(db.get(User, rule.user_id).timezone)


def schedule(db, rule: ReminderRule, now: datetime):
    """Set the rule's next firing after `now` (or none while it is switched off)."""
    if not rule.enabled:
        rule.next_due_at = None
        return
    rule.next_due_at = next_due(parse_times(rule.times), parse_weekdays(rule.weekdays), rule_zone(db, rule), now)


def ensure_default_reminders(db, couple_id: int, now: datetime):
    """Give both partners the default prompts once the couple is complete."""
    users = db.exec(select(User).where(User.couple_id == couple_id)).all()
    existing = {(r.user_id, r.kind) for r in db.exec(scoped(ReminderRule, couple_id))}
    for kind, (role, times, weekdays) in DEFAULTS.items():
        for user in users:
            if (role is None or user.role == role) and (user.id, kind) not in existing:
                rule = ReminderRule(couple_id=couple_id, user_id=user.id, kind=kind, times=times,
                                    weekdays=weekdays, created_at=now)
                schedule(db, rule, now)
                db.add(rule)


def sync_condition_reminder(db, condition: Condition, now: datetime):
    """Keep the reminder of a daily condition in step with it: one hour before its deadline while active."""
    rule = db.exec(
        scoped(ReminderRule, condition.couple_id).where(ReminderRule.condition_id == condition.id)
    ).first()
    wanted = condition.status == "active" and condition.due_time is not None
    if rule is None:
        if not wanted:
            return
        rebuilding = db.exec(
            select(User).where(User.couple_id == condition.couple_id, User.role == "rebuilding")
        ).first()
        if rebuilding is None:
            return
        rule = ReminderRule(couple_id=condition.couple_id, user_id=rebuilding.id, kind="condition",
                            times="00:00", condition_id=condition.id, created_at=now)
        db.add(rule)
    if wanted:
        deadline = datetime.combine(date(2000, 1, 3), time.fromisoformat(condition.due_time))
        rule.times = (deadline - CONDITION_LEAD).strftime("%H:%M")
    else:
        rule.enabled = False
    schedule(db, rule, now)


def reschedule_user(db, user: User, now: datetime):
    """After a change of time zone, move the user's reminders to their new local times."""
    for rule in db.exec(select(ReminderRule).where(ReminderRule.user_id == user.id)):
        schedule(db, rule, now)


def reschedule_couple_conditions(db, couple_id: int, now: datetime):
    for rule in db.exec(scoped(ReminderRule, couple_id).where(ReminderRule.kind == "condition")):
        schedule(db, rule, now)


# --- views --------------------------------------------------------------------------------------


def validate_quiet(raw: str) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    times = parse_times(raw)
    if len(times) != 1:
        raise ValueError(raw)
    return times[0].strftime("%H:%M")


@bp.get("/settings/notifications")
@paired_required
def index():
    return render_page()


def render_page(status=200, errors=None):
    db = get_db()
    rules = db.exec(
        scoped(ReminderRule, current_user.couple_id)
        .where(ReminderRule.user_id == current_user.id)
        .order_by(ReminderRule.kind, ReminderRule.id)
    ).all()
    conditions = {
        c.id: c for c in db.exec(scoped(Condition, current_user.couple_id).where(Condition.due_time.is_not(None)))
    }
    from .push import devices_for, vapid_ready

    return render_template(
        "reminders/index.html",
        rules=rules,
        conditions=conditions,
        labels=KIND_LABELS,
        weekday_labels=WEEKDAY_LABELS,
        parse_weekdays=parse_weekdays,
        devices=devices_for(db, current_user),
        push_ready=vapid_ready(),
        errors=errors or {},
    ), status


@bp.post("/settings/notifications/rules/<int:rule_id>")
@paired_required
def update_rule(rule_id):
    """Switch a reminder on or off, change its times and (for the weekly one) its days."""
    db = get_db()
    rule = get_owned(ReminderRule, rule_id, current_user.couple_id)
    if rule.user_id != current_user.id:
        flash(_("This reminder belongs to your partner."), "error")
        return render_page(403)
    enabled = request.form.get("enabled") == "y"
    if rule.kind != "condition":
        try:
            times = parse_times(request.form.get("times", ""))
        except ValueError:
            return render_page(400, {rule.id: _("Give one to six times as HH:MM, separated by commas, for example 08:00, 21:00.")})
        weekdays = {int(d) for d in request.form.getlist("weekdays") if d.isdigit() and 1 <= int(d) <= 7}
        if rule.kind == "talk" and not weekdays:
            return render_page(400, {rule.id: _("Choose at least one day.")})
        rule.times = format_times(times)
        rule.weekdays = ",".join(str(d) for d in sorted(weekdays)) if rule.kind == "talk" else ""
    rule.enabled = enabled
    schedule(db, rule, utcnow())
    db.commit()
    flash(_("Saved."))
    return redirect(url_for("reminders.index"))


@bp.post("/settings/notifications/quiet")
@paired_required
def quiet():
    """Quiet hours and whether lock screens may show details."""
    db = get_db()
    try:
        start = validate_quiet(request.form.get("quiet_start", ""))
        end = validate_quiet(request.form.get("quiet_end", ""))
    except ValueError:
        return render_page(400, {"quiet": _("Give the time as HH:MM, for example 22:00.")})
    if (start is None) != (end is None):
        return render_page(400, {"quiet": _("Give both a start and an end, or leave both empty.")})
    current_user.quiet_start, current_user.quiet_end = start, end
    current_user.push_detail = request.form.get("push_detail") == "y"
    db.commit()
    flash(_("Saved."))
    return redirect(url_for("reminders.index"))
