"""Backups: taken while writes go on, restored on a fresh instance, rotated, taken before migrations."""
import io
import json
import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session

from support import Persona, make_couple
from trust import create_app
from trust import db as database
from trust.backup import BackupError, before_migrations, list_backups, make_backup, photo_hashes, restore, rotate
from trust.db import utcnow


def instance(tmp_path, name, **settings):
    app = create_app({"TESTING": True, "IGNORE_ENV": True, "INSTANCE_PATH": str(tmp_path / name),
                      "DATABASE_URL": f"sqlite:///{tmp_path / name / 'kotsukotsu.sqlite3'}", "SECRET_KEY": "t",
                      "PASSWORD_HASH": "cheap", "WTF_CSRF_ENABLED": False})
    app.config["SETTINGS"].update(settings)
    return app


def migrated(tmp_path, name):
    app = instance(tmp_path, name)
    database.upgrade(app.config["DATABASE_URL"])
    return app


def table_contents(path: Path) -> dict:
    connection = sqlite3.connect(path)
    try:
        tables = [r[0] for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: connection.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
    finally:
        connection.close()


def jpeg(seed):
    out = io.BytesIO()
    Image.new("RGB", (12, 12), (seed % 255, 80, 120)).save(out, "JPEG")
    return out.getvalue()


def test_a_backup_taken_during_writes_restores_identically_on_a_fresh_instance(tmp_path):
    app = migrated(tmp_path, "live")
    with Session(app.extensions["trust.engine"], expire_on_commit=False) as db:
        _couple, (ren_user, _hana) = make_couple(app, db, rebuilding="ren", hurt="hana")
    ren = Persona(app, ren_user)
    stop = threading.Event()
    written = []

    def write():
        client = Persona(app, ren_user)
        n = 0
        while not stop.is_set() and n < 400:
            n += 1
            data = {"kind": "report", "body": f"check-in {n}"}
            if n % 5 == 0:
                data["photos"] = [(io.BytesIO(jpeg(n)), "p.jpg")]
            response = client.post("/checkins/new", data=data, content_type="multipart/form-data")
            assert response.status_code == 302
            written.append(n)

    writer = threading.Thread(target=write)
    writer.start()
    backups = []
    try:
        while len(written) < 20 and writer.is_alive():
            time.sleep(0.01)
        for _ in range(3):
            backups.append(make_backup(app, now=utcnow()))
    finally:
        stop.set()
        writer.join()
    assert len(written) > 20 and len(backups) == 3
    latest = backups[-1]
    manifest = json.loads((latest / "manifest.json").read_text())
    assert 0 < manifest["rows"]["checkin"] <= len(written)
    # Every photo the backed-up database names is in the backup: photos are copied after it.
    backed_up = table_contents(latest / "kotsukotsu.sqlite3")
    photo_ids = {row[0] for row in backed_up["photo"]}
    assert photo_ids and all((latest / "uploads").rglob(f"{pid}.jpg") for pid in photo_ids)
    assert {Path(p).stem for p in manifest["photos"]} >= photo_ids

    fresh = instance(tmp_path, "fresh")
    restore(fresh, latest)
    restored = table_contents(tmp_path / "fresh" / "kotsukotsu.sqlite3")
    assert restored == backed_up
    hashes = photo_hashes(Path(fresh.config["UPLOAD_FOLDER"]))
    assert {k: v for k, v in hashes.items() if Path(k).stem in photo_ids} == {
        k: v for k, v in manifest["photos"].items() if Path(k).stem in photo_ids}
    connection = sqlite3.connect(tmp_path / "fresh" / "kotsukotsu.sqlite3")
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()
    # The restored instance works: the same person signs in and sees their check-ins.
    connection = sqlite3.connect(tmp_path / "fresh" / "kotsukotsu.sqlite3")
    checkin_id, body = connection.execute("SELECT id, body FROM checkin ORDER BY id DESC LIMIT 1").fetchone()
    connection.close()
    page = Persona(fresh, ren_user).get(f"/checkins/{checkin_id}").get_data(as_text=True)
    assert body in page
    assert ren.get("/").status_code == 200


def test_restore_refuses_a_damaged_backup_and_keeps_the_current_data(tmp_path):
    app = migrated(tmp_path, "live")
    with Session(app.extensions["trust.engine"], expire_on_commit=False) as db:
        make_couple(app, db, rebuilding="ren", hurt="hana")
    folder = make_backup(app)
    before = table_contents(tmp_path / "live" / "kotsukotsu.sqlite3")
    (folder / "uploads").mkdir(exist_ok=True)
    (folder / "uploads" / "intruder.jpg").write_bytes(b"x")
    with pytest.raises(BackupError, match="do not match"):
        restore(app, folder)
    (folder / "uploads" / "intruder.jpg").unlink()
    with open(folder / "kotsukotsu.sqlite3", "r+b") as handle:
        handle.seek(4096)  # the b-tree header of the second page
        handle.write(b"\xff" * 4096 * 3)
    with pytest.raises(BackupError):
        restore(app, folder)
    assert table_contents(tmp_path / "live" / "kotsukotsu.sqlite3") == before


def test_rotation_keeps_the_newest_nightly_backups_only(tmp_path):
    app = migrated(tmp_path, "live")
    start = utcnow()
    manual = make_backup(app, now=start - timedelta(days=30))
    for day in range(16):
        make_backup(app, label="nightly", now=start + timedelta(days=day))
    root = manual.parent
    removed = rotate(root, keep=14)
    assert len(removed) == 2
    names = [p.name for p in list_backups(root)]
    assert manual.name in names  # only nightly backups rotate
    nightly = [n for n in names if n.endswith("-nightly")]
    assert len(nightly) == 14 and nightly[0] == f"kotsukotsu-{start + timedelta(days=2):%Y%m%d-%H%M%S}-nightly"


def test_a_backup_is_taken_before_migrations_change_the_database(tmp_path):
    app = instance(tmp_path, "old")
    from alembic import command

    command.upgrade(database.alembic_config(app.config["DATABASE_URL"]), "0001")
    taken = before_migrations(app)
    assert taken is not None and taken.name.endswith("before-0002")
    assert json.loads((taken / "manifest.json").read_text())["revision"] == "0001"
    database.upgrade(app.config["DATABASE_URL"])
    assert before_migrations(app) is None  # nothing to migrate, no backup


def test_the_backup_command_explains_itself_without_sqlite(app):
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code != 0 and "pg_dump" in result.output


def test_the_backup_and_restore_commands(tmp_path):
    app = migrated(tmp_path, "live")
    result = app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "elsewhere")])
    assert result.exit_code == 0 and "integrity check: ok" in result.output, result.output
    folder = list_backups(tmp_path / "elsewhere")[0]
    result = app.test_cli_runner().invoke(args=["restore", str(folder)], input="n\n")
    assert result.exit_code != 0  # declined
    result = app.test_cli_runner().invoke(args=["restore", str(folder), "--yes"])
    assert result.exit_code == 0, result.output


def test_the_scheduler_runs_a_nightly_backup_when_kept(tmp_path):
    from apscheduler.schedulers.background import BackgroundScheduler

    from trust.scheduler import BACKUP_JOB_ID, configure

    app = instance(tmp_path, "live", TRUST_BACKUP_KEEP=14, TRUST_BACKUP_HOUR=4)
    job = configure(BackgroundScheduler(), app).get_job(BACKUP_JOB_ID)
    assert job is not None and "hour='4'" in str(job.trigger)
    app = instance(tmp_path, "off", TRUST_BACKUP_KEEP=0)
    assert configure(BackgroundScheduler(), app).get_job(BACKUP_JOB_ID) is None
