"""On phones: the authenticator app, exporting, and pausing sharing, with no CSP report along the way."""
import json
import zipfile

import pyotp
import pytest
from sqlmodel import Session

from support import PASSWORD, make_couple


@pytest.fixture(scope="module")
def couple(live_app):
    with Session(live_app.extensions["trust.engine"], expire_on_commit=False) as db:
        return [make_couple(live_app, db, rebuilding="kai", hurt="mio"),
                make_couple(live_app, db, rebuilding="sol", hurt="ume")]


def sign_in(page, live_server, username):
    page.goto(live_server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def test_turning_on_the_authenticator_app_then_signing_in_with_it(live_server, couple, phone):
    page = phone()
    sign_in(page, live_server, "kai")
    page.goto(live_server + "/settings")
    with page.expect_navigation():
        page.click("text=Security and the security log")
    with page.expect_navigation():
        page.click("main a.button:has-text('Turn on')")
    assert page.locator(".qr svg").is_visible()
    secret = page.inner_text("code.secret")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.click("main button[type=submit]")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    assert "Signed in" in page.inner_text("main")

    other = phone(locale="ja-JP")
    sign_in(other, live_server, "kai")
    assert other.url.endswith("/login/code")
    other.fill("input[name=code]", codes[0])
    with other.expect_navigation():
        other.click("main button[type=submit]")
    assert other.url == live_server + "/"


def test_export_then_pause_and_resume(live_server, couple, phone, tmp_path):
    ume = phone()
    sign_in(ume, live_server, "ume")
    ume.goto(live_server + "/comfort")
    ume.fill("textarea[name=note]", "A quiet evening")
    ume.check("input[name=level][value='4']")
    with ume.expect_navigation():
        ume.click("main form button[type=submit] >> nth=0")
    ume.goto(live_server + "/export")
    with ume.expect_download() as download:
        ume.click("main button[type=submit]")
    path = tmp_path / "export.zip"
    download.value.save_as(path)
    document = json.loads(zipfile.ZipFile(path).read("export.json"))
    assert document["account"]["username"] == "ume"
    assert [c["note"] for c in document["comfort"]] == ["A quiet evening"]

    ume.goto(live_server + "/settings")
    with ume.expect_navigation():
        ume.click("text=Pause or end sharing")
    with ume.expect_navigation():
        ume.click("text=Pause sharing now")
    assert "Sharing is paused." in ume.inner_text("main")

    sol = phone()
    sign_in(sol, live_server, "sol")
    sol.goto(live_server + "/timeline")
    assert sol.url.endswith("/sharing") and "Sharing is paused." in sol.inner_text("main")
    assert sol.locator("text=Resume sharing").count() == 0

    ume.goto(live_server + "/sharing")
    with ume.expect_navigation():
        ume.click("text=Resume sharing")
    assert ume.url == live_server + "/"
    sol.goto(live_server + "/timeline")
    assert sol.url.endswith("/timeline")
    sol.goto(live_server + "/notices")
    notices = sol.inner_text("main")
    assert "Sharing is paused for now." in notices and "Sharing has resumed." in notices
