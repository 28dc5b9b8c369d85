"""Kotsukotsu: a calm, private app for a couple rebuilding trust, little by little."""
import logging
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, jsonify, render_template, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from . import db
from .config import instance_secret, read_settings

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src {scripts}; style-src {styles}; img-src 'self' data: blob:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def content_security_policy(nonce: str | None) -> str:
    """Pages allow only the script and stylesheet tags they carry this response's nonce on;
    responses that render no page (JSON, files) allow nothing inline and only 'self'."""
    if nonce:
        source = f"'nonce-{nonce}'"
        return CONTENT_SECURITY_POLICY.format(scripts=source, styles=source)
    return CONTENT_SECURITY_POLICY.format(scripts="'self'", styles="'self'")


def csp_nonce() -> str:
    """This response's nonce, made on first use by a template."""
    from flask import g

    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()


def create_app(test_config=None):
    """Build the app from TRUST_* settings, or from `test_config` in tests."""
    settings = read_settings({} if test_config and test_config.get("IGNORE_ENV") else None)
    instance_path = (
        (test_config or {}).get("INSTANCE_PATH") or settings["TRUST_INSTANCE_PATH"] or str(ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        SETTINGS=settings,
        DATABASE_URL=settings["TRUST_DATABASE_URL"]
        or "sqlite:///" + str(Path(app.instance_path) / "kotsukotsu.sqlite3"),
        UPLOAD_FOLDER=str(Path(app.instance_path) / "uploads"),
        MAX_UPLOAD_BYTES=settings["TRUST_MAX_UPLOAD_MB"] * 1024 * 1024,
        # Four photos plus the form; anything larger is refused before it is read.
        MAX_CONTENT_LENGTH=(4 * settings["TRUST_MAX_UPLOAD_MB"] + 1) * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        SESSION_COOKIE_NAME="kotsukotsu",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["TRUST_COOKIE_SECURE"],
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings["TRUST_SESSION_DAYS"]),
        SESSION_REFRESH_EACH_REQUEST=True,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=settings["TRUST_COOKIE_SECURE"],
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        PASSWORD_HASH="argon2",
        LOGIN_ATTEMPTS=settings["TRUST_LOGIN_ATTEMPTS"],
        LOGIN_WINDOW=timedelta(minutes=settings["TRUST_LOGIN_WINDOW_MINUTES"]),
        CHECKIN_GRACE=timedelta(minutes=10),
        INVITE_LIFETIME=timedelta(hours=72),
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings["TRUST_SECRET_KEY"] or instance_secret(
            Path(app.instance_path)
        )
    if settings["TRUST_PROXY_COUNT"]:
        count = settings["TRUST_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db.init_app(app)
    csrf.init_app(app)
    from . import i18n

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    from . import accounts

    accounts.init_app(app)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    register_blueprints(app)
    register_errors(app)

    @app.get("/healthz")
    def healthz():
        """Report that the app runs and its database answers."""
        try:
            db.get_db().exec(text("SELECT 1"))
        except Exception:
            app.logger.exception("health check: database unavailable")
            return jsonify(status="error", database="unavailable"), 503
        return jsonify(status="ok", database="ok")

    @app.after_request
    def wake_dispatcher(response):
        from flask import g

        if g.pop("push_queued", False):
            from .scheduler import wake

            wake()
        return response

    @app.after_request
    def security_headers(response):
        # No inline scripts, styles or style attributes anywhere; the tags a page does carry
        # are named by a fresh nonce, so an injected <script src> or <link> would not load.
        from flask import g

        response.headers.setdefault("Content-Security-Policy", content_security_policy(g.get("csp_nonce")))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response

    from .cli import register_cli

    register_cli(app)
    return app


def register_blueprints(app):
    from . import (
        accounts, app_shell, checkins, comfort, conditions, dashboard, export, journal, leaving, notices, pairing, photos, push,
        reminders, safety, security, settings, timeline, together, trends_page,
    )

    for module in (accounts, pairing, safety, dashboard, notices, checkins, photos, conditions, comfort, together,
                   settings, reminders, push, app_shell, trends_page, timeline, journal, security, export):
        app.register_blueprint(module.bp)
    leaving.init_app(app)


def register_errors(app):
    """Render errors as calm pages (or JSON for JSON requests) in the user's language."""

    def render(status, title, message):
        if request.accept_mimetypes.best == "application/json" or request.is_json:
            return jsonify(error=message), status
        return render_template("error.html", status=status, title=title, message=message), status

    from flask_babel import gettext as _

    @app.errorhandler(400)
    def bad_request(error):
        return render(400, _("Something was not right"), _("The request could not be understood. Please go back and try again."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render(400, _("Please try again"), _("This form had expired. Nothing was saved; please go back, reload the page and send it again."))

    @app.errorhandler(403)
    def forbidden(error):
        return render(403, _("Not available"), _("This is not something you can do here."))

    @app.errorhandler(404)
    def not_found(error):
        return render(404, _("Not found"), _("There is nothing here."))

    @app.errorhandler(405)
    def not_allowed(error):
        return render(405, _("Not available"), _("This page cannot be used that way."))

    @app.errorhandler(413)
    def too_large(error):
        limit = app.config["SETTINGS"]["TRUST_MAX_UPLOAD_MB"]
        return render(413, _("Too large"), _("What you sent is too large. Each photo may be at most %(mb)d MB.", mb=limit))

    @app.errorhandler(500)
    def server_error(error):
        return render(500, _("Something went wrong"), _("Something went wrong on our side. What you had saved before is safe."))
