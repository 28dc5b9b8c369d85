"""Conditions: proposed by the hurt partner, active only once accepted, revised by agreement."""
import calendar
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from .accounts import paired_required, require_role, role_required
from .db import get_db, utcnow
from .adherence import adherence_for, tally
from .models import Condition, ConditionEvent, Couple
from .notices import tell_partner
from .reminders import sync_condition_reminder
from .scoping import get_owned, scoped

bp = Blueprint("conditions", __name__)

REVIEW_MONTHS = 3


STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "active": _l("Active"),
    "retired": _l("Retired"),
    "withdrawn": _l("Withdrawn"),
}
EVENT_LABELS = {
    "proposed": _l("Proposed"),
    "proposal_edited": _l("Proposal changed"),
    "accepted": _l("Accepted"),
    "talk": _l("Asked to talk about it"),
    "withdrawn": _l("Proposal withdrawn"),
    "revision_proposed": _l("Change proposed"),
    "retirement_proposed": _l("Retirement proposed"),
    "slip": _l("Honest note: a slip"),
    "concern": _l("Concern"),
}
STATE_LABELS = {
    "pending": _l("waiting for an answer"),
    "accepted": _l("agreed"),
    "declined": _l("not agreed"),
    "withdrawn": _l("withdrawn"),
}


