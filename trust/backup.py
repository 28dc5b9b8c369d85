"""Backups of a SQLite instance: the database through SQLite's online backup API, then the photos.

A backup is a folder `kotsukotsu-<UTC time>-<label>/` holding `kotsukotsu.sqlite3`, `uploads/`
and `manifest.json` (schema revision, row counts, photo hashes). It is written under a
`.partial` name and renamed when complete, so an interrupted backup never looks finished.
The database is copied first and the photos after it: a photo added meanwhile is extra and
harmless, while every photo the copied database names is already on disk.
"""
import hashlib
import json
import logging
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from . import db as database
from .db import utcnow

log = logging.getLogger("trust.backup")

DB_NAME = "kotsukotsu.sqlite3"
PREFIX = "kotsukotsu-"


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why."""


def sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def backup_root(app) -> Path:
    return Path(app.config["SETTINGS"]["TRUST_BACKUP_DIR"] or Path(app.instance_path) / "backups")


def require_sqlite(app) -> Path:
    path = sqlite_file(app.config["DATABASE_URL"])
    if path is None:
        raise BackupError("built-in backups are for SQLite; for PostgreSQL use pg_dump and copy the uploads folder")
    return path


def integrity(connection) -> str:
    try:
        return ", ".join(row[0] for row in connection.execute("PRAGMA integrity_check").fetchall())
    except sqlite3.DatabaseError as error:
        return str(error)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def photo_hashes(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): file_hash(p) for p in sorted(folder.rglob("*.jpg"))}


def describe(connection) -> dict:
    tables = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    counts = {t: connection.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    revision = None
    if "alembic_version" in tables:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    return {"revision": revision, "rows": counts}


def make_backup(app, label: str = "manual", now: datetime | None = None, root: Path | None = None) -> Path:
    """Take a consistent backup while the app keeps running; returns its folder."""
    source_path = require_sqlite(app)
    if not source_path.exists():
        raise BackupError(f"there is no database at {source_path} yet")
    now = now or utcnow()
    root = Path(root or backup_root(app))
    # Backups hold everything, so only the server's own user may read them.
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{PREFIX}{now:%Y%m%d-%H%M%S}-{label}"
    final = root / name
    n = 1
    while final.exists():
        n += 1
        final = root / f"{name}-{n}"
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    try:
        source = sqlite3.connect(source_path, timeout=30)
        target = sqlite3.connect(partial / DB_NAME)
        try:
            # One step: the copy is a single snapshot even while other connections write.
            source.backup(target)
            result = integrity(target)
            if result != "ok":
                raise BackupError(f"the copy failed its integrity check: {result}")
            manifest = describe(target)
        finally:
            target.close()
            source.close()
        uploads = Path(app.config["UPLOAD_FOLDER"])
        if uploads.exists():
            shutil.copytree(uploads, partial / "uploads", ignore=shutil.ignore_patterns("*.part"))
        manifest.update(format="kotsukotsu-backup", version=1, created_at=now.isoformat(), label=label,
                        photos=photo_hashes(partial / "uploads"))
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=1))
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    log.info("backup written to %s", final)
    return final


def list_backups(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX)
                  and not p.name.endswith(".partial"))


def rotate(root: Path, keep: int, label: str = "nightly") -> list[Path]:
    """Remove the oldest backups with `label` beyond the newest `keep`; others are left alone."""
    labelled = [p for p in list_backups(root) if json_label(p) == label]
    removed = labelled[:-keep] if keep else labelled
    for path in removed:
        shutil.rmtree(path)
        log.info("old backup removed: %s", path.name)
    return removed


def json_label(path: Path) -> str | None:
    try:
        return json.loads((path / "manifest.json").read_text()).get("label")
    except (OSError, ValueError):
        return None


def nightly(app):
    """The scheduled job: a backup, then rotation. An error is logged; the app goes on."""
    try:
        path = make_backup(app, label="nightly")
        rotate(path.parent, app.config["SETTINGS"]["TRUST_BACKUP_KEEP"])
    except Exception:
        log.exception("nightly backup failed")


def before_migrations(app) -> Path | None:
    """Back up an existing SQLite database when migrations are about to change it."""
    path = sqlite_file(app.config["DATABASE_URL"])
    if path is None or not path.exists() or path.stat().st_size == 0:
        return None
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(database.alembic_config(app.config["DATABASE_URL"])).get_current_head()
    connection = sqlite3.connect(path)
    try:
        current = describe(connection)["revision"]
    finally:
        connection.close()
    if current is None or current == head:
        return None
    log.info("database at revision %s, migrating to %s: backing up first", current, head)
    return make_backup(app, label=f"before-{head}")


def check_backup(folder: Path) -> dict:
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not (folder / DB_NAME).exists() or not manifest_path.exists():
        raise BackupError(f"{folder} is not a Kotsukotsu backup (no {DB_NAME} or manifest.json)")
    manifest = json.loads(manifest_path.read_text())
    connection = sqlite3.connect(f"file:{folder / DB_NAME}?mode=ro", uri=True)
    try:
        result = integrity(connection)
    finally:
        connection.close()
    if result != "ok":
        raise BackupError(f"the backup's database failed its integrity check: {result}")
    actual = photo_hashes(folder / "uploads")
    if actual != manifest.get("photos", {}):
        raise BackupError("the backup's photos do not match its manifest")
    return manifest


def restore(app, folder: Path):
    """Replace this instance's database and photos with a backup's, then migrate it forward.

    Stop the app first. The current database is itself backed up before it is replaced.
    """
    target_path = require_sqlite(app)
    folder = Path(folder)
    check_backup(folder)
    if target_path.exists() and target_path.stat().st_size:
        make_backup(app, label="before-restore")
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{folder / DB_NAME}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        # The backup API rewrites the whole database in one transaction, WAL included.
        source.backup(target)
        result = integrity(target)
    finally:
        target.close()
        source.close()
    if result != "ok":
        raise BackupError(f"the restored database failed its integrity check: {result}")
    uploads = Path(app.config["UPLOAD_FOLDER"])
    incoming = uploads.with_name(uploads.name + ".restoring")
    shutil.rmtree(incoming, ignore_errors=True)
    if (folder / "uploads").exists():
        shutil.copytree(folder / "uploads", incoming)
    else:
        incoming.mkdir(parents=True)
    old = uploads.with_name(uploads.name + ".replaced")
    shutil.rmtree(old, ignore_errors=True)
    if uploads.exists():
        uploads.rename(old)
    incoming.rename(uploads)
    shutil.rmtree(old, ignore_errors=True)
    database.upgrade(app.config["DATABASE_URL"])
    log.info("restored from %s", folder)
