"""The long view on a phone, over two years of demo history."""
from datetime import datetime, timezone

import pytest
from sqlmodel import Session

from trust.demo import build_demo


@pytest.fixture(scope="module")
def demo_password(live_app):
    with live_app.test_request_context(), Session(live_app.extensions["trust.engine"]) as db:
        return build_demo(db, 2, datetime.now(timezone.utc))


def test_trends_on_a_phone_switching_ranges(live_server, demo_password, phone):
    page = phone(locale="en-GB")
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "demo-hurt")
    page.fill("input[name=password]", demo_password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.click("nav.tabs a[href='/trends']")
    page.wait_for_url("**/trends")
    for label, key in (("4 weeks", "4w"), ("1 year", "1y"), ("All", "all"), ("3 months", "3m")):
        with page.expect_navigation():
            page.click(f"nav.filters a[href='/trends?range={key}']")
        assert page.locator("nav.filters a[aria-current]").inner_text() == label
        assert page.locator("svg.chart").count() >= 3
        assert page.locator("svg.chart").first.bounding_box()["width"] <= 360
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{key}: scrolls sideways by {overflow}px"
        assert "%" not in page.inner_text("main")
    page.click("text=As a table >> nth=0")
    assert page.locator("details[open] table tbody tr").count() > 5
    with page.expect_navigation():
        page.click("a[rel=prev]")
    assert "end=" in page.url and page.locator("a[rel=next]").count() == 1
