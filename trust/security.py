"""Account security: the security log, re-authentication, TOTP with recovery codes, reset codes.

Everything here is about one user's own account and is shown to that user only.
"""
import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from functools import wraps

import pyotp
import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from . import accounts
from .db import get_db, utcnow
from .models import LoginSession, RecoveryCode, SecurityEvent, User

bp = Blueprint("security", __name__)

REAUTH_WINDOW = timedelta(minutes=10)
SECOND_STEP_WINDOW = timedelta(minutes=5)
RESET_LIFETIME = timedelta(hours=24)
RECOVERY_CODES = 10
# Crockford-style: no 0/O or 1/I/L to misread when a code is typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

EVENT_TEXT = {
    "login": _l("Signed in"),
    "login_failed": _l("A sign-in failed: wrong password or code"),
    "logout_everywhere": _l("Signed out on every device"),
    "session_revoked": _l("A device was signed out"),
    "password_changed": _l("Password changed"),
    "password_reset_issued": _l("The server's operator issued a password reset code"),
    "password_reset_used": _l("Password set with a reset code"),
    "totp_enabled": _l("Authenticator app turned on"),
    "totp_disabled": _l("Authenticator app turned off"),
    "recovery_codes_created": _l("New recovery codes made"),
    "recovery_code_used": _l("Signed in with a recovery code"),
    "export": _l("Data exported"),
    "imported": _l("Data imported from an export"),
    "paused": _l("Sharing paused"),
    "resumed": _l("Sharing resumed"),
    "ended": _l("Pairing ended"),
}


def log_event(db, user: User, kind: str, now: datetime, device: str = ""):
    """Add a line to `user`'s security log; the caller commits."""
    assert kind in EVENT_TEXT, kind
    db.add(SecurityEvent(user_id=user.id, kind=kind, device=device[:200], created_at=now))


def this_device() -> str:
    return (request.user_agent.string or "")[:200]


def digest(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def random_code(groups: int, size: int = 4) -> str:
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(size)) for _ in range(groups))


# --- re-authentication -----------------------------------------------------------------------


def mark_authenticated(now: datetime):
    """This device just proved who it is (password, and code when required)."""
    session["auth_at"] = now.timestamp()


def recently_authenticated(now: datetime) -> bool:
    return now.timestamp() - session.get("auth_at", 0) < REAUTH_WINDOW.total_seconds()


