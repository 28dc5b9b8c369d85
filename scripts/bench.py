"""Benchmarks that print figures: reminder dispatch throughput and reassurance latency.

Everything runs on 127.0.0.1: the app, its scheduler and a local push service that
receives real encrypted pushes.
"""
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import requests  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from push_service import PushService, decrypt  # noqa: E402
from support import PASSWORD, FakeBrowser, make_couple  # noqa: E402
from trust import create_app  # noqa: E402
from trust.db import upgrade  # noqa: E402
from trust.models import Delivery, PushMessage, PushSubscription, ReassuranceRequest, ReminderRule, User  # noqa: E402

UTC = timezone.utc
REMINDERS = 10_000
COUPLES = 50
LATENCY_ROUNDS = 40


def make_app(folder: Path):
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    app = create_app({"IGNORE_ENV": True, "INSTANCE_PATH": str(folder), "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH": "cheap", "PUSH_ALLOW_HTTP": True})
    app.config["SETTINGS"]["TRUST_VAPID_SUBJECT"] = "mailto:bench@kotsukotsu.example"
    return app


def bench_dispatch(service):
    """Dispatch 10,000 due reminders and check each reached the push service exactly once."""
    from trust.dispatch import dispatch_due

    app = make_app(Path(tempfile.mkdtemp(prefix="kotsukotsu-bench-")))
    now = datetime.now(UTC)
    browsers = {}
    with Session(app.extensions["trust.engine"], expire_on_commit=False) as db:
        users = []
        for n in range(COUPLES):
            _couple, pair = make_couple(app, db, rebuilding=f"r{n}", hurt=f"h{n}")
            users.extend(pair)
        db.exec(ReminderRule.__table__.delete())
        per_user = REMINDERS // len(users)
        for user in users:
            browser = FakeBrowser(service.url(f"/push/{user.username}"))
            browsers[user.username] = browser
            keys = browser.subscription()["keys"]
            db.add(PushSubscription(couple_id=user.couple_id, user_id=user.id, endpoint=browser.endpoint,
                                    p256dh=keys["p256dh"], auth=keys["auth"], created_at=now))
            for k in range(per_user):
                db.add(ReminderRule(couple_id=user.couple_id, user_id=user.id, kind="comfort" if user.role == "hurt" else "checkin",
                                    times="12:00", next_due_at=now - timedelta(seconds=1 + k), created_at=now))
        db.commit()
    started = time.perf_counter()
    with app.app_context():
        while True:
            dispatch_due(now)
            with Session(app.extensions["trust.engine"]) as db:
                left = db.exec(select(PushMessage).where(PushMessage.state == "queued")).first()
                due = db.exec(select(ReminderRule).where(ReminderRule.next_due_at <= now)).first()
            if left is None and due is None:
                break
    elapsed = time.perf_counter() - started
    with Session(app.extensions["trust.engine"]) as db:
        deliveries = db.exec(select(Delivery)).all()
        usernames = {u.id: u.username for u in db.exec(select(User))}
        expected = Counter(usernames[d.user_id] for d in deliveries if d.outcome == "sent")
    received = Counter(r["path"].rsplit("/", 1)[1] for r in service.received)
    sample = service.received[:: max(1, len(service.received) // 200)]
    decrypted = sum(1 for r in sample if decrypt(r, browsers[r["path"].rsplit("/", 1)[1]])["body"])
    exactly_once = len(deliveries) == REMINDERS == sum(received.values()) and received == expected
    print(f"dispatch: {REMINDERS} due reminders -> {sum(received.values())} pushes received in {elapsed:.1f} s "
          f"({REMINDERS / elapsed:.0f}/s); deliveries {len(deliveries)}, each exactly once: {exactly_once}; "
          f"{decrypted}/{len(sample)} sampled pushes decrypted")
    return exactly_once


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def login(base, username):
    session = requests.Session()
    page = session.get(base + "/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    session.post(base + "/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    home = session.get(base + "/").text
    session.headers["X-CSRFToken"] = re.search(r'name="csrf-token" content="([^"]+)"', home).group(1)
    return session


def bench_reassurance(service):
    """Time from "I need reassurance" to the push reaching the push service, single-process default."""
    from waitress.server import create_server

    from trust.scheduler import start_background

    app = make_app(Path(tempfile.mkdtemp(prefix="kotsukotsu-bench-")))
    with Session(app.extensions["trust.engine"], expire_on_commit=False) as db:
        make_couple(app, db, rebuilding="ren", hurt="hana")
    scheduler = start_background(app)
    server = create_server(app, host="127.0.0.1", port=free_port(), threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    try:
        ren, hana = login(base, "ren"), login(base, "hana")
        phone = FakeBrowser(service.url("/push/latency-ren"))
        assert ren.post(base + "/push/subscriptions", json=phone.subscription()).status_code == 201
        ren_csrf = ren.headers["X-CSRFToken"]
        time.sleep(1)
        latencies = []
        for _ in range(LATENCY_ROUNDS):
            before = len(service.received_at("/push/latency-ren"))
            start = time.monotonic()
            hana.post(base + "/reassurance", data={"csrf_token": hana.headers["X-CSRFToken"]}, allow_redirects=False)
            while len(service.received_at("/push/latency-ren")) == before:
                if time.monotonic() - start > 30:
                    raise SystemExit("reassurance push did not arrive within 30 s")
                time.sleep(0.005)
            latencies.append(service.received_at("/push/latency-ren")[-1]["at"] - start)
            with Session(app.extensions["trust.engine"]) as db:
                open_request = db.exec(select(ReassuranceRequest).where(ReassuranceRequest.answered_at.is_(None))).first()
            ren.post(f"{base}/reassurance/{open_request.id}/answer", data={"csrf_token": ren_csrf}, allow_redirects=False)
            time.sleep(0.05)
        latencies.sort()
        p50 = statistics.median(latencies)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        print(f"reassurance: {len(latencies)} requests, push left the server after p50 {p50 * 1000:.0f} ms, "
              f"p95 {p95 * 1000:.0f} ms (budget p95 < 5000 ms)")
        return p95 < 5
    finally:
        server.close()
        scheduler.shutdown(wait=True)


def main():
    import logging

    logging.disable(logging.INFO)
    with PushService() as service:
        ok = bench_dispatch(service)
    with PushService() as service:
        ok = bench_reassurance(service) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
