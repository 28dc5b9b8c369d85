"""Phone-sized screenshots of the trend page from demo data, light and dark, for the README.

Run with `make screenshots`; writes docs/screenshots/*.png.
"""
import socket
import sys
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlmodel import Session  # noqa: E402
from waitress.server import create_server  # noqa: E402

from trust import create_app  # noqa: E402
from trust.db import upgrade  # noqa: E402
from trust.demo import build_demo  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def main():
    folder = Path(tempfile.mkdtemp(prefix="kotsukotsu-shots-"))
    url = f"sqlite:///{folder / 'shots.sqlite3'}"
    upgrade(url)
    app = create_app({"IGNORE_ENV": True, "INSTANCE_PATH": str(folder), "DATABASE_URL": url, "SECRET_KEY": "shots",
                      "PASSWORD_HASH": "cheap"})
    with app.test_request_context(), Session(app.extensions["trust.engine"]) as db:
        password = build_demo(db, 3, datetime.now(timezone.utc))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for scheme in ("light", "dark"):
            context = browser.new_context(locale="en-GB", timezone_id="Europe/Berlin", color_scheme=scheme,
                                          viewport={"width": 360, "height": 780}, is_mobile=True, device_scale_factor=1)
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("input[name=username]", "demo-hurt")
            page.fill("input[name=password]", password)
            with page.expect_navigation():
                page.click("main button[type=submit]")
            for range_key in ("3m", "all"):
                page.goto(f"{base}/trends?range={range_key}")
                target = OUT / f"trends-{range_key}-{scheme}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target.relative_to(ROOT))
            context.close()
        browser.close()
    server.close()


if __name__ == "__main__":
    main()