# --- domain -------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the end of shorter months."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_due_time(raw: str) -> str | None:
    """A "HH:MM" string, or None for a condition without a daily deadline."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return time.fromisoformat(raw[:5]).strftime("%H:%M")


# --- forms --------------------------------------------------------------------------------------


class ConditionForm(FlaskForm):
    text = TextAreaField(
        _l("The condition"),
        description=_l("For example: \"Tell me where you are when you are out after 21:00.\""),
        validators=[DataRequired(message=_l("Please write the condition.")), Length(max=500)],
        filters=[lambda v: v.strip() if v else v],
    )
    due_time = StringField(
        _l("Daily by (optional)"),
        description=_l("For a daily check-in by a set time, such as 22:00. Leave empty otherwise."),
        validators=[Optional()],
    )
    review_on = DateField(
        _l("Review together on"), validators=[InputRequired(message=_l("Please give a review date."))]
    )
    note = TextAreaField(_l("Why this matters to me (optional)"), validators=[Length(max=1000)])

    def validate_due_time(self, field):
        try:
            field.data = parse_due_time(field.data)
        except ValueError:
            raise ValidationError(_l("Give the time as HH:MM, for example 22:00.")) from None

    def validate_review_on(self, field):
        if field.data is None:
            return  # the date did not parse; that message is already there
        if field.data <= date.today() - timedelta(days=1):
            raise ValidationError(_l("The review date should be in the future."))
        if field.data > date.today() + timedelta(days=366 * 2):
            raise ValidationError(_l("Choose a review date within two years."))


class ChangeForm(ConditionForm):
    kind = RadioField(
        _l("What would you like?"),
        choices=[("revision", _l("Change it")), ("retirement", _l("Retire it"))],
        validators=[InputRequired(message=_l("Please choose one."))],
    )
    text = TextAreaField(_l("The condition"), validators=[Length(max=500)], filters=[lambda v: v.strip() if v else v])
    review_on = DateField(_l("Review together on"), validators=[Optional()])

    def validate_text(self, field):
        if self.kind.data == "revision" and not field.data:
            raise ValidationError(_l("Please write the condition."))

    def validate_review_on(self, field):
        if self.kind.data == "revision":
            if field.data is None:
                raise ValidationError(_l("Please give a review date."))
            super().validate_review_on(field)


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Note"),
        validators=[DataRequired(message=_l("Please write something.")), Length(max=1000)],
        filters=[lambda v: v.strip() if v else v],
    )


# --- views ----------------------------------------------------------------------------------------


def couple_of(user) -> Couple:
    return get_db().get(Couple, user.couple_id)


def record(db, condition, kind, now, **fields):
    event = ConditionEvent(
        couple_id=condition.couple_id, condition_id=condition.id, actor_id=current_user.id, kind=kind, created_at=now, **fields
    )
    db.add(event)
    return event


def tell_partner_about(db, condition, kind, now):
    tell_partner(db, current_user, kind=kind, url=url_for("conditions.show", condition_id=condition.id), now=now)


@bp.get("/conditions")
@paired_required
def index():
    db = get_db()
    now = utcnow()
    couple = couple_of(current_user)
    rows = db.exec(scoped(Condition, current_user.couple_id).order_by(Condition.created_at.desc())).all()
    pending = {
        e.condition_id
        for e in db.exec(scoped(ConditionEvent, current_user.couple_id).where(ConditionEvent.state == "pending"))
    }
    adherence = {c.id: adherence_for(db, c, couple, now) for c in rows if c.status == "active"}
    return render_template(
        "conditions/index.html",
        conditions=rows,
        pending=pending,
        adherence={k: (tally(v), v[-1][1] if v else None) for k, v in adherence.items() if v is not None},
        today=now.astimezone(ZoneInfo(couple.timezone)).date(),
        labels=STATUS_LABELS,
    )


@bp.route("/conditions/new", methods=["GET", "POST"])
@role_required("hurt")
def new():
    """The hurt partner proposes a condition; it is active only once accepted."""
    db = get_db()
    form = ConditionForm()
    if not form.is_submitted():
        form.review_on.data = add_months(date.today(), REVIEW_MONTHS)
        return render_template("conditions/new.html", form=form)
    if not form.validate():
        return render_template("conditions/new.html", form=form), 400
    now = utcnow()
    condition = Condition(
        couple_id=current_user.couple_id,
        proposed_by=current_user.id,
        text=form.text.data,
        due_time=form.due_time.data,
        review_on=form.review_on.data,
        created_at=now,
    )
    db.add(condition)
    db.flush()
    record(db, condition, "proposed", now, note=(form.note.data or "").strip(), new_text=condition.text,
           new_due_time=condition.due_time, new_review_on=condition.review_on)
    tell_partner_about(db, condition, "condition_proposed", now)
    db.commit()
    flash(_("Proposed. It becomes active once your partner accepts it."))
    return redirect(url_for("conditions.show", condition_id=condition.id))


def render_show(condition, status=200, change_form=None):
    db = get_db()
    now = utcnow()
    couple = couple_of(current_user)
    events = db.exec(
        scoped(ConditionEvent, current_user.couple_id)
        .where(ConditionEvent.condition_id == condition.id)
        .order_by(ConditionEvent.created_at, ConditionEvent.id)
    ).all()
    pending = next((e for e in events if e.state == "pending"), None)
    days = adherence_for(db, condition, couple, now) if condition.status in ("active", "retired") else None
    if change_form is None:
        change_form = ChangeForm(formdata=None, text=condition.text, due_time=condition.due_time,
                                 review_on=add_months(date.today(), REVIEW_MONTHS))
    return render_template(
        "conditions/show.html",
        condition=condition,
        events=events,
        pending=pending,
        days=days,
        counts=tally(days) if days else None,
        change_form=change_form,
        note_form=NoteForm(formdata=None),
        review_due=condition.status == "active" and condition.review_on <= now.astimezone(ZoneInfo(couple.timezone)).date(),
        labels=dict(status=STATUS_LABELS, event=EVENT_LABELS, state=STATE_LABELS),
    ), status


@bp.get("/conditions/<int:condition_id>")
@paired_required
def show(condition_id):
    return render_show(get_owned(Condition, condition_id, current_user.couple_id))


def refuse(condition, message, status=409):
    flash(message, "error")
    return render_show(condition, status)


@bp.post("/conditions/<int:condition_id>/accept")
@paired_required
def accept(condition_id):
    db = get_db()
    condition = get_owned(Condition, condition_id, current_user.couple_id)
    require_role("rebuilding")
    if condition.status != "proposed":
        return refuse(condition, _("This condition is not waiting for an answer."))
    now = utcnow()
    condition.status = "active"
    condition.accepted_at = now
    condition.talk_requested = False
    record(db, condition, "accepted", now)
    sync_condition_reminder(db, condition, now)
    tell_partner_about(db, condition, "condition_changed", now)
    db.commit()
    flash(_("Accepted. Thank you."))
    return redirect(url_for("conditions.show", condition_id=condition.id))


@bp.post("/conditions/<int:condition_id>/talk")
@paired_required
def talk(condition_id):
    """Ask to talk about a proposed condition before accepting it."""
    db = get_db()
    condition = get_owned(Condition, condition_id, current_user.couple_id)
    require_role("rebuilding")
    if condition.status != "proposed":
        return refuse(condition, _("This condition is not waiting for an answer."))
    form = NoteForm()
    now = utcnow()
    condition.talk_requested = True
    record(db, condition, "talk", now, note=(form.note.data or "").strip()[:1000])
    tell_partner_about(db, condition, "condition_changed", now)
    db.commit()
    flash(_("Your partner will see that you would like to talk about it."))
    return redirect(url_for("conditions.show", condition_id=condition.id))


@bp.post("/conditions/<int:condition_id>/withdraw")
@paired_required
def withdraw(condition_id):
    db = get_db()
    condition = get_owned(Condition, condition_id, current_user.couple_id)
    require_role("hurt")
    if condition.status != "proposed":
        return refuse(condition, _("Only a proposal that is not yet accepted can be withdrawn."))
    now = utcnow()
    condition.status = "withdrawn"
    condition.ended_at = now
    record(db, condition, "withdrawn", now)
    tell_partner_about(db, condition, "condition_changed", now)
    db.commit()
    return redirect(url_for("conditions.index"))


@bp.post("/conditions/<int:condition_id>/proposal")
@paired_required
def edit_proposal(condition_id):
    """Change a proposal that is still waiting (after talking about it, say)."""
    db = get_db()
    condition = get_owned(Condition, condition_id, current_user.couple_id)
    require_role("hurt")
    if condition.status != "proposed":
        return refuse(condition, _("Only a proposal that is not yet accepted can be changed this way."))
    form = ChangeForm()
    form.kind.data, form.kind.raw_data = "revision", ["revision"]
    if not form.validate():
        return render_show(condition, 400, form)
    now = utcnow()
    condition.text, condition.due_time, condition.review_on = form.text.data, form.due_time.data, form.review_on.data
    condition.talk_requested = False
    record(db, condition, "proposal_edited", now, new_text=condition.text, new_due_time=condition.due_time,
           new_review_on=condition.review_on, note=(form.note.data or "").strip())
    tell_partner_about(db, condition, "condition_proposed", now)
    db.commit()
    return redirect(url_for("conditions.show", condition_id=condition.id))


@bp.post("/conditions/<int:condition_id>/changes")
@paired_required
def propose_change(condition_id):
    """Either partner proposes a revision or the retirement of an active condition."""
    db = get_db()
    condition = get_owned(Condition, condition_id, current_user.couple_id)
    if condition.status != "active":
        return refuse(condition, _("Only an active condition can be changed or retired."))
    if db.exec(scoped(ConditionEvent, current_user.couple_id).where(
        ConditionEvent.condition_id == condition.id, ConditionEvent.state == "pending"
    )).first():
        return refuse(condition, _("A change is already waiting for an answer."))
    form = ChangeForm()
    if not form.validate():
        return render_show(condition, 400, form)
    now = utcnow()
    if form.kind.data == "retirement":
        record(db, condition, "retirement_proposed", now, state="pending", note=(form.note.data or "").strip())
    else:
        record(db, condition, "revision_proposed", now, state="pending", new_text=form.text.data,
               new_due_time=form.due_time.data, new_review_on=form.review_on.data, note=(form.note.data or "").strip())
    tell_partner_about(db, condition, "condition_change_proposed", now)
    db.commit()
    flash(_("Proposed. Nothing changes until your partner agrees."))
    return redirect(url_for("conditions.show", condition_id=condition.id))


@bp.post("/conditions/<int:condition_id>/changes/<int:event_id>")
@paired_required
def decide_change(condition_id, event_id):
    """The other partner agrees to or declines a change; its proposer may withdraw it."""
    db = get_db()
    condition = get_owned(Condition, condition_id, current_user.couple_id)
    event = get_owned(ConditionEvent, event_id, current_user.couple_id)
    if event.condition_id != condition.id:
        abort(404)
    decision = request.form.get("decision", "")
    if event.state != "pending":
        return refuse(condition, _("This change has already been answered."))
    mine = event.actor_id == current_user.id
    if (mine and decision != "withdrawn") or (not mine and decision not in ("accepted", "declined")):
        return refuse(condition, _("This choice is not available to you."), 403)
    now = utcnow()
    event.state, event.decided_at = decision, now
    if decision == "accepted":
        if event.kind == "retirement_proposed":
            condition.status, condition.ended_at = "retired", now
        else:
            condition.text, condition.due_time, condition.review_on = event.new_text, event.new_due_time, event.new_review_on
        sync_condition_reminder(db, condition, now)
    tell_partner_about(db, condition, "condition_changed", now)
    db.commit()
    return redirect(url_for("conditions.show", condition_id=condition.id))


@bp.post("/conditions/<int:condition_id>/slip")
@paired_required
def slip(condition_id):
    """An honest self-report that a condition was not kept."""
    return add_note(condition_id, "slip", "rebuilding", _("Thank you for being honest."))


@bp.post("/conditions/<int:condition_id>/concern")
@paired_required
def concern(condition_id):
    return add_note(condition_id, "concern", "hurt", _("Your concern is noted and your partner can see it."))


def add_note(condition_id, kind, role, thanks):
    db = get_db()
    condition = get_owned(Condition, condition_id, current_user.couple_id)
    require_role(role)
    if condition.status != "active":
        return refuse(condition, _("Notes can be added only to an active condition."))
    form = NoteForm()
    if not form.validate():
        for error in form.note.errors:
            flash(str(error), "error")
        return render_show(condition, 400)
    now = utcnow()
    record(db, condition, kind, now, note=form.note.data)
    tell_partner_about(db, condition, kind, now)
    db.commit()
    flash(thanks)
    return redirect(url_for("conditions.show", condition_id=condition.id))
