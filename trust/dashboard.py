"""The dashboard: what needs me today, for each role."""
from datetime import date, time
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from .accounts import partner_of
from .checkins import KIND_LABELS, is_overdue
from .comfort import active_space, open_reassurance
from .adherence import adherence_for, local_deadline
from .conditions import couple_of
from .db import get_db, utcnow
from .models import CheckIn, ComfortEntry, Condition, ConditionEvent
from .notices import unread_count
from .pairing import instance_is_empty
from .scoping import scoped

bp = Blueprint("dashboard", __name__)


def day_number(started_on: date, today: date) -> int:
    """ "Day N since we started": day 1 is the start date itself; never a countdown."""
    return max(1, (today - started_on).days + 1)


@bp.app_context_processor
def inject_counts():
    if current_user and current_user.is_authenticated and current_user.couple_id is not None:
        return {"unread_notices": unread_count(get_db(), current_user)}
    return {}


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        if instance_is_empty(get_db()):
            return redirect(url_for("pairing.register"))
        return redirect(url_for("accounts.login"))
    if current_user.couple_id is None:
        return redirect(url_for("settings.index"))
    db = get_db()
    now = utcnow()
    couple = couple_of(current_user)
    zone = ZoneInfo(couple.timezone)
    today = now.astimezone(zone).date()
    partner = partner_of(current_user)
    couple_id = current_user.couple_id

    conditions = db.exec(
        scoped(Condition, couple_id).where(Condition.status.in_(("proposed", "active"))).order_by(Condition.id)
    ).all()
    daily = []
    for condition in conditions:
        if condition.status == "active" and condition.due_time:
            days = adherence_for(db, condition, couple, now, days=1)
            daily.append((condition, days[-1][1] if days else None))
    pending_changes = db.exec(
        scoped(ConditionEvent, couple_id).where(ConditionEvent.state == "pending", ConditionEvent.actor_id != current_user.id)
    ).all()
    consults = db.exec(
        scoped(CheckIn, couple_id)
        .where(CheckIn.kind == "consult", CheckIn.answer.is_(None))
        .order_by(CheckIn.created_at.desc())
    ).all()
    context = dict(
        partner=partner,
        couple=couple,
        day_number=day_number(couple.started_on, today),
        space=active_space(db, couple_id, now),
        reassurance=open_reassurance(db, couple_id),
        proposed=[c for c in conditions if c.status == "proposed"],
        daily=daily,
        pending_changes=pending_changes,
        consults=consults,
        kind_labels=KIND_LABELS,
        now=now,
    )
    if current_user.role == "rebuilding":
        context.update(
            open_contacts=db.exec(
                scoped(CheckIn, couple_id)
                .where(CheckIn.kind == "contact", CheckIn.ended_at.is_(None), CheckIn.expected_end_at.is_not(None))
                .order_by(CheckIn.created_at.desc())
                .limit(5)
            ).all(),
            to_reply=db.exec(
                scoped(CheckIn, couple_id)
                .where(CheckIn.kind == "consult", CheckIn.answer == "no", CheckIn.replied_at.is_(None))
                .order_by(CheckIn.created_at.desc())
            ).all(),
            is_overdue=is_overdue,
        )
        return render_template("dashboard/rebuilding.html", **context)
    start_of_day = local_deadline(today, time(0, 0), zone)
    context.update(
        comfort_today=db.exec(
            scoped(ComfortEntry, couple_id).where(
                ComfortEntry.author_id == current_user.id, ComfortEntry.created_at >= start_of_day
            )
        ).first(),
        recent=db.exec(scoped(CheckIn, couple_id).order_by(CheckIn.created_at.desc()).limit(5)).all(),
    )
    return render_template("dashboard/hurt.html", **context)
