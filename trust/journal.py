"""Private writing: the hurt partner's journal and the rebuilding partner's reflections."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from .accounts import paired_required
from .db import get_db, utcnow
from .models import JournalEntry
from .leaving import current_couple, sharing_open
from .notices import tell_partner
from .scoping import get_owned, scoped

bp = Blueprint("journal", __name__)


class EntryForm(FlaskForm):
    body = TextAreaField(
        _l("Write"),
        validators=[DataRequired(message=_l("Please write something.")), Length(max=5000)],
        filters=[lambda v: v.strip() if v else v],
    )
    shared = BooleanField(_l("Share this reflection with my partner"))


def visible_to(entry: JournalEntry, viewer_id: int) -> bool:
    """The author sees their own writing; the partner only a reflection its author shared."""
    return entry.author_id == viewer_id or entry.shared


def own_entry(entry_id: int) -> JournalEntry:
    entry = get_owned(JournalEntry, entry_id, current_user.couple_id)
    if entry.author_id != current_user.id:
        abort(404)  # a partner's writing is not even acknowledged to exist
    return entry


@bp.route("/journal", methods=["GET", "POST"])
@paired_required
def index():
    db = get_db()
    form = EntryForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            now = utcnow()
            # The journal is private by design: only reflections can be shared.
            shared = current_user.role == "rebuilding" and form.shared.data
            entry = JournalEntry(couple_id=current_user.couple_id, author_id=current_user.id, body=form.body.data,
                                 shared=shared, created_at=now, shared_at=now if shared else None)
            db.add(entry)
            if shared:
                tell_partner(db, current_user, kind="reflection", url=url_for("journal.index"), now=now)
            db.commit()
            flash(_("Saved."))
            return redirect(url_for("journal.index"))
        status = 400
    rows = db.exec(
        scoped(JournalEntry, current_user.couple_id).order_by(JournalEntry.created_at.desc()).limit(200)
    ).all()
    mine = [e for e in rows if e.author_id == current_user.id]
    partners = [e for e in rows if e.author_id != current_user.id and visible_to(e, current_user.id)]
    if not sharing_open(current_couple()):
        partners = []  # a pause or the end of the pairing closes what was shared
    return render_template("journal/index.html", form=form, mine=mine, partners=partners), status


@bp.post("/journal/<int:entry_id>/share")
@paired_required
def share(entry_id):
    """Share a reflection with the partner, or take it back."""
    db = get_db()
    entry = own_entry(entry_id)
    if current_user.role != "rebuilding":
        abort(403)
    now = utcnow()
    entry.shared = not entry.shared
    entry.shared_at = now if entry.shared else None
    if entry.shared:
        tell_partner(db, current_user, kind="reflection", url=url_for("journal.index"), now=now)
    db.commit()
    flash(_("Shared with your partner.") if entry.shared else _("Only you can see this now."))
    return redirect(url_for("journal.index"))


@bp.post("/journal/<int:entry_id>/delete")
@paired_required
def delete(entry_id):
    db = get_db()
    db.delete(own_entry(entry_id))
    db.commit()
    flash(_("Deleted."))
    return redirect(url_for("journal.index"))
