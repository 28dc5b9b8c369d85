"""The service worker shows pushed notifications, and the settings page subscribes a device."""
import json
import time

import pytest
from sqlmodel import Session, select

from support import PASSWORD, FakeBrowser, make_couple
from trust.models import PushSubscription


@pytest.fixture(scope="module")
def couple(live_app):
    with Session(live_app.extensions["trust.engine"], expire_on_commit=False) as db:
        return make_couple(live_app, db, rebuilding="ren", hurt="hana")


NOTIFICATIONS = (
    "navigator.serviceWorker.ready.then(r => r.getNotifications())"
    ".then(ns => ns.map(n => ({title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url})))"
)


def notifications_shown(page, count, timeout=10.0):
    """The service worker's notifications, polled until there are `count` of them."""
    deadline = time.monotonic() + timeout
    while True:
        shown = page.evaluate(NOTIFICATIONS)
        if len(shown) >= count or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(100)


def signed_in(phone, live_server, username):
    page = phone(locale="en-GB")
    page.context.grant_permissions(["notifications"], origin=live_server)
    page.goto(live_server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url == live_server + "/"
    return page


def test_a_push_shows_a_notification_from_the_service_worker(live_server, couple, phone):
    page = signed_in(phone, live_server, "hana")
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_timeout(200)  # let the registration event arrive
    ours = [r for r in registrations if r["scopeURL"] == live_server + "/" and not r.get("isDeleted")]
    assert ours, registrations
    payload = {"title": "Kotsukotsu", "body": "New check-in.", "url": "/checkins/7", "tag": "checkin", "kind": "checkin"}
    cdp.send("ServiceWorker.deliverPushMessage",
             {"origin": live_server + "/", "registrationId": ours[0]["registrationId"], "data": json.dumps(payload)})
    shown = notifications_shown(page, 1)
    assert shown == [{"title": "Kotsukotsu", "body": "New check-in.", "tag": "checkin", "url": "/checkins/7"}]
    # A push with no readable payload still shows something (iOS revokes silent subscriptions).
    cdp.send("ServiceWorker.deliverPushMessage",
             {"origin": live_server + "/", "registrationId": ours[0]["registrationId"], "data": "not json"})
    assert {n["tag"] for n in notifications_shown(page, 2)} == {"checkin", "kotsukotsu"}


def test_the_button_subscribes_this_device(live_server, live_app, couple, phone):
    fake = FakeBrowser("https://push.example/ren-phone").subscription()
    page = signed_in(phone, live_server, "ren")
    page.add_init_script(
        """
        (() => {
          const fake = %s;
          let current = null;
          PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
          PushManager.prototype.subscribe = function (options) {
            window.__subscribeOptions = options;
            current = { endpoint: fake.endpoint, toJSON: () => fake, unsubscribe: () => Promise.resolve(true) };
            return Promise.resolve(current);
          };
          Notification.requestPermission = () => Promise.resolve("granted");
        })();
        """ % json.dumps(fake)
    )
    page.goto(live_server + "/settings/notifications")
    button = page.locator("[data-push-on]")
    button.wait_for(state="visible")
    with page.expect_navigation():
        button.click()
    with Session(live_app.extensions["trust.engine"]) as db:
        rows = db.exec(select(PushSubscription).where(PushSubscription.endpoint == fake["endpoint"])).all()
        assert len(rows) == 1 and rows[0].p256dh == fake["keys"]["p256dh"]
    assert "Chrome" in page.inner_text("main")  # the device list names the browser
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
