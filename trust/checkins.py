"""報連相 check-ins: report, contact, consult; append-only after a short grace period."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from . import photos
from .accounts import paired_required, require_role, role_required
from .db import get_db, utcnow
from .models import CHECKIN_KINDS, CONSULT_ANSWERS, REACTIONS, CheckIn, Condition, Photo, Reaction
from .notices import notify, tell_partner
from .scoping import get_owned, scoped

bp = Blueprint("checkins", __name__)

KIND_LABELS = {
    "report": _l("Report (報告)"),
    "contact": _l("Contact (連絡)"),
    "consult": _l("Consult (相談)"),
}
KIND_HINTS = {
    "report": _l("What happened, what you did, what you bought — small things too."),
    "contact": _l("Where you are, your plans, a change of plans. Add when you expect to be done."),
    "consult": _l("Ask before deciding. Your partner can answer yes, no, or let's talk."),
}
ANSWER_LABELS = {"yes": _l("Yes"), "no": _l("No"), "talk": _l("Let's talk")}
REACTION_LABELS = {"relieved": _l("I feel reassured"), "thanks": _l("Thank you")}


# --- domain -------------------------------------------------------------------------------------


def within_grace(checkin: CheckIn, now: datetime, grace: timedelta) -> bool:
    """True while the author may still edit or delete the check-in."""
    return now - checkin.created_at <= grace


def next_local_time(hhmm: time, zone: ZoneInfo, now: datetime) -> datetime:
    """The next moment the wall clock in `zone` shows `hhmm` after `now`, in UTC.

    "Out until 01:00" said at 22:00 means tomorrow; a time inside a DST gap resolves to the
    instant just after the gap, the way people read their clocks that night.
    """
    local_now = now.astimezone(zone)
    for days in (0, 1, 2):
        day = local_now.date() + timedelta(days=days)
        candidate = datetime.combine(day, hhmm, tzinfo=zone).astimezone(ZoneInfo("UTC"))
        if candidate > now:
            return candidate
    raise AssertionError("unreachable: a wall time recurs within two days")


def is_overdue(checkin: CheckIn, now: datetime) -> bool:
    """A contact whose expected end has passed without "home now"."""
    return (
        checkin.kind == "contact"
        and checkin.expected_end_at is not None
        and checkin.ended_at is None
        and checkin.expected_end_at < now
    )


def graceful_reply_parts() -> dict:
    """The three parts of a kind reply to a "no": thanks, acceptance, an open future."""
    return {
        "thanks": _("Thank you for answering honestly."),
        "acceptance": _("I accept your answer."),
        "future": _("If things change one day, I would be glad to talk about it again — no hurry."),
    }


# --- forms ----------------------------------------------------------------------------------------


def active_condition_choices(couple_id):
    rows = get_db().exec(
        scoped(Condition, couple_id).where(Condition.status == "active").order_by(Condition.id)
    ).all()
    return [("", _("— none —"))] + [(str(c.id), c.text[:80]) for c in rows]


class CheckInForm(FlaskForm):
    kind = RadioField(
        _l("Kind"),
        choices=[(k, KIND_LABELS[k]) for k in CHECKIN_KINDS],
        validators=[InputRequired(message=_l("Please choose a kind."))],
    )
    body = TextAreaField(
        _l("What would you like to share?"),
        validators=[DataRequired(message=_l("Please write something.")), Length(max=2000)],
        filters=[lambda v: v.strip() if v else v],
    )
    expected_end = StringField(_l("Until about (for a contact)"))
    condition = SelectField(_l("For a condition"), choices=[], validate_choice=False)
    photos = MultipleFileField(_l("Photos (up to 4)"))
    corrects = HiddenField()

    def validate_expected_end(self, field):
        # Runs for empty input too (no Optional()), so `parsed` always exists after validation.
        field.parsed = None
        if field.data and field.data.strip():
            try:
                field.parsed = time.fromisoformat(field.data.strip()[:5])
            except ValueError:
                raise ValidationError(_l("Give the time as HH:MM, for example 23:00.")) from None

    def validate_condition(self, field):
        field.row = None
        if field.data:
            if not field.data.isdigit():
                raise ValidationError(_l("Choose a condition from the list."))
            row = get_db().exec(
                scoped(Condition, current_user.couple_id).where(
                    Condition.id == int(field.data), Condition.status == "active"
                )
            ).first()
            if row is None:
                raise ValidationError(_l("Choose a condition from the list."))
            field.row = row


class EditForm(FlaskForm):
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(message=_l("Please write something.")), Length(max=2000)],
        filters=[lambda v: v.strip() if v else v],
    )


class AnswerForm(FlaskForm):
    answer = RadioField(
        _l("Your answer"),
        choices=[(a, ANSWER_LABELS[a]) for a in CONSULT_ANSWERS],
        validators=[InputRequired(message=_l("Please choose an answer."))],
    )
    note = TextAreaField(_l("A note (optional)"), validators=[Length(max=1000)], filters=[lambda v: v.strip() if v else v])


class ReplyForm(FlaskForm):
    thanks = TextAreaField(_l("Thanks"), validators=[Length(max=300)])
    acceptance = TextAreaField(_l("Acceptance"), validators=[Length(max=300)])
    future = TextAreaField(_l("An open future"), validators=[Length(max=300)])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not self.text():
            self.form_errors.append(_("Please write something."))
            return False
        return True

    def text(self):
        parts = (self.thanks.data, self.acceptance.data, self.future.data)
        return "\n".join(p.strip() for p in parts if p and p.strip())


# --- views ----------------------------------------------------------------------------------------


def load_photos(db, checkin_ids):
    by_checkin = {}
    if checkin_ids:
        for photo in db.exec(
            scoped(Photo, current_user.couple_id).where(Photo.checkin_id.in_(checkin_ids)).order_by(Photo.checkin_id, Photo.position)
        ):
            by_checkin.setdefault(photo.checkin_id, []).append(photo)
    return by_checkin


def render_form(form, status=200, correcting=None):
    return (
        render_template(
            "checkins/new.html",
            form=form,
            kind_hints=KIND_HINTS,
            correcting=correcting,
            max_mb=current_app.config["SETTINGS"]["TRUST_MAX_UPLOAD_MB"],
        ),
        status,
    )


@bp.route("/checkins/new", methods=["GET", "POST"])
@role_required("rebuilding")
def new():
    """Write a check-in, or a correction of an earlier one."""
    db = get_db()
    form = CheckInForm()
    form.condition.choices = active_condition_choices(current_user.couple_id)
    correcting = None
    corrects_id = request.values.get("corrects", "")
    if corrects_id:
        if not corrects_id.isdigit():
            abort(404)
        correcting = get_owned(CheckIn, int(corrects_id), current_user.couple_id)
        if correcting.author_id != current_user.id:
            abort(403)
        form.corrects.data = str(correcting.id)
        # A correction keeps the kind of what it corrects, whatever the request says.
        form.kind.data, form.kind.raw_data = correcting.kind, [correcting.kind]
    if not form.is_submitted():
        kind = request.args.get("kind")
        form.kind.data = correcting.kind if correcting else (kind if kind in CHECKIN_KINDS else "report")
        if request.args.get("condition", "").isdigit():
            form.condition.data = request.args["condition"]
        return render_form(form, correcting=correcting)
    if not form.validate():
        return render_form(form, 400, correcting)
    try:
        prepared = photos.prepare_photos(request.files.getlist(form.photos.name))
    except photos.PhotoError as error:
        form.photos.errors = [str(error)]
        return render_form(form, error.status, correcting)
    now = utcnow()
    zone = ZoneInfo(current_user.timezone)
    checkin = CheckIn(
        couple_id=current_user.couple_id,
        author_id=current_user.id,
        kind=form.kind.data,
        body=form.body.data,
        condition_id=form.condition.row.id if form.condition.row else None,
        corrects_id=correcting.id if correcting else None,
        expected_end_at=(
            next_local_time(form.expected_end.parsed, zone, now)
            if form.kind.data == "contact" and form.expected_end.parsed
            else None
        ),
        created_at=now,
    )
    db.add(checkin)
    db.flush()
    written = photos.store_photos(db, prepared, couple_id=checkin.couple_id, checkin_id=checkin.id, now=now)
    kind = "consult" if checkin.kind == "consult" else "checkin"
    tell_partner(db, current_user, kind=kind, url=url_for("checkins.show", checkin_id=checkin.id), now=now,
                 detail=checkin.body)
    try:
        db.commit()
    except Exception:
        db.rollback()
        photos.remove_files(written)
        raise
    current_app.logger.info("checkin %s created (%s, %d photos)", checkin.id, checkin.kind, len(written))
    flash(_("Shared. Thank you for telling."))
    return redirect(url_for("checkins.show", checkin_id=checkin.id))


@bp.get("/checkins/<int:checkin_id>")
@paired_required
def show(checkin_id):
    db = get_db()
    checkin = get_owned(CheckIn, checkin_id, current_user.couple_id)
    now = utcnow()
    corrections = db.exec(
        scoped(CheckIn, current_user.couple_id).where(CheckIn.corrects_id == checkin.id).order_by(CheckIn.created_at)
    ).all()
    corrected = get_owned(CheckIn, checkin.corrects_id, current_user.couple_id) if checkin.corrects_id else None
    condition = get_owned(Condition, checkin.condition_id, current_user.couple_id) if checkin.condition_id else None
    reactions = db.exec(scoped(Reaction, current_user.couple_id).where(Reaction.checkin_id == checkin.id)).all()
    reply_form = ReplyForm()
    if not reply_form.is_submitted():
        for name, text in graceful_reply_parts().items():
            getattr(reply_form, name).data = text
    return render_template(
        "checkins/show.html",
        checkin=checkin,
        photos=load_photos(db, [checkin.id]).get(checkin.id, []),
        corrections=corrections,
        corrected=corrected,
        condition=condition,
        reactions={r.kind for r in reactions},
        editable=checkin.author_id == current_user.id and changeable(db, checkin, now),
        overdue=is_overdue(checkin, now),
        answer_form=AnswerForm(),
        reply_form=reply_form,
        edit_form=EditForm(body=checkin.body),
        labels=dict(kind=KIND_LABELS, answer=ANSWER_LABELS, reaction=REACTION_LABELS),
    )


def changeable(db, checkin: CheckIn, now) -> bool:
    """Within the grace period and before anyone has answered it or corrected it."""
    if not within_grace(checkin, now, current_app.config["CHECKIN_GRACE"]):
        return False
    if checkin.answer is not None:
        return False
    return db.exec(scoped(CheckIn, checkin.couple_id).where(CheckIn.corrects_id == checkin.id)).first() is None


def own_changeable_checkin(checkin_id):
    """The signed-in author's check-in and whether it may still be edited or deleted."""
    db = get_db()
    checkin = get_owned(CheckIn, checkin_id, current_user.couple_id)
    require_role("rebuilding")
    if checkin.author_id != current_user.id:
        abort(403)
    if not changeable(db, checkin, utcnow()):
        if checkin.answer is not None:
            flash(_("This check-in already has a reply or a correction, so it stays."), "error")
        else:
            flash(_("Check-ins cannot be changed after 10 minutes. You can add a correction instead."), "error")
        return checkin, False
    return checkin, True