def recent_auth_required(view):
    """Sensitive changes ask for the password again when the last proof is older than 10 minutes,
    so a phone left signed in is not enough to change security or delete anything."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not recently_authenticated(utcnow()):
            target = request.full_path.rstrip("?") if request.method == "GET" else request.path
            if request.method != "GET":
                flash(_("Please confirm it is you, then do that again."))
            return redirect(url_for("security.reauth", next=target))
        return view(*args, **kwargs)

    return wrapped


class ReauthForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=accounts.PASSWORD_MAX)])
    code = StringField(_l("Code from your authenticator app, or a recovery code"), validators=[Length(max=40)])


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
def reauth():
    form = ReauthForm()
    user = current_user._get_current_object()
    status = 200
    if form.is_submitted():
        db = get_db()
        now = utcnow()
        address = accounts.client_address()
        if accounts.login_throttled(db, user.username, address, now):
            form.form_errors.append(accounts.throttled_message())
            return render_template("security/reauth.html", form=form), 429
        ok = form.validate() and accounts.check_password(user, form.password.data)
        if ok and user.totp_secret:
            ok = check_second_step(db, user, form.code.data or "", now)
        accounts.record_login_attempt(db, user.username, address, bool(ok), now)
        if ok:
            mark_authenticated(now)
            db.commit()
            return redirect(accounts.safe_next() or url_for("security.index"))
        log_event(db, user, "login_failed", now, this_device())
        db.commit()
        form.form_errors.append(_("That did not match. Please try again."))
        status = 401
    return render_template("security/reauth.html", form=form), status


# --- signing in -------------------------------------------------------------------------------


def complete_login(db, user: User, now: datetime, *, via_recovery=False):
    """The last step of every sign-in: a fresh session row, the log, and a notice for a new device."""
    device = this_device()
    known = db.exec(
        select(LoginSession.id).where(LoginSession.user_id == user.id, LoginSession.user_agent == device)
    ).first()
    seen_before = db.exec(select(LoginSession.id).where(LoginSession.user_id == user.id)).first()
    log_event(db, user, "recovery_code_used" if via_recovery else "login", now, device)
    if seen_before is not None and known is None and user.couple_id is not None:
        from .notices import notify

        notify(db, couple_id=user.couple_id, user_id=user.id, kind="new_login",
               url=url_for("settings.sessions"), now=now)
    accounts.start_session(user, now)  # commits
    mark_authenticated(now)
    current_app.logger.info("login: user %s signed in", user.id)


def begin_second_step(user: User, now: datetime, next_url: str | None):
    session.clear()
    session["second_step"] = {"uid": user.id, "at": now.timestamp(), "next": next_url or ""}


def check_second_step(db, user: User, code: str, now: datetime) -> bool | str:
    """True for a fresh TOTP code, "recovery" for an unused recovery code, False otherwise."""
    cleaned = normalise_code(code)
    if cleaned.isdigit() and len(cleaned) == 6:
        totp = pyotp.TOTP(user.totp_secret)
        step = totp.timecode(now)
        for candidate in (step, step - 1, step + 1):
            if hmac.compare_digest(totp.generate_otp(candidate), cleaned):
                if user.totp_last_step is not None and candidate <= user.totp_last_step:
                    return False  # a code is good once
                user.totp_last_step = candidate
                return True
        return False
    if len(cleaned) < 8:
        return False
    wanted = digest(cleaned)
    for row in db.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))):
        if hmac.compare_digest(row.code_hash, wanted):
            row.used_at = now
            return "recovery"
    return False


class SecondStepForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step of signing in, for an account with an authenticator app."""
    pending = session.get("second_step")
    now = utcnow()
    if not pending or now.timestamp() - pending["at"] > SECOND_STEP_WINDOW.total_seconds():
        session.pop("second_step", None)
        flash(_("Please sign in again."))
        return redirect(url_for("accounts.login"))
    db = get_db()
    user = db.get(User, pending["uid"])
    if user is None or not user.totp_secret:
        session.pop("second_step", None)
        return redirect(url_for("accounts.login"))
    form = SecondStepForm()
    status = 200
    if form.is_submitted():
        address = accounts.client_address()
        if accounts.login_throttled(db, user.username, address, now):
            form.form_errors.append(accounts.throttled_message())
            return render_template("security/login_code.html", form=form), 429
        result = form.validate() and check_second_step(db, user, form.code.data, now)
        accounts.record_login_attempt(db, user.username, address, bool(result), now)
        if result:
            next_url = pending.get("next") or url_for("dashboard.index")
            complete_login(db, user, now, via_recovery=result == "recovery")
            return redirect(next_url)
        log_event(db, user, "login_failed", now, this_device())
        db.commit()
        form.form_errors.append(_("That code did not work. Codes change every 30 seconds; try the newest one."))
        status = 401
    return render_template("security/login_code.html", form=form), status


# --- the security page -----------------------------------------------------------------------


def security_log(db, user: User, limit: int = 100):
    return db.exec(
        select(SecurityEvent).where(SecurityEvent.user_id == user.id)
        .order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc()).limit(limit)
    ).all()


@bp.get("/settings/security")
@login_required
def index():
    return render_index()


def render_index(codes=None):
    """The security page; `codes` are new recovery codes, shown in this one response and never again."""
    db = get_db()
    remaining = len(db.exec(
        select(RecoveryCode.id).where(RecoveryCode.user_id == current_user.id, RecoveryCode.used_at.is_(None))
    ).all())
    return render_template("security/index.html", events=security_log(db, current_user), event_text=EVENT_TEXT,
                           remaining=remaining, codes=codes)


class ConfirmTotpForm(FlaskForm):
    code = StringField(_l("The 6-digit code the app shows now"), validators=[DataRequired(), Length(max=12)])


def pending_secret(user: User) -> str:
    """The secret offered while setting up: derived from the app's key and a random value in the
    session, so the (signed, readable) session cookie never carries the secret itself."""
    nonce = session.get("totp_nonce")
    if not nonce:
        nonce = session["totp_nonce"] = secrets.token_urlsafe(16)
    key = current_app.config["SECRET_KEY"].encode()
    raw = hmac.new(key, f"totp:{user.id}:{nonce}".encode(), hashlib.sha256).digest()[:20]
    return base64.b32encode(raw).decode()


