"""Engine, per-request sessions, SQLite pragmas and running migrations."""
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware UTC datetime."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Kotsukotsu stores aware UTC datetimes only")
        value = value.astimezone(timezone.utc)
        # SQLite keeps no offset; store the UTC wall time so ordering is by instant.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, so a deleted account leaves nothing in the file.
    cursor.execute("PRAGMA secure_delete=ON")
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except Exception:  # in-memory databases cannot use WAL; they need no durability
        pass
    cursor.close()


def make_engine(url: str):
    """Create the engine for `url`, with the pragmas every SQLite connection needs."""
    # An error message never carries the values of a statement: they may be someone's notes.
    options = {"hide_parameters": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"check_same_thread": False}
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            options["poolclass"] = StaticPool
    else:
        options["pool_pre_ping"] = True
    engine = create_engine(url, **options)
    if url.startswith("sqlite"):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def claim(db, statement) -> bool:
    """Run a conditional UPDATE and say whether it changed exactly one row.

    Plain Core execution: the ORM's session synchronisation may turn an UPDATE into
    UPDATE … RETURNING, whose rowcount SQLite does not report, and a claim must not guess.
    """
    return db.connection().execute(statement).rowcount == 1


def get_db() -> Session:
    """The database session of the current request, opened on first use."""
    if "db" not in g:
        g.db = Session(current_app.extensions["trust.engine"], expire_on_commit=False)
    return g.db


def close_db(_error=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str):
    """Apply every Alembic migration up to head."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def init_app(app):
    app.extensions["trust.engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_db)
