"""Leaving and stepping back: pause sharing, end the pairing, delete my account.

Each happens at once, without the partner's approval; the partner gets a neutral notice
that says what happened, never why. The partner's own data stays as it was.
"""
import logging
from datetime import datetime
from pathlib import Path

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import delete, or_, text, update
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from .accounts import paired_required, partner_of
from .db import get_db, utcnow
from .models import (
    CheckIn,
    ComfortEntry,
    Condition,
    ConditionEvent,
    Couple,
    Delivery,
    Invite,
    JournalEntry,
    LoginAttempt,
    LoginSession,
    Notice,
    Photo,
    PushMessage,
    PushSubscription,
    Reaction,
    ReassuranceRequest,
    RecoveryCode,
    ReminderRule,
    SecurityEvent,
    SpacePeriod,
    TogetherEntry,
    User,
)
from .notices import notify
from .photos import photo_path
from .scoping import scoped
from .security import log_event, recent_auth_required

log = logging.getLogger("trust.leaving")
bp = Blueprint("leaving", __name__)

# The pages that show or change what the two share; closed while sharing is paused or over.
SHARED_BLUEPRINTS = {"dashboard", "checkins", "photos", "conditions", "comfort", "together", "trends", "timeline"}


def couple_state(couple: Couple | None) -> str:
    if couple is None:
        return "none"
    if couple.ended_at is not None:
        return "ended"
    if couple.paused_at is not None:
        return "paused"
    return "active"


def current_couple() -> Couple | None:
    if "couple" not in g:
        g.couple = get_db().get(Couple, current_user.couple_id) if current_user.couple_id else None
    return g.couple


def sharing_open(couple: Couple | None) -> bool:
    return couple is None or couple.sharing_open


def gate():
    """While sharing is paused or over, shared pages lead to the status page instead."""
    if request.blueprint not in SHARED_BLUEPRINTS and request.endpoint != "pairing.invite":
        return None
    if not current_user.is_authenticated or not current_user.couple_id:
        return None
    couple = current_couple()
    if sharing_open(couple):
        return None
    if request.method in ("GET", "HEAD"):
        return redirect(url_for("leaving.status"))
    return render_template("leaving/status.html", **status_context(couple)), 409


def status_context(couple):
    return {
        "state": couple_state(couple),
        "couple": couple,
        "paused_by_me": couple is not None and couple.paused_by == current_user.id,
        "partner": partner_of(current_user),
    }


# --- pause and end ------------------------------------------------------------------------


@bp.get("/sharing")
@paired_required
def status():
    return render_template("leaving/status.html", **status_context(current_couple()))


@bp.post("/sharing/pause")
@paired_required
def pause():
    db = get_db()
    couple = current_couple()
    if couple_state(couple) == "active":
        now = utcnow()
        couple.paused_at, couple.paused_by = now, current_user.id
        log_event(db, current_user, "paused", now)
        tell(db, couple, "sharing_paused", now)
        db.commit()
        log.info("user %s paused sharing", current_user.id)
    return redirect(url_for("leaving.status"))


@bp.post("/sharing/resume")
@paired_required
def resume():
    db = get_db()
    couple = current_couple()
    if couple_state(couple) != "paused":
        return redirect(url_for("leaving.status"))
    if couple.paused_by != current_user.id:
        # Only the partner who paused can resume; otherwise a pause would mean nothing.
        return render_template("leaving/status.html", refused=True, **status_context(couple)), 403
    now = utcnow()
    couple.paused_at, couple.paused_by = None, None
    log_event(db, current_user, "resumed", now)
    tell(db, couple, "sharing_resumed", now)
    db.commit()
    return redirect(url_for("dashboard.index"))


def tell(db, couple, kind, now):
    partner = partner_of(current_user)
    if partner is not None:
        notify(db, couple_id=couple.id, user_id=partner.id, kind=kind, url=url_for("leaving.status"), now=now)


def end_pairing(db, couple: Couple, now: datetime):
    """Close the shared space for good: no prompts, no invites, nothing new shared."""
    couple.ended_at = now
    couple.paused_at, couple.paused_by = None, None
    db.exec(delete(Invite).where(Invite.couple_id == couple.id))


class ConfirmForm(FlaskForm):
    confirm = StringField(_l("Type your username to confirm"), validators=[DataRequired(), Length(max=40)])

    def validate_confirm(self, field):
        if (field.data or "").strip().lower() != current_user.username:
            raise ValidationError(_l("That is not your username."))


@bp.route("/sharing/end", methods=["GET", "POST"])
@paired_required
@recent_auth_required
def end():
    db = get_db()
    couple = current_couple()
    if couple_state(couple) == "ended":
        return redirect(url_for("leaving.status"))
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("leaving/end.html", form=form), 400
        now = utcnow()
        tell(db, couple, "pairing_ended", now)
        end_pairing(db, couple, now)
        log_event(db, current_user, "ended", now)
        db.commit()
        log.info("user %s ended the pairing", current_user.id)
        return redirect(url_for("leaving.status"))
    return render_template("leaving/end.html", form=form)