@bp.route("/settings/security/totp", methods=["GET", "POST"])
@recent_auth_required
def totp_setup():
    """Turn on the authenticator app: scan, then prove it works with one code."""
    if current_user.totp_secret:
        return redirect(url_for("security.index"))
    user = current_user._get_current_object()
    secret = pending_secret(user)
    form = ConfirmTotpForm()
    status = 200
    if form.is_submitted():
        now = utcnow()
        code = normalise_code(form.code.data or "")
        if form.validate() and pyotp.TOTP(secret).verify(code, for_time=now, valid_window=1):
            db = get_db()
            user.totp_secret = secret
            user.totp_last_step = pyotp.TOTP(secret).timecode(now)
            session.pop("totp_nonce")
            log_event(db, user, "totp_enabled", now)
            codes = new_recovery_codes(db, user, now)
            db.commit()
            flash(_("The authenticator app is on. Keep the recovery codes below somewhere safe."))
            return render_index(codes)
        form.code.errors = [_("That code did not match. Check the time on your phone and try the newest code.")]
        status = 400
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="Kotsukotsu")
    qr = segno.make(uri, error="m").svg_inline(scale=4, dark="#1d2b2a", light="#ffffff", border=2)
    return render_template("security/totp.html", form=form, qr=qr, secret=secret), status


def new_recovery_codes(db, user: User, now: datetime) -> list[str]:
    """Replace the user's recovery codes; the plain codes are shown once and never stored."""
    db.exec(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = [random_code(3) for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.add(RecoveryCode(user_id=user.id, code_hash=digest(code)))
    return codes


@bp.post("/settings/security/recovery-codes")
@recent_auth_required
def recovery_codes():
    if not current_user.totp_secret:
        abort(404)
    db = get_db()
    now = utcnow()
    user = current_user._get_current_object()
    codes = new_recovery_codes(db, user, now)
    log_event(db, user, "recovery_codes_created", now)
    db.commit()
    flash(_("New recovery codes are ready; the old ones no longer work."))
    return render_index(codes)


@bp.post("/settings/security/totp/off")
@recent_auth_required
def totp_off():
    db = get_db()
    user = current_user._get_current_object()
    if user.totp_secret:
        turn_off_totp(db, user, utcnow())
        db.commit()
        flash(_("The authenticator app is off. Signing in needs only your password now."))
    return redirect(url_for("security.index"))


def turn_off_totp(db, user: User, now: datetime):
    user.totp_secret = None
    user.totp_last_step = None
    db.exec(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    log_event(db, user, "totp_disabled", now)


# --- reset codes -------------------------------------------------------------------------------


def issue_reset_code(db, user: User, now: datetime) -> str:
    """A one-time code to set a new password (the operator never picks it); every session ends."""
    code = random_code(3)
    user.reset_code_hash = digest(code)
    user.reset_expires_at = now + RESET_LIFETIME
    accounts.revoke_all_sessions(db, user, now)
    log_event(db, user, "password_reset_issued", now)
    return code


class ResetForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)])
    code = StringField(_l("Reset code"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("New password"), validators=[DataRequired()])


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    """Set a new password with the code from the server's operator."""
    form = ResetForm()
    status = 200
    if form.is_submitted():
        db = get_db()
        now = utcnow()
        address = accounts.client_address()
        username = (form.username.data or "").strip().lower()[:40]
        if accounts.login_throttled(db, username, address, now):
            form.form_errors.append(accounts.throttled_message())
            return render_template("security/reset.html", form=form), 429
        if not form.validate():
            return render_template("security/reset.html", form=form), 400
        user = db.exec(select(User).where(User.username == username)).first()
        valid = (
            user is not None and user.reset_code_hash is not None and user.reset_expires_at > now
            and hmac.compare_digest(user.reset_code_hash, digest(form.code.data))
        )
        if not valid:
            accounts.record_login_attempt(db, username, address, False, now)
            form.form_errors.append(_("That code is not right or has expired. Ask for a new one."))
            return render_template("security/reset.html", form=form), 401
        problem = accounts.password_problem(form.password.data, user.username)
        if problem:
            form.password.errors = [problem]
            return render_template("security/reset.html", form=form), 400
        user.password_hash = accounts.hash_password(form.password.data)
        user.password_changed_at = now
        user.reset_code_hash = None
        user.reset_expires_at = None
        accounts.revoke_all_sessions(db, user, now)
        log_event(db, user, "password_reset_used", now, this_device())
        accounts.record_login_attempt(db, username, address, True, now)
        db.commit()
        flash(_("Your new password is set. Please sign in."))
        return redirect(url_for("accounts.login"))
    return render_template("security/reset.html", form=form), status