@bp.post("/checkins/<int:checkin_id>/edit")
@paired_required
def edit(checkin_id):
    db = get_db()
    checkin, allowed = own_changeable_checkin(checkin_id)
    if not allowed:
        return show_again(checkin)
    form = EditForm()
    if not form.validate():
        for error in form.body.errors:
            flash(str(error), "error")
        return show_again(checkin, 400)
    checkin.body = form.body.data
    checkin.edited_at = utcnow()
    db.commit()
    flash(_("Saved."))
    return redirect(url_for("checkins.show", checkin_id=checkin.id))


def show_again(checkin, status=409):
    """Show the check-in again with the flashed message and an error status."""
    return show(checkin.id), status


@bp.post("/checkins/<int:checkin_id>/delete")
@paired_required
def delete(checkin_id):
    db = get_db()
    checkin, allowed = own_changeable_checkin(checkin_id)
    if not allowed:
        return show_again(checkin)
    files = []
    for photo in db.exec(scoped(Photo, current_user.couple_id).where(Photo.checkin_id == checkin.id)):
        files.append(photos.photo_path(photo.couple_id, photo.id))
        db.delete(photo)
    for reaction in db.exec(scoped(Reaction, current_user.couple_id).where(Reaction.checkin_id == checkin.id)):
        db.delete(reaction)
    db.delete(checkin)
    db.commit()
    photos.remove_files(files)
    flash(_("Deleted."))
    return redirect(url_for("dashboard.index"))