# --- deleting an account --------------------------------------------------------------------


def erase_account(db, user: User, now: datetime) -> list[Path]:
    """Delete `user` and everything they wrote; the partner's own rows stay. The caller commits,
    then removes the returned photo files.

    What the user wrote on the partner's rows (answers to consults) is cleared; conditions
    the user proposed go with their history; the partner is told the pairing has ended.
    """
    uid, cid = user.id, user.couple_id
    partner = partner_of(user)
    my_checkins = scoped(CheckIn, cid, CheckIn.id).where(CheckIn.author_id == uid)
    my_conditions = scoped(Condition, cid, Condition.id).where(Condition.proposed_by == uid)
    files = [photo_path(p.couple_id, p.id)
             for p in db.exec(scoped(Photo, cid).where(Photo.checkin_id.in_(my_checkins)))]
    db.exec(delete(Photo).where(Photo.checkin_id.in_(my_checkins)))
    db.exec(delete(Reaction).where(or_(Reaction.checkin_id.in_(my_checkins), Reaction.user_id == uid)))
    if cid is not None:
        # The partner's check-ins stay; links to what is deleted and my answers on them go.
        db.exec(update(CheckIn).where(CheckIn.condition_id.in_(my_conditions)).values(condition_id=None))
        db.exec(update(CheckIn).where(CheckIn.couple_id == cid, CheckIn.author_id != uid,
                                      CheckIn.answered_at.is_not(None))
                .values(answer=None, answer_note="", answered_at=None))
    db.exec(delete(ReminderRule).where(or_(ReminderRule.user_id == uid, ReminderRule.condition_id.in_(my_conditions))))
    db.exec(delete(ConditionEvent).where(or_(ConditionEvent.actor_id == uid,
                                             ConditionEvent.condition_id.in_(my_conditions))))
    db.exec(delete(Condition).where(Condition.proposed_by == uid))
    db.exec(update(CheckIn).where(CheckIn.author_id == uid).values(corrects_id=None))
    db.exec(delete(CheckIn).where(CheckIn.author_id == uid))
    for model, column in (
        (ComfortEntry, ComfortEntry.author_id), (JournalEntry, JournalEntry.author_id),
        (ReassuranceRequest, ReassuranceRequest.requested_by), (SpacePeriod, SpacePeriod.requested_by),
        (TogetherEntry, TogetherEntry.logged_by), (Notice, Notice.user_id), (Delivery, Delivery.user_id),
        (LoginSession, LoginSession.user_id), (SecurityEvent, SecurityEvent.user_id),
        (RecoveryCode, RecoveryCode.user_id),
    ):
        db.exec(delete(model).where(column == uid))
    if cid is not None:
        # The outbox may hold lock-screen text with details of what was written: empty it.
        db.exec(delete(PushMessage).where(PushMessage.couple_id == cid))
    db.exec(delete(PushSubscription).where(PushSubscription.user_id == uid))
    db.exec(delete(LoginAttempt).where(LoginAttempt.username == user.username))
    db.exec(delete(Invite).where(Invite.created_by == uid))
    couple = db.get(Couple, cid) if cid is not None else None
    db.exec(delete(User).where(User.id == uid))
    if couple is not None:
        if partner is not None:
            end_pairing(db, couple, couple.ended_at or now)
            notify(db, couple_id=cid, user_id=partner.id, kind="partner_left", url=url_for("leaving.status"), now=now)
        else:
            for model in (Notice, Delivery, Invite):
                db.exec(delete(model).where(model.couple_id == cid))
            db.exec(delete(Couple).where(Couple.id == cid))
    db.expunge_all()
    return files


def scrub_database(db):
    """SQLite keeps old page images in its write-ahead log until a checkpoint; fold them in
    (deleted content is zeroed by secure_delete) and truncate the log."""
    if db.get_bind().dialect.name == "sqlite":
        db.connection().execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.commit()


@bp.route("/account/delete", methods=["GET", "POST"])
@recent_auth_required
def delete_account():
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("leaving/delete.html", form=form), 400
        db = get_db()
        user = current_user._get_current_object()
        uid = user.id
        files = erase_account(db, user, utcnow())
        db.commit()
        for path in files:
            path.unlink(missing_ok=True)
            try:
                path.parent.rmdir()  # the couple's folder, once nothing is left in it
            except OSError:
                pass
        scrub_database(db)
        logout_user()
        session.clear()
        log.info("user %s deleted their account", uid)
        return render_template("leaving/deleted.html")
    return render_template("leaving/delete.html", form=form)


def sharing_closed() -> bool:
    """For the layout: the shared tabs are hidden while sharing is paused or over."""
    if not current_user.is_authenticated or not current_user.couple_id:
        return False
    return not sharing_open(current_couple())


def init_app(app):
    app.before_request(gate)
    app.jinja_env.globals["sharing_closed"] = sharing_closed
    app.register_blueprint(bp)
