"""Pairing: the first account, invite links (with QR codes) and the partner joining."""
import hashlib
import secrets
from datetime import date, datetime, timedelta

import segno
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import update
from sqlmodel import func, select
from wtforms import BooleanField, DateField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, ValidationError

from . import accounts
from .db import claim, get_db, utcnow
from .i18n import LANGUAGES, is_zone
from .models import Couple, Invite, User

bp = Blueprint("pairing", __name__)


# --- domain ---------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(db, *, couple_id, created_by, now: datetime, lifetime: timedelta) -> str:
    """Create a single-use invite and return its token; older unused ones of the couple lapse."""
    if couple_id is not None:
        db.exec(
            update(Invite)
            .where(Invite.couple_id == couple_id, Invite.used_at.is_(None), Invite.expires_at > now)
            .values(expires_at=now)
        )
    token = secrets.token_urlsafe(24)
    db.add(
        Invite(
            token_hash=hash_token(token),
            couple_id=couple_id,
            created_by=created_by,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.commit()
    return token


def invite_state(invite: Invite | None, now: datetime) -> str:
    """'valid', 'used', 'expired' or 'unknown' for an invite at `now`."""
    if invite is None:
        return "unknown"
    if invite.used_at is not None:
        return "used"
    if now >= invite.expires_at:
        return "expired"
    return "valid"


def find_invite(db, token: str) -> Invite | None:
    return db.exec(select(Invite).where(Invite.token_hash == hash_token(token))).first()


def claim_invite(db, invite: Invite, now: datetime) -> bool:
    """Mark the invite used if nobody else has; True for the one request that wins."""
    return claim(
        db,
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now),
    )


def other_role(role: str) -> str:
    return "hurt" if role == "rebuilding" else "rebuilding"


def instance_is_empty(db) -> bool:
    return db.exec(select(func.count()).select_from(User)).one() == 0


# --- forms --------------------------------------------------------------------------------------


def guess_timezone() -> str:
    return "Asia/Tokyo" if request.accept_languages.best_match(LANGUAGES) == "ja" else "UTC"


def check_start_date(day):
    """The couple's start date: a real day, not in the future (a day of slack for time zones)."""
    if day is None:
        return  # the date did not parse; that message is already there
    if day > date.today() + timedelta(days=1):
        raise ValidationError(_l("This date is in the future."))
    if day.year < 1970:
        raise ValidationError(_l("Please give a date after 1970."))


class JoinForm(FlaskForm):
    """What every new account gives: who they are, how to sign in, language and time zone."""

    username = StringField(
        _l("Username"),
        description=_l("Lowercase letters, digits, dot, dash or underscore; 3 to 40 characters."),
        validators=[
            DataRequired(),
            Regexp(accounts.USERNAME_PATTERN, message=_l("Use 3 to 40 lowercase letters, digits, dots, dashes or underscores.")),
        ],
        filters=[lambda v: v.strip().lower() if v else v],
    )
    display_name = StringField(
        _l("Name your partner sees"), validators=[DataRequired(), Length(max=60)],
        filters=[lambda v: v.strip() if v else v],
    )
    password = PasswordField(_l("Password"), description=_l("At least 8 characters; a few unrelated words work well."), validators=[DataRequired()])
    language = SelectField(_l("Language"), choices=[("ja", "日本語"), ("en", "English")])
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])
    afraid = RadioField(
        _l("Do you ever feel afraid of your partner, or pressured to use this app?"),
        choices=[("no", _l("No")), ("yes", _l("Yes")), ("unsure", _l("I am not sure"))],
        validators=[InputRequired(message=_l("Please choose an answer. It is not stored."))],
    )
    operator_ack = BooleanField(
        _l("I understand that whoever runs this server can read its database."),
        validators=[DataRequired(message=_l("Please confirm you have read this."))],
    )

    def validate_timezone(self, field):
        if not is_zone(field.data.strip()):
            raise ValidationError(_l("Choose a time zone such as Asia/Tokyo or Europe/London."))
        field.data = field.data.strip()

    def validate_password(self, field):
        problem = accounts.password_problem(field.data, self.username.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_username(self, field):
        if accounts.username_taken(get_db(), field.data):
            raise ValidationError(_l("This username is already in use."))


class FounderForm(JoinForm):
    """The first partner of a couple also says which side they are on and when it began."""

    role = RadioField(
        _l("Which side are you on?"),
        choices=[
            ("rebuilding", _l("Rebuilding trust — I broke it and want to earn it back")),
            ("hurt", _l("Healing — I was hurt and I am watching over the process")),
        ],
        validators=[InputRequired(message=_l("Please choose one."))],
    )
    started_on = DateField(
        _l("When did you start rebuilding?"),
        validators=[InputRequired(message=_l("Please give a date."))],
    )

    def validate_started_on(self, field):
        check_start_date(field.data)


def prefill(form):
    if not form.is_submitted():
        form.timezone.data = guess_timezone()
        form.language.data = request.accept_languages.best_match(LANGUAGES) or "en"
        if isinstance(form, FounderForm):
            form.started_on.data = date.today()


def new_account(db, form, *, role, couple_id, now):
    return accounts.create_user(
        db,
        username=form.username.data,
        display_name=form.display_name.data,
        password=form.password.data,
        role=role,
        couple_id=couple_id,
        language=form.language.data,
        timezone=form.timezone.data,
        now=now,
    )


def after_setup(form):
    """Where a new account goes next: help first if they said they are afraid."""
    if form.afraid.data in ("yes", "unsure"):
        return redirect(url_for("safety.index", setup=1))
    return None


# --- views --------------------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
def register():
    """The first account of an empty instance; afterwards accounts come only from invites."""
    db = get_db()
    if not instance_is_empty(db):
        return render_template("pairing/closed.html"), 403
    form = FounderForm()
    prefill(form)
    if form.is_submitted():
        if not form.validate():
            return render_template("pairing/register.html", form=form), 400
        now = utcnow()
        couple = Couple(started_on=form.started_on.data, timezone=form.timezone.data, created_at=now)
        db.add(couple)
        db.flush()
        user = new_account(db, form, role=form.role.data, couple_id=couple.id, now=now)
        db.commit()
        accounts.start_session(user, now)
        remember_invite(couple.id, user.id, now)
        return after_setup(form) or redirect(url_for("pairing.invite"))
    return render_template("pairing/register.html", form=form)


def remember_invite(couple_id, user_id, now):
    lifetime = current_app.config["INVITE_LIFETIME"]
    token = create_invite(get_db(), couple_id=couple_id, created_by=user_id, now=now, lifetime=lifetime)
    # Only the hash is in the database; the inviter's own cookie keeps the link to show again.
    session["invite_token"] = token


@bp.route("/pair", methods=["GET", "POST"])
@login_required
def invite():
    """Show the partner's invite link and its QR code, or make a new one."""
    db = get_db()
    if current_user.couple_id is None:
        abort(404)
    if accounts.partner_of(current_user) is not None:
        session.pop("invite_token", None)
        return redirect(url_for("dashboard.index"))
    now = utcnow()
    if request.method == "POST":
        remember_invite(current_user.couple_id, current_user.id, now)
        return redirect(url_for("pairing.invite"))
    token = session.get("invite_token")
    invite_row = find_invite(db, token) if token else None
    if invite_row is None or invite_row.couple_id != current_user.couple_id or invite_state(invite_row, now) != "valid":
        return render_template("pairing/invite.html", link=None)
    link = url_for("pairing.join", token=token, _external=True)
    qr = segno.make(link, error="m").svg_inline(scale=5, dark="#1d2b2a", light="#ffffff", border=2)
    return render_template("pairing/invite.html", link=link, qr=qr, expires_at=invite_row.expires_at)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def join(token):
    """Join through an invite: the partner of an existing couple, or the first of a new one."""
    db = get_db()
    now = utcnow()
    invite_row = find_invite(db, token[:100])
    state = invite_state(invite_row, now)
    if state != "valid":
        status = 404 if state == "unknown" else 410
        return render_template("pairing/invite_invalid.html", state=state), status
    if current_user.is_authenticated:
        return render_template("pairing/signed_in.html"), 409
    if invite_row.couple_id is None:
        form = FounderForm()
        role = None
    else:
        form = JoinForm()
        inviter = db.exec(select(User).where(User.couple_id == invite_row.couple_id)).all()
        if len(inviter) != 1:
            return render_template("pairing/invite_invalid.html", state="used"), 410
        role = other_role(inviter[0].role)
    prefill(form)
    if form.is_submitted():
        if not form.validate():
            return render_template("pairing/join.html", form=form, role=role), 400
        if not claim_invite(db, invite_row, now):
            db.rollback()
            return render_template("pairing/invite_invalid.html", state="used"), 410
        couple_id = invite_row.couple_id
        if couple_id is None:
            couple = Couple(started_on=form.started_on.data, timezone=form.timezone.data, created_at=now)
            db.add(couple)
            db.flush()
            couple_id, role = couple.id, form.role.data
        user = new_account(db, form, role=role, couple_id=couple_id, now=now)
        db.commit()
        accounts.start_session(user, now)
        if invite_row.couple_id is None:
            remember_invite(couple_id, user.id, now)
            return after_setup(form) or redirect(url_for("pairing.invite"))
        from .notices import notify
        from .reminders import ensure_default_reminders

        ensure_default_reminders(db, couple_id, now)
        notify(db, couple_id=couple_id, user_id=invite_row.created_by, kind="partner_joined", url="/", now=now)
        db.commit()
        return after_setup(form) or redirect(url_for("dashboard.index"))
    return render_template("pairing/join.html", form=form, role=role)