@bp.post("/checkins/<int:checkin_id>/end")
@paired_required
def end_contact(checkin_id):
    """ "Home now": close an open contact."""
    db = get_db()
    checkin = get_owned(CheckIn, checkin_id, current_user.couple_id)
    require_role("rebuilding")
    if checkin.kind != "contact" or checkin.ended_at is not None:
        flash(_("This contact is already closed."), "error")
        return show_again(checkin)
    now = utcnow()
    checkin.ended_at = now
    tell_partner(db, current_user, kind="checkin", url=url_for("checkins.show", checkin_id=checkin.id), now=now)
    db.commit()
    flash(_("Marked as home. Thank you."))
    return redirect(url_for("dashboard.index"))


@bp.post("/checkins/<int:checkin_id>/answer")
@paired_required
def answer(checkin_id):
    """The hurt partner answers a consult: yes, no or let's talk, with a note."""
    db = get_db()
    checkin = get_owned(CheckIn, checkin_id, current_user.couple_id)
    if checkin.kind != "consult" or current_user.role != "hurt":
        flash(_("Only your partner's questions can be answered here."), "error")
        return show_again(checkin, 403)
    if checkin.answer is not None:
        flash(_("This question has already been answered."), "error")
        return show_again(checkin)
    form = AnswerForm()
    if not form.validate():
        for field in (form.answer, form.note):
            for error in field.errors:
                flash(str(error), "error")
        return show_again(checkin, 400)
    now = utcnow()
    checkin.answer = form.answer.data
    checkin.answer_note = form.note.data or ""
    checkin.answered_at = now
    notify(db, couple_id=checkin.couple_id, user_id=checkin.author_id, kind="consult_answered", url=url_for("checkins.show", checkin_id=checkin.id), now=now)
    db.commit()
    flash(_("Your answer was sent."))
    return redirect(url_for("checkins.show", checkin_id=checkin.id))


