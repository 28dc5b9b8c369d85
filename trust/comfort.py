"""Comfort (安心度), "I need reassurance" and "I need space" — the hurt partner's voice."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from .accounts import paired_required, require_role, role_required
from .db import get_db, utcnow
from .models import COMFORT_TAGS, ComfortEntry, ReassuranceRequest, SpacePeriod, User
from .notices import notify, tell_partner
from .scoping import get_owned, scoped

bp = Blueprint("comfort", __name__)

TAG_LABELS = {
    "late_reply": _l("A late reply"),
    "anniversary": _l("An anniversary or date"),
    "saw_something": _l("Saw or heard something"),
    "memory": _l("A memory came back"),
    "alone": _l("Time alone"),
    "argument": _l("An argument"),
    "good_talk": _l("A good talk"),
    "reassured": _l("Felt reassured"),
}
SPACE_HOURS = (1, 3, 12, 24, 72, 168)
SHARING_LABELS = {
    "daily": _l("Each entry I share (private ones never)"),
    "weekly": _l("Weekly averages only"),
    "none": _l("Nothing"),
}
REASSURANCE_REPEAT = timedelta(minutes=10)


# --- domain -------------------------------------------------------------------------------------


def visible_entries(entries, viewer_id: int):
    """Comfort entries as `viewer_id` may see them: the author sees all, the partner no private ones.

    For the partner the note is blanked unless its author chose to share it.
    """
    shown = []
    for entry in entries:
        if entry.author_id == viewer_id:
            shown.append((entry, entry.note))
        elif not entry.private:
            shown.append((entry, entry.note if entry.note_shared else ""))
    return shown


def comfort_seen_by(viewer_id: int, author: User | None, entries) -> tuple[str, list]:
    """What `viewer_id` sees of `author`'s comfort: ("daily" | "weekly" | "none", visible entries).

    The author sees everything; the partner what the author chose, never a private entry.
    """
    if author is None:
        return "none", []
    if viewer_id == author.id:
        return "daily", visible_entries(entries, viewer_id)
    mode = author.comfort_sharing
    return mode, visible_entries(entries, viewer_id) if mode == "daily" else []


def active_space(db, couple_id: int, now: datetime) -> SpacePeriod | None:
    """The pause for space in effect at `now`, if any."""
    return db.exec(
        scoped(SpacePeriod, couple_id)
        .where(SpacePeriod.starts_at <= now, SpacePeriod.ends_at > now, SpacePeriod.ended_early_at.is_(None))
        .order_by(SpacePeriod.ends_at.desc())
    ).first()


def open_reassurance(db, couple_id: int) -> ReassuranceRequest | None:
    return db.exec(
        scoped(ReassuranceRequest, couple_id)
        .where(ReassuranceRequest.answered_at.is_(None))
        .order_by(ReassuranceRequest.created_at.desc())
    ).first()


# --- forms --------------------------------------------------------------------------------------


class ComfortForm(FlaskForm):
    level = IntegerField(
        _l("How safe do you feel right now? (0–10)"),
        validators=[
            InputRequired(message=_l("Please choose a level from 0 to 10.")),
            NumberRange(min=0, max=10, message=_l("Please choose a level from 0 to 10.")),
        ],
    )
    tags = SelectMultipleField(
        _l("What played a part? (optional)"),
        choices=[(t, TAG_LABELS[t]) for t in COMFORT_TAGS],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=2000)], filters=[lambda v: v.strip() if v else v])
    note_shared = BooleanField(_l("Share this note with my partner"))
    private = BooleanField(_l("Keep this whole entry to myself"))


class SpaceForm(FlaskForm):
    hours = SelectField(
        _l("I need space for"),
        choices=[(str(h), str(h)) for h in SPACE_HOURS],
        validators=[InputRequired()],
    )


def space_choices():
    def label(hours):
        if hours < 24:
            return _("%(n)d hours", n=hours) if hours > 1 else _("1 hour")
        days = hours // 24
        return _("%(n)d days", n=days) if days > 1 else _("1 day")

    return [(str(h), label(h)) for h in SPACE_HOURS]


# --- views ----------------------------------------------------------------------------------------


@bp.route("/comfort", methods=["GET", "POST"])
@paired_required
def index():
    db = get_db()
    form = ComfortForm()
    status = 200
    if request.method == "POST":
        if current_user.role != "hurt":
            flash(_("Only your partner records comfort."), "error")
            status = 403
        elif form.validate():
            now = utcnow()
            entry = ComfortEntry(
                couple_id=current_user.couple_id,
                author_id=current_user.id,
                level=form.level.data,
                tags=",".join(t for t in form.tags.data if t in COMFORT_TAGS),
                note=form.note.data or "",
                note_shared=form.note_shared.data and not form.private.data,
                private=form.private.data,
                created_at=now,
            )
            db.add(entry)
            db.commit()
            flash(_("Recorded. However you feel is allowed."))
            return redirect(url_for("comfort.index"))
        else:
            status = 400
    entries = db.exec(
        scoped(ComfortEntry, current_user.couple_id).order_by(ComfortEntry.created_at.desc()).limit(60)
    ).all()
    author = db.exec(select(User).where(User.couple_id == current_user.couple_id, User.role == "hurt")).first()
    sharing, shown = comfort_seen_by(current_user.id, author, entries)
    weekly = []
    if current_user.role != "hurt":
        if sharing == "weekly" and author is not None:
            from .trends import Period, comfort_by_day, weekly_means

            today = utcnow().astimezone(ZoneInfo(current_user.timezone)).date()
            period = Period(today - timedelta(weeks=12), today)
            weekly = [w for w in weekly_means(comfort_by_day(db, current_user.couple_id, author.id, period.start,
                                                             period.end, False), period) if w[1] is not None]
    return render_template(
        "comfort/index.html",
        form=form,
        entries=shown,
        tag_labels=TAG_LABELS,
        sharing=sharing,
        weekly=list(reversed(weekly)),
        sharing_labels=SHARING_LABELS,
    ), status


@bp.post("/comfort/sharing")
@role_required("hurt")
def sharing():
    """What the rebuilding partner sees of comfort: every entry, weekly averages, or nothing."""
    choice = request.form.get("sharing", "")
    if choice not in SHARING_LABELS:
        abort(400)
    current_user.comfort_sharing = choice
    get_db().commit()
    flash(_("Saved."))
    return redirect(url_for("comfort.index"))


@bp.post("/reassurance")
@role_required("hurt")
def request_reassurance():
    """Tell the rebuilding partner at once that reassurance is needed."""
    db = get_db()
    now = utcnow()
    recent = open_reassurance(db, current_user.couple_id)
    if recent is None or now - recent.created_at > REASSURANCE_REPEAT:
        request_row = ReassuranceRequest(couple_id=current_user.couple_id, requested_by=current_user.id, created_at=now)
        db.add(request_row)
        tell_partner(db, current_user, kind="reassurance", url=url_for("dashboard.index"), now=now)
        db.commit()
    flash(_("Your partner has been told that you need reassurance."))
    return redirect(url_for("dashboard.index"))


@bp.post("/reassurance/<int:request_id>/answer")
@paired_required
def answer_reassurance(request_id):
    """ "I'm here": the rebuilding partner has seen the request and is reaching out."""
    db = get_db()
    row = get_owned(ReassuranceRequest, request_id, current_user.couple_id)
    require_role("rebuilding")
    if row.answered_at is None:
        now = utcnow()
        for pending in db.exec(scoped(ReassuranceRequest, current_user.couple_id).where(ReassuranceRequest.answered_at.is_(None))):
            pending.answered_at = now
        notify(db, couple_id=row.couple_id, user_id=row.requested_by, kind="reassurance_answered", url=url_for("dashboard.index"), now=now)
        db.commit()
    flash(_("Your partner will see that you are here. Reach out in the way you agreed."))
    return redirect(url_for("dashboard.index"))


@bp.route("/space", methods=["GET", "POST"])
@paired_required
def space():
    """Ask for space: nudges that would push the partner to reach out pause until it ends."""
    db = get_db()
    form = SpaceForm()
    form.hours.choices = space_choices()
    now = utcnow()
    current = active_space(db, current_user.couple_id, now)
    status = 200
    if request.method == "POST":
        if current_user.role != "hurt":
            flash(_("Only your partner can ask for space here."), "error")
            status = 403
        elif not form.validate():
            status = 400
        else:
            if current is not None:
                current.ended_early_at = now
            period = SpacePeriod(
                couple_id=current_user.couple_id,
                requested_by=current_user.id,
                starts_at=now,
                ends_at=now + timedelta(hours=int(form.hours.data)),
            )
            db.add(period)
            tell_partner(db, current_user, kind="space", url=url_for("comfort.space"), now=now)
            db.commit()
            flash(_("Space is in effect. Your partner sees a calm notice and no reminders to reach out."))
            return redirect(url_for("dashboard.index"))
    return render_template("comfort/space.html", form=form, current=current), status


@bp.post("/space/end")
@role_required("hurt")
def end_space():
    db = get_db()
    now = utcnow()
    current = active_space(db, current_user.couple_id, now)
    if current is not None:
        current.ended_early_at = now
        tell_partner(db, current_user, kind="space_ended", url=url_for("dashboard.index"), now=now)
        db.commit()
    flash(_("The pause for space has ended."))
    return redirect(url_for("dashboard.index"))
