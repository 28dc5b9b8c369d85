"""Time together: evenings, walks, meals, video calls — logged by either partner."""
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from .accounts import paired_required
from .db import get_db, utcnow
from .models import TOGETHER_KINDS, TogetherEntry
from .notices import tell_partner
from .scoping import scoped

bp = Blueprint("together", __name__)

KIND_LABELS = {"together": _l("Time together"), "video_call": _l("Video call")}


class TogetherForm(FlaskForm):
    kind = RadioField(
        _l("What"),
        choices=[(k, KIND_LABELS[k]) for k in TOGETHER_KINDS],
        validators=[InputRequired(message=_l("Please choose one."))],
    )
    happened_on = DateField(_l("Day"), validators=[InputRequired(message=_l("Please give a date."))])
    minutes = IntegerField(
        _l("About how many minutes"),
        validators=[
            InputRequired(message=_l("Please give the minutes, from 1 to 1440.")),
            NumberRange(min=1, max=1440, message=_l("Please give the minutes, from 1 to 1440.")),
        ],
    )
    note = TextAreaField(_l("Note (optional, your partner sees it)"), validators=[Length(max=500)], filters=[lambda v: v.strip() if v else v])

    def validate_happened_on(self, field):
        if field.data is None:
            return  # the date did not parse; that message is already there
        today = utcnow().astimezone(ZoneInfo(current_user.timezone)).date()
        if field.data > today + timedelta(days=1):
            raise ValidationError(_l("This date is in the future."))
        if field.data < date(1970, 1, 1):
            raise ValidationError(_l("Please give a date after 1970."))


@bp.route("/together", methods=["GET", "POST"])
@paired_required
def index():
    db = get_db()
    form = TogetherForm()
    status = 200
    if not form.is_submitted():
        form.kind.data = "together"
        form.happened_on.data = utcnow().astimezone(ZoneInfo(current_user.timezone)).date()
    elif form.validate():
        now = utcnow()
        db.add(
            TogetherEntry(
                couple_id=current_user.couple_id,
                logged_by=current_user.id,
                kind=form.kind.data,
                happened_on=form.happened_on.data,
                minutes=form.minutes.data,
                note=form.note.data or "",
                created_at=now,
            )
        )
        tell_partner(db, current_user, kind="together", url=url_for("together.index"), now=now)
        db.commit()
        flash(_("Logged. Time together counts."))
        return redirect(url_for("together.index"))
    else:
        status = 400
    entries = db.exec(
        scoped(TogetherEntry, current_user.couple_id)
        .order_by(TogetherEntry.happened_on.desc(), TogetherEntry.id.desc())
        .limit(50)
    ).all()
    return render_template("together/index.html", form=form, entries=entries, labels=KIND_LABELS), status