@bp.post("/checkins/<int:checkin_id>/reply")
@paired_required
def reply(checkin_id):
    """The rebuilding partner's reply to a "no": thanks, acceptance, an open future."""
    db = get_db()
    checkin = get_owned(CheckIn, checkin_id, current_user.couple_id)
    require_role("rebuilding")
    if checkin.kind != "consult" or checkin.answer != "no" or checkin.author_id != current_user.id:
        flash(_("A reply can follow only an answer of no to your own question."), "error")
        return show_again(checkin, 403)
    if checkin.replied_at is not None:
        flash(_("You have already replied."), "error")
        return show_again(checkin)
    form = ReplyForm()
    if not form.validate():
        for error in form.form_errors + [e for f in (form.thanks, form.acceptance, form.future) for e in f.errors]:
            flash(str(error), "error")
        return show_again(checkin, 400)
    now = utcnow()
    checkin.reply_body = form.text()
    checkin.replied_at = now
    tell_partner(db, current_user, kind="consult_reply", url=url_for("checkins.show", checkin_id=checkin.id), now=now)
    db.commit()
    flash(_("Your reply was sent."))
    return redirect(url_for("checkins.show", checkin_id=checkin.id))


@bp.post("/checkins/<int:checkin_id>/react")
@paired_required
def react(checkin_id):
    """Toggle a reaction (reassured / thanks) on a check-in."""
    db = get_db()
    checkin = get_owned(CheckIn, checkin_id, current_user.couple_id)
    require_role("hurt")
    kind = request.form.get("kind", "")
    if kind not in REACTIONS:
        flash(_("Choose a reaction from the buttons."), "error")
        return show_again(checkin, 400)
    existing = db.exec(
        scoped(Reaction, current_user.couple_id).where(
            Reaction.checkin_id == checkin.id, Reaction.user_id == current_user.id, Reaction.kind == kind
        )
    ).first()
    now = utcnow()
    if existing:
        db.delete(existing)
    else:
        db.add(Reaction(couple_id=checkin.couple_id, checkin_id=checkin.id, user_id=current_user.id, kind=kind, created_at=now))
        notify(db, couple_id=checkin.couple_id, user_id=checkin.author_id, kind="reaction", url=url_for("checkins.show", checkin_id=checkin.id), now=now)
    db.commit()
    return redirect(url_for("checkins.show", checkin_id=checkin.id))
