"""Accounts: passwords, signed-in devices, login throttling, and the sign-in views."""
import secrets
from datetime import datetime, timedelta
from functools import lru_cache, wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
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
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlmodel import func, select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .db import get_db, utcnow
from .models import LoginAttempt, LoginSession, User

bp = Blueprint("accounts", __name__)

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{2,39}$"
PASSWORD_MIN = 8
PASSWORD_MAX = 1024
LAST_SEEN_STEP = timedelta(minutes=5)


# --- passwords ---------------------------------------------------------------------------


def hasher() -> PasswordHasher:
    if current_app.config.get("PASSWORD_HASH") == "cheap":
        # Tests only: the same algorithm with the smallest cost, so the suite stays fast.
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    """Verify `password` for `user`, upgrading the stored hash when its cost is outdated."""
    try:
        hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


@lru_cache(maxsize=1)
def common_passwords() -> frozenset:
    """The 30,000 most common passwords from zxcvbn's frequency lists."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, username: str = "") -> str | None:
    """Why `password` cannot be used, in the user's language, or None when it is fine."""
    if len(password) < PASSWORD_MIN:
        return _("Use at least %(n)d characters.", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("Use at most %(n)d characters.", n=PASSWORD_MAX)
    lowered = password.lower()
    if lowered in common_passwords() or (username and username.lower() in lowered):
        return _("This password is too easy to guess. A few unrelated words make a strong one.")
    if len(set(password)) < 3:
        return _("This password is too easy to guess. A few unrelated words make a strong one.")
    return None


def new_alternative_id() -> str:
    return secrets.token_urlsafe(32)


def create_user(db, *, username, display_name, password, role, couple_id, language, timezone, now):
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        alternative_id=new_alternative_id(),
        couple_id=couple_id,
        role=role,
        language=language,
        timezone=timezone,
        created_at=now,
        password_changed_at=now,
    )
    db.add(user)
    db.flush()
    return user


def username_taken(db, username: str) -> bool:
    return db.exec(select(User.id).where(User.username == username)).first() is not None


# --- signed-in devices --------------------------------------------------------------------


def start_session(user: User, now: datetime):
    """Sign `user` in on this device with a fresh session record and a fresh cookie."""
    db = get_db()
    session.clear()  # a new session id at every login: nothing from before carries over
    record = LoginSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        user_agent=(request.user_agent.string or "")[:200],
        created_at=now,
        last_seen_at=now,
    )
    db.add(record)
    db.commit()
    session["sid"] = record.id
    session.permanent = True
    login_user(user)


def revoke_all_sessions(db, user: User, now: datetime):
    """Sign `user` out everywhere: revoke every session and rotate the cookie identity."""
    for record in db.exec(
        select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    ):
        record.revoked_at = now
    user.alternative_id = new_alternative_id()


def load_user(alternative_id: str):
    """Flask-Login's loader: the user only while this device's session record is live."""
    db = get_db()
    user = db.exec(select(User).where(User.alternative_id == alternative_id)).first()
    sid = session.get("sid")
    if user is None or not sid:
        return None
    record = db.get(LoginSession, sid)
    if record is None or record.user_id != user.id or record.revoked_at is not None:
        return None
    now = utcnow()
    if now - record.last_seen_at > current_app.permanent_session_lifetime:
        return None
    if now - record.last_seen_at > LAST_SEEN_STEP:
        # Written at most every few minutes, so ordinary page views stay read-only.
        record.last_seen_at = now
        db.commit()
    return user


# --- throttling ----------------------------------------------------------------------------


def client_address() -> str:
    """The client's address; ProxyFix has already taken only trusted X-Forwarded-For hops."""
    return (request.remote_addr or "unknown")[:64]


def login_throttled(db, username: str, address: str, now: datetime) -> bool:
    """True when too many logins failed lately for this account or from this address."""
    window_start = now - current_app.config["LOGIN_WINDOW"]
    limit = current_app.config["LOGIN_ATTEMPTS"]
    failed = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= window_start
    )
    by_account = db.exec(failed.where(LoginAttempt.username == username)).one()
    by_address = db.exec(failed.where(LoginAttempt.address == address)).one()
    return by_account >= limit or by_address >= 2 * limit


def throttled_message() -> str:
    return _("Too many attempts. Please wait %(n)d minutes and try again.",
             n=current_app.config["LOGIN_WINDOW"].seconds // 60)


def record_login_attempt(db, username: str, address: str, succeeded: bool, now: datetime):
    db.add(LoginAttempt(username=username[:40], address=address, succeeded=succeeded, created_at=now))
    # Old attempts tell nothing once their window has passed.
    db.exec(
        LoginAttempt.__table__.delete().where(
            LoginAttempt.created_at < now - 2 * current_app.config["LOGIN_WINDOW"]
        )
    )
    db.commit()


# --- guards ----------------------------------------------------------------------------------


def paired_required(view):
    """Only for a signed-in user who belongs to a couple."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.couple_id is None:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def role_required(role):
    """Only for the partner in `role`; the other partner gets 403 with a message."""

    def decorate(view):
        @wraps(view)
        @paired_required
        def wrapped(*args, **kwargs):
            if current_user.role != role:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def require_role(role):
    """403 unless the signed-in user is the partner in `role`; call after loading the object,
    so a stranger's request ends in 404 before it can learn anything from a 403."""
    if current_user.role != role:
        abort(403)


def partner_of(user: User) -> User | None:
    if user.couple_id is None:
        return None
    return get_db().exec(
        select(User).where(User.couple_id == user.couple_id, User.id != user.id)
    ).first()


# --- views -------------------------------------------------------------------------------------


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 400
        else:
            db = get_db()
            now = utcnow()
            username = form.username.data.strip().lower()
            address = client_address()
            if login_throttled(db, username, address, now):
                form.form_errors.append(throttled_message())
                return render_template("accounts/login.html", form=form), 429
            user = db.exec(select(User).where(User.username == username)).first()
            if user is None:
                hasher().hash(form.password.data)  # take as long as a real check
                ok = False
            else:
                ok = check_password(user, form.password.data)
            record_login_attempt(db, username, address, ok, now)
            from . import security

            if ok and user.totp_secret:
                security.begin_second_step(user, now, safe_next())
                return redirect(url_for("security.login_code"))
            if ok:
                security.complete_login(db, user, now)
                return redirect(safe_next() or url_for("dashboard.index"))
            if user is not None:
                security.log_event(db, user, "login_failed", now, security.this_device())
                db.commit()
            form.form_errors.append(_("The username or password is not right."))
            status = 401
    return render_template("accounts/login.html", form=form), status


def safe_next():
    """A same-site path from ?next=, never an address elsewhere."""
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.post("/logout")
@login_required
def logout():
    db = get_db()
    record = db.get(LoginSession, session.get("sid"))
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
        db.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."))
    return redirect(url_for("accounts.login"))


def init_app(app):
    from . import login_manager

    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to continue.")
    # "basic": "strong" would sign phones out whenever they switch networks.
    login_manager.session_protection = "basic"
