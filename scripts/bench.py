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


def login(base, username, password=PASSWORD):
    session = requests.Session()
    page = session.get(base + "/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    session.post(base + "/login", data={"username": username, "password": password, "csrf_token": token})
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


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def timed(session, url, rounds):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = session.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return percentiles(samples)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def first_visit_bytes(base, username, password):
    """Bytes a fresh browser transfers opening /trends (page, styles, script, service worker, icons)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"])
        context = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True)
        context.request.post(base + "/login", form={"username": username, "password": password,
                                                     "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                                                             context.request.get(base + "/login").text()).group(1)})
        page = context.new_page()
        sizes = []
        page.on("requestfinished", lambda request: sizes.append(request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"]))
        page.goto(base + "/trends?range=all", wait_until="networkidle")
        page.wait_for_timeout(500)
        browser.close()
    return sum(sizes), len(sizes)


def bench_pages():
    """p50/p95 of /healthz, the dashboard and /trends on 3 months and 5 years of demo data, one running server."""
    import os
    import subprocess

    from trust.demo import build_demo

    folder = Path(tempfile.mkdtemp(prefix="kotsukotsu-bench-"))
    app = make_app(folder)
    passwords = {}
    with app.app_context(), app.test_request_context(), Session(app.extensions["trust.engine"]) as db:
        for prefix, years in (("short", 0.25), ("long", 5)):
            passwords[prefix] = build_demo(db, years, datetime.now(UTC), prefix=prefix)
    port = free_port()
    env = dict(os.environ, TRUST_INSTANCE_PATH=str(folder), TRUST_PORT=str(port), TRUST_SECRET_KEY="bench",
               TRUST_DATABASE_URL=app.config["DATABASE_URL"])
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        rounds = 60
        sessions = {prefix: login(base, f"{prefix}-hurt", passwords[prefix]) for prefix in passwords}
        anonymous = requests.Session()
        for session in sessions.values():  # warm up templates and caches
            timed(session, base + "/trends?range=all", 3)
        health = timed(anonymous, base + "/healthz", rounds)
        print(f"pages ({rounds} requests each, ms; ratio to /healthz p50 {health[0] * 1000:.1f} ms):")
        results = {}
        for prefix, label in (("short", "3 months"), ("long", "5 years")):
            for name, path in [("dashboard", "/")] + [(f"trends {r}", f"/trends?range={r}") for r in ("4w", "3m", "1y", "all")]:
                p50, p95 = timed(sessions[prefix], base + path, rounds)
                results[(prefix, name)] = p50
                print(f"  {label:9} {name:11} p50 {p50 * 1000:6.1f}  p95 {p95 * 1000:6.1f}  x{p50 / health[0]:5.1f}")
        # The page cache keys on the end date: distinct ends measure the uncached computation.
        cold = []
        for back in range(12):
            end = (datetime.now(UTC) - timedelta(days=back + 1)).date().isoformat()
            start = time.perf_counter()
            sessions["long"].get(f"{base}/trends?range=all&end={end}")
            cold.append(time.perf_counter() - start)
        cold_p50, cold_p95 = percentiles(cold)
        print(f"  5 years   trends all, uncached  p50 {cold_p50 * 1000:6.1f}  p95 {cold_p95 * 1000:6.1f}  x{cold_p50 / health[0]:5.1f}")
        memory = rss_mb(server.pid)
        transferred, requests_made = first_visit_bytes(base, "long-hurt", passwords["long"])
        checks = [
            ("/trends (all) p50 <= 5 x /healthz, 5 years", results[("long", "trends all")] <= 5 * health[0]),
            ("5 years <= 1.5 x 3 months, /trends (all)", results[("long", "trends all")] <= 1.5 * results[("short", "trends all")]),
            ("dashboard <= 3 x /healthz, 5 years", results[("long", "dashboard")] <= 3 * health[0]),
            (f"resident memory {memory:.0f} MB <= 100 MB (web server and scheduler, one process)", memory <= 100),
            (f"first visit to /trends {transferred / 1024:.0f} KB in {requests_made} requests <= 150 KB", transferred <= 150 * 1024),
        ]
        for text, passed in checks:
            print(f"  {'met   ' if passed else 'MISSED'} {text}")
        return all(passed for _text, passed in checks)
    finally:
        server.terminate()
        server.wait(timeout=20)


def bench_data():
    """Export, backup and account deletion on 3 months and 5 years of demo data (figures only)."""
    from trust.backup import make_backup
    from trust.demo import build_demo
    from trust.export import build_export, write_zip
    from trust.leaving import erase_account

    folder = Path(tempfile.mkdtemp(prefix="kotsukotsu-bench-"))
    app = make_app(folder)
    print("data (seconds; ratio 5 years / 3 months):")
    figures = {}
    with app.app_context(), app.test_request_context(), Session(app.extensions["trust.engine"]) as db:
        for prefix, years in (("short", 0.25), ("long", 5)):
            build_demo(db, years, datetime.now(UTC), prefix=prefix)
        for prefix in ("short", "long"):
            user = db.exec(select(User).where(User.username == f"{prefix}-rebuilding")).one()
            start = time.perf_counter()
            document, files = build_export(db, user, datetime.now(UTC))
            with tempfile.TemporaryFile() as handle:
                write_zip(document, files, handle)
                figures[(prefix, "export")] = time.perf_counter() - start
                figures[(prefix, "export size")] = handle.tell()
        start = time.perf_counter()
        backup = make_backup(app, root=folder / "backups")
        figures["backup"] = time.perf_counter() - start
        size = (backup / "kotsukotsu.sqlite3").stat().st_size
        for prefix in ("short", "long"):
            user = db.exec(select(User).where(User.username == f"{prefix}-rebuilding")).one()
            start = time.perf_counter()
            erase_account(db, user, datetime.now(UTC))
            db.commit()
            figures[(prefix, "delete")] = time.perf_counter() - start
    for name in ("export", "delete"):
        short, long = figures[("short", name)], figures[("long", name)]
        print(f"  {name:7} 3 months {short:6.2f}  5 years {long:6.2f}  x{long / short:5.1f}")
    print(f"  export zip: 3 months {figures[('short', 'export size')] / 1024:.0f} KB, "
          f"5 years {figures[('long', 'export size')] / 1024:.0f} KB")
    print(f"  backup of both (database {size / 1024 / 1024:.1f} MB, integrity check included) {figures['backup']:.2f}")
    return True


def main():
    import logging

    logging.disable(logging.INFO)
    only = sys.argv[1:] or ["dispatch", "reassurance", "pages", "data"]
    ok = True
    if "dispatch" in only:
        with PushService() as service:
            ok = bench_dispatch(service) and ok
    if "reassurance" in only:
        with PushService() as service:
            ok = bench_reassurance(service) and ok
    if "pages" in only:
        ok = bench_pages() and ok
    if "data" in only:
        ok = bench_data() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
