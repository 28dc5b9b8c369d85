"""Settings from TRUST_* environment variables, parsed strictly."""
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable


class SettingError(ValueError):
    """A setting has a value that cannot be used; start-up stops with this message."""


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected one of true/false, yes/no, on/off, 1/0")


def parse_port(raw: str) -> int:
    port = int(raw)
    if not 1 <= port <= 65535:
        raise ValueError("expected a port number between 1 and 65535")
    return port


def parse_count(raw: str) -> int:
    count = int(raw)
    if count < 0:
        raise ValueError("expected a whole number of 0 or more")
    return count


def parse_positive(raw: str) -> int:
    count = int(raw)
    if count < 1:
        raise ValueError("expected a whole number of 1 or more")
    return count


def parse_hour(raw: str) -> int:
    hour = int(raw)
    if not 0 <= hour <= 23:
        raise ValueError("expected an hour from 0 to 23")
    return hour


def parse_text(raw: str) -> str:
    if not raw.strip():
        raise ValueError("must not be empty")
    return raw.strip()


@dataclass(frozen=True)
class Setting:
    """One TRUST_* variable: its name, default, parser and the help shown in the README."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    secret: bool = False


SETTINGS = [
    Setting("TRUST_HOST", "127.0.0.1", parse_text, "Address `python app.py` listens on."),
    Setting("TRUST_PORT", 8000, parse_port, "Port `python app.py` listens on."),
    Setting(
        "TRUST_DATABASE_URL",
        None,
        parse_text,
        "SQLAlchemy database URL. Default: SQLite at `instance/kotsukotsu.sqlite3`. "
        "PostgreSQL: `postgresql+psycopg://user:password@host/dbname`.",
    ),
    Setting(
        "TRUST_SECRET_KEY",
        None,
        parse_text,
        "Key that signs session cookies and CSRF tokens. Default: generated once and kept in "
        "`instance/secret_key`.",
        secret=True,
    ),
    Setting(
        "TRUST_INSTANCE_PATH",
        None,
        parse_text,
        "Folder for the SQLite database, uploaded photos and generated keys. Default: `instance/`.",
    ),
    Setting(
        "TRUST_COOKIE_SECURE",
        False,
        parse_bool,
        "Send cookies only over HTTPS. Turn on when the app is served over HTTPS (it should be, "
        "for push notifications and installation on phones).",
    ),
    Setting(
        "TRUST_PROXY_COUNT",
        0,
        parse_count,
        "How many reverse proxies sit in front of the app. Client addresses are taken from that "
        "many trusted `X-Forwarded-For` entries, never from a raw header.",
    ),
    Setting(
        "TRUST_LOGIN_ATTEMPTS",
        5,
        parse_positive,
        "Failed logins allowed per account, and twice that per client address, within "
        "`TRUST_LOGIN_WINDOW_MINUTES` before further attempts are refused.",
    ),
    Setting(
        "TRUST_LOGIN_WINDOW_MINUTES",
        15,
        parse_positive,
        "Length of the login throttling window, in minutes.",
    ),
    Setting(
        "TRUST_SESSION_DAYS",
        30,
        parse_positive,
        "How long a device stays signed in without being used, in days.",
    ),
    Setting(
        "TRUST_SCHEDULER",
        True,
        parse_bool,
        "Run the reminder dispatcher inside `python app.py`. Set to `off` for web workers when a "
        "separate `flask --app app scheduler` process runs.",
    ),
    Setting(
        "TRUST_VAPID_SUBJECT",
        None,
        parse_text,
        "Contact address push services see: a real `mailto:` or `https:` address (Apple refuses "
        "localhost). Push notifications are not sent until it is set.",
    ),
    Setting(
        "TRUST_VAPID_PRIVATE_KEY",
        None,
        parse_text,
        "VAPID private key (PEM, or base64url DER). Default: generated once and kept in "
        "`instance/vapid_private.pem`. Changing it invalidates every device's subscription.",
        secret=True,
    ),
    Setting(
        "TRUST_MAX_UPLOAD_MB",
        10,
        parse_positive,
        "Largest photo accepted, in megabytes (a request may carry four).",
    ),
    Setting(
        "TRUST_BACKUP_DIR",
        None,
        parse_text,
        "Where backups go (SQLite). Default: `instance/backups`. Put it on another disk if you can.",
    ),
    Setting(
        "TRUST_BACKUP_KEEP",
        14,
        parse_count,
        "How many nightly backups to keep; older ones are removed. `0` turns the nightly backup off.",
    ),
    Setting(
        "TRUST_BACKUP_HOUR",
        3,
        parse_hour,
        "Hour of the night (0–23, the server's local time) when the nightly backup runs.",
    ),
]


def read_settings(environ=None) -> dict:
    """Parse every TRUST_* setting from the environment, raising SettingError naming the bad one."""
    environ = os.environ if environ is None else environ
    values = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        file_raw = environ.get(setting.name + "_FILE") if setting.secret else None
        if file_raw:
            try:
                raw = Path(file_raw).read_text().strip()
            except OSError as error:
                raise SettingError(f"{setting.name}_FILE: cannot read {file_raw}: {error}") from None
        if raw is None or raw == "":
            values[setting.name] = setting.default
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as error:
            shown = "(hidden)" if setting.secret else repr(raw)
            raise SettingError(f"{setting.name}={shown} is not valid: {error}") from None
    return values


def instance_secret(instance_path: Path) -> str:
    """Return the secret key kept in the instance folder, creating it on first start."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key)
    return key
