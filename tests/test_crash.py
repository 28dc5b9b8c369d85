"""Crash safety: `python app.py` killed with SIGKILL under concurrent writes loses nothing it acknowledged."""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlmodel import Session

from support import PASSWORD, make_couple
from test_config import free_port
from trust import create_app
from trust import db as database

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 4
KILLS = 3


def start(instance: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, TRUST_INSTANCE_PATH=str(instance), TRUST_PORT=str(port), TRUST_SCHEDULER="off",
               TRUST_SECRET_KEY="crash-test-key", TRUST_BACKUP_KEEP="0")
    env.pop("TRUST_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.ConnectionError:
            pass
        assert process.poll() is None, "server exited"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.1)


def csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10).text
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'name="csrf-token" content="([^"]+)"', page)
    return match.group(1)


def sign_in(base: str) -> requests.Session:
    session = requests.Session()
    token = csrf(session, f"{base}/login")
    response = session.post(f"{base}/login", data={"username": "ren", "password": PASSWORD, "csrf_token": token},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:300]
    return session


@pytest.mark.skipif(os.environ.get("TRUST_TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="SQLite durability; PostgreSQL has its own")
def test_acknowledged_writes_survive_sigkill(tmp_path):
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'kotsukotsu.sqlite3'}"
    app = create_app({"IGNORE_ENV": True, "INSTANCE_PATH": str(instance), "DATABASE_URL": url, "SECRET_KEY": "x",
                      "PASSWORD_HASH": "cheap"})
    database.upgrade(url)
    with Session(app.extensions["trust.engine"]) as db:
        make_couple(app, db, rebuilding="ren", hurt="hana")
    app.extensions["trust.engine"].dispose()

    acknowledged = []
    lock = threading.Lock()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    for round_ in range(KILLS):
        process = start(instance, port)
        session = sign_in(base)
        token = csrf(session, f"{base}/checkins/new")
        stop = threading.Event()

        def write(writer):
            n = 0
            while not stop.is_set():
                n += 1
                body = f"round {round_} writer {writer} entry {n}"
                try:
                    response = session.post(f"{base}/checkins/new", data={"kind": "report", "body": body,
                                                                          "csrf_token": token},
                                            allow_redirects=False, timeout=5)
                except requests.RequestException:
                    continue  # the server is gone: this write was never acknowledged
                if response.status_code == 302 and "/checkins/" in response.headers.get("Location", ""):
                    with lock:
                        acknowledged.append(body)

        threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
        for thread in threads:
            thread.start()
        time.sleep(1.0 + 0.3 * round_)
        os.kill(process.pid, signal.SIGKILL)  # no clean shutdown, no checkpoint
        process.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)

    assert len(acknowledged) > 20 * KILLS, len(acknowledged)
    connection = sqlite3.connect(instance / "kotsukotsu.sqlite3")
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in connection.execute("SELECT body FROM checkin")}
    finally:
        connection.close()
    missing = [body for body in acknowledged if body not in stored]
    assert missing == [], f"{len(missing)} acknowledged writes lost"
    print(f"\n{len(acknowledged)} acknowledged writes across {KILLS} kills, all present")
