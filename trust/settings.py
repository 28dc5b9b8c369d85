"""Settings: profile, language, time zone, the couple's start date and zone, password."""
import hashlib

from flask import Blueprint, abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import DateField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from . import accounts, reminders
from .db import get_db, utcnow
from .i18n import is_zone, zone_names
from .models import Couple, LoginSession
from .pairing import check_start_date
from .security import log_event, mark_authenticated


def validate_zone(form, field):
    field.data = (field.data or "").strip()
    if not is_zone(field.data):
        raise ValidationError(_l("Choose a time zone such as Asia/Tokyo or Europe/London."))


bp = Blueprint("settings", __name__)


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Name your partner sees"), validators=[DataRequired(), Length(max=60)],
        filters=[lambda v: v.strip() if v else v],
    )
    language = SelectField(
        _l("Language"), choices=[("", _l("Same as my browser")), ("ja", "日本語"), ("en", "English")]
    )
    timezone = StringField(_l("My time zone"), validators=[DataRequired(), Length(max=64), validate_zone])


class CoupleForm(FlaskForm):
    started_on = DateField(_l("We started rebuilding on"), validators=[InputRequired(message=_l("Please give a date."))])
    timezone = StringField(
        _l("Time zone for daily conditions"),
        description=_l("Deadlines such as \"daily by 22:00\" follow this zone."),
        validators=[DataRequired(), Length(max=64), validate_zone],
    )

    def validate_started_on(self, field):
        check_start_date(field.data)


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired()])

    def validate_current(self, field):
        if not accounts.check_password(current_user, field.data):
            raise ValidationError(_l("This is not your current password."))

    def validate_new(self, field):
        problem = accounts.password_problem(field.data, current_user.username)
        if problem:
            raise ValidationError(problem)


def render(status=200, **forms):
    couple = get_db().get(Couple, current_user.couple_id) if current_user.couple_id else None
    forms.setdefault("profile", ProfileForm(formdata=None, obj=current_user))
    if couple is not None:
        forms.setdefault("couple_form", CoupleForm(formdata=None, obj=couple))
    forms.setdefault("password", PasswordForm(formdata=None))
    return render_template("settings/index.html", couple=couple, zones=sorted(zone_names()), **forms), status


@bp.get("/settings")
@login_required
def index():
    return render()


@bp.post("/settings/profile")
@login_required
def profile():
    form = ProfileForm()
    if not form.validate():
        return render(400, profile=form)
    current_user.display_name = form.display_name.data
    current_user.language = form.language.data if form.language.data in ("ja", "en") else ""
    if current_user.timezone != form.timezone.data:
        current_user.timezone = form.timezone.data
        reminders.reschedule_user(get_db(), current_user, utcnow())
    get_db().commit()
    flash(_("Saved."))
    return redirect(url_for("settings.index"))


@bp.post("/settings/couple")
@accounts.paired_required
def couple():
    form = CoupleForm()
    if not form.validate():
        return render(400, couple_form=form)
    row = get_db().get(Couple, current_user.couple_id)
    row.started_on = form.started_on.data
    if row.timezone != form.timezone.data:
        row.timezone = form.timezone.data
        get_db().flush()
        reminders.reschedule_couple_conditions(get_db(), row.id, utcnow())
    get_db().commit()
    flash(_("Saved."))
    return redirect(url_for("settings.index"))


def session_handle(record_id: str) -> str:
    """A public name for a session row: the row id itself is what the cookie carries."""
    return hashlib.sha256(record_id.encode()).hexdigest()[:20]


def live_sessions(db, user):
    return db.exec(
        select(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .order_by(LoginSession.last_seen_at.desc())
    ).all()


@bp.get("/settings/sessions")
@login_required
def sessions():
    """Where this account is signed in, so a device left signed in can be signed out."""
    rows = live_sessions(get_db(), current_user)
    return render_template("settings/sessions.html", sessions=[(session_handle(r.id), r) for r in rows],
                           current=session.get("sid"))


@bp.post("/settings/sessions/<handle>/revoke")
@login_required
def revoke(handle):
    db = get_db()
    match = [r for r in live_sessions(db, current_user) if session_handle(r.id) == handle]
    if not match:
        abort(404)
    match[0].revoked_at = utcnow()
    log_event(db, current_user, "session_revoked", utcnow(), match[0].user_agent)
    db.commit()
    current_app.logger.info("user %s revoked a session", current_user.id)
    if match[0].id == session.get("sid"):
        return redirect(url_for("accounts.login"))
    flash(_("That device is signed out."))
    return redirect(url_for("settings.sessions"))


@bp.post("/settings/sessions/revoke-all")
@login_required
def revoke_all():
    """Sign out everywhere, this device included."""
    db = get_db()
    accounts.revoke_all_sessions(db, current_user._get_current_object(), utcnow())
    log_event(db, current_user, "logout_everywhere", utcnow())
    db.commit()
    current_app.logger.info("user %s signed out everywhere", current_user.id)
    session.clear()
    flash(_("You are signed out on every device."))
    return redirect(url_for("accounts.login"))


@bp.get("/settings/visibility")
@accounts.paired_required
def visibility():
    """What my partner can see, computed with the same functions the pages use to decide."""
    from .comfort import comfort_seen_by
    from .journal import visible_to
    from .models import ComfortEntry, JournalEntry
    from .scoping import scoped

    db = get_db()
    partner = accounts.partner_of(current_user)
    seen = {}
    if partner is not None:
        if current_user.role == "hurt":
            entries = db.exec(scoped(ComfortEntry, current_user.couple_id).where(ComfortEntry.author_id == current_user.id)).all()
            mode, shown = comfort_seen_by(partner.id, current_user, entries)
            seen.update(comfort_mode=mode, comfort_total=len(entries), comfort_shown=len(shown),
                        notes_shown=sum(1 for _entry, note in shown if note))
        writing = db.exec(scoped(JournalEntry, current_user.couple_id).where(JournalEntry.author_id == current_user.id)).all()
        seen.update(writing_total=len(writing), writing_shown=sum(1 for e in writing if visible_to(e, partner.id)))
    return render_template("settings/visibility.html", partner=partner, seen=seen)


@bp.post("/settings/password")
@login_required
def password():
    """Change the password; every other device is signed out."""
    form = PasswordForm()
    if not form.validate():
        return render(400, password=form)
    db = get_db()
    now = utcnow()
    current_user.password_hash = accounts.hash_password(form.new.data)
    current_user.password_changed_at = now
    user = current_user._get_current_object()
    accounts.revoke_all_sessions(db, user, now)
    log_event(db, user, "password_changed", now)
    db.commit()
    accounts.start_session(user, now)
    mark_authenticated(now)
    flash(_("Your password is changed. Other devices have been signed out."))
    return redirect(url_for("settings.index"))
