"""A live server on 127.0.0.1 and Debian's Chromium driven by Playwright."""
import os
import socket
import threading
from pathlib import Path

import pytest

from trust import create_app
from trust.db import upgrade

CHROMIUM = os.environ.get("TRUST_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{instance / 'live.sqlite3'}"
    upgrade(url)
    return create_app({"IGNORE_ENV": True, "INSTANCE_PATH": str(instance), "DATABASE_URL": url,
                       "SECRET_KEY": "browser-tests", "PASSWORD_HASH": "cheap"})


@pytest.fixture(scope="module")
def live_server(live_app):
    from waitress.server import create_server

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = create_server(live_app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser context per person."""
    contexts, blocked = [], []

    def open_phone(locale="en-GB", timezone_id="Asia/Tokyo"):
        context = browser.new_context(locale=locale, timezone_id=timezone_id, **PHONE)
        context.set_default_timeout(10000)
        contexts.append(context)
        page = context.new_page()
        # Anything the Content-Security-Policy blocks is a broken page.
        page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text))
        return page

    yield open_phone
    for context in contexts:
        context.close()
    assert blocked == []
