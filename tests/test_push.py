"""Web Push end to end against a local push service: encryption, VAPID, headers, retries, removal."""
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from push_service import PushService, decrypt, verify_vapid
from support import FakeBrowser
from trust.dispatch import dispatch_due
from trust.models import PushMessage, PushSubscription, ReminderRule

UTC = timezone.utc


@pytest.fixture
def service():
    with PushService() as running:
        yield running


@pytest.fixture
def ren_phone(ren, service):
    browser = FakeBrowser(service.url("/push/ren-phone"))
    assert ren.post("/push/subscriptions", json=browser.subscription()).status_code == 201
    return browser


def dispatch(app, now=None):
    with app.app_context():
        return dispatch_due(now or datetime.now(UTC))


def test_reassurance_arrives_encrypted_signed_and_urgent(app, ren, hana, ren_phone, service, db):
    hana.post("/reassurance")
    dispatch(app)
    [request] = service.received_at("/push/ren-phone")
    message = decrypt(request, ren_phone)
    assert message["title"] == "Kotsukotsu"
    assert message["body"] == "Your partner needs reassurance now."
    assert message["url"] == "/" and message["tag"] == "reassurance"
    headers = request["headers"]
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["urgency"] == "high" and headers["topic"] == "reassurance"
    assert 3000 < int(headers["ttl"]) <= 3600
    public_key = ren.get("/push/vapid-public-key").get_json()["publicKey"]
    claims = verify_vapid(request, public_key)
    assert claims["aud"] == service.url("")
    assert claims["sub"] == "mailto:ops@kotsukotsu.example"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    subscription = db.exec(select(PushSubscription)).one()
    db.refresh(subscription)
    assert subscription.last_success_at is not None


def test_lock_screen_text_is_generic_unless_details_are_chosen(app, ren, hana, service, db):
    browser = FakeBrowser(service.url("/push/hana"))
    hana.post("/push/subscriptions", json=browser.subscription())
    ren.post("/checkins/new", data={"kind": "contact", "body": "At Shinjuku station with Sato"}, content_type="multipart/form-data")
    dispatch(app)
    assert decrypt(service.received_at("/push/hana")[-1], browser)["body"] == "New check-in."
    hana.post("/settings/notifications/quiet", data={"push_detail": "y"})
    ren.post("/checkins/new", data={"kind": "report", "body": "Bought a birthday present"}, content_type="multipart/form-data")
    dispatch(app)
    assert decrypt(service.received_at("/push/hana")[-1], browser)["body"] == "Bought a birthday present"


def test_push_text_is_in_the_recipients_language(app, ren, hana, service, db):
    browser = FakeBrowser(service.url("/push/hana-ja"))
    hana.post("/push/subscriptions", json=browser.subscription())
    hana.post("/settings/profile", data={"display_name": "Hana", "language": "ja", "timezone": "Asia/Tokyo"})
    ren.post("/checkins/new", data={"kind": "report", "body": "x"}, content_type="multipart/form-data")
    dispatch(app)
    message = decrypt(service.received_at("/push/hana-ja")[-1], browser)
    assert message["title"] == "コツコツ" and message["body"] == "新しい報連相があります。"


def test_a_gone_subscription_is_deleted(app, ren, hana, ren_phone, service, db):
    service.statuses.append(410)
    hana.post("/reassurance")
    dispatch(app)
    assert db.exec(select(PushSubscription)).all() == []
    assert db.exec(select(PushMessage)).all() == []


def test_429_is_retried_with_backoff(app, ren, hana, ren_phone, service, db):
    service.statuses.extend([429, 503])
    hana.post("/reassurance")
    now = datetime.now(UTC)
    dispatch(app, now)
    message = db.exec(select(PushMessage)).one()
    db.refresh(message)
    assert (message.state, message.attempts, message.last_status) == ("queued", 1, 429)
    assert message.next_attempt_at >= now + timedelta(seconds=29)
    dispatch(app, now + timedelta(seconds=5))
    assert len(service.received_at("/push/ren-phone")) == 1  # not yet: backing off
    dispatch(app, now + timedelta(seconds=31))
    dispatch(app, now + timedelta(seconds=95))
    db.refresh(message)
    assert (message.state, message.attempts) == ("sent", 3)
    assert len(service.received_at("/push/ren-phone")) == 3
    subscription = db.exec(select(PushSubscription)).one()
    db.refresh(subscription)
    assert subscription.last_error == "HTTP 503" and subscription.last_success_at is not None


def test_a_message_past_its_usefulness_is_not_sent(app, ren, hana, ren_phone, service, db):
    hana.post("/reassurance")
    dispatch(app, datetime.now(UTC) + timedelta(hours=2))
    assert service.received_at("/push/ren-phone") == []
    assert db.exec(select(PushMessage)).one().state == "expired"


def test_a_scheduled_prompt_is_pushed(app, people, ren, ren_phone, service, db):
    rule = db.exec(select(ReminderRule).where(ReminderRule.user_id == ren.user.id, ReminderRule.kind == "checkin")).one()
    now = datetime.now(UTC)
    rule.next_due_at = now - timedelta(seconds=1)
    db.add(rule)
    db.commit()
    dispatch(app, now)
    [request] = service.received_at("/push/ren-phone")
    assert decrypt(request, ren_phone)["body"] == "Time for today's check-in."
    assert request["headers"]["topic"] == "prompt-checkin"


def test_nothing_is_sent_with_a_localhost_subject(app, ren, hana, ren_phone, service, db):
    app.config["SETTINGS"]["TRUST_VAPID_SUBJECT"] = "mailto:admin@localhost"
    hana.post("/reassurance")
    dispatch(app)
    assert service.received_at("/push/ren-phone") == []
    assert db.exec(select(PushMessage)).one().state == "queued"


@pytest.mark.parametrize(
    "body",
    [None, [], {"endpoint": "https://push.example/x"}, {"endpoint": "https://push.example/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
     {"endpoint": "ftp://push.example/x", "keys": {"p256dh": "x", "auth": "y"}}, {"endpoint": 5, "keys": {"p256dh": "x", "auth": "y"}}],
)
def test_bad_subscriptions_are_refused(ren, db, body):
    response = ren.post("/push/subscriptions", json=body) if body is not None else ren.post("/push/subscriptions", data="not json")
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert db.exec(select(PushSubscription)).all() == []


def test_an_insecure_endpoint_is_refused_outside_tests(app, ren, db):
    app.config["PUSH_ALLOW_HTTP"] = False
    response = ren.post("/push/subscriptions", json=FakeBrowser("http://127.0.0.1:9/x").subscription())
    assert response.status_code == 400


def test_unsubscribe_and_a_stranger_cannot_remove_it(ren, charlie, db):
    browser = FakeBrowser("https://push.example/ren")
    ren.post("/push/subscriptions", json=browser.subscription())
    assert charlie.client.delete("/push/subscriptions", json={"endpoint": browser.endpoint}).status_code == 404
    assert ren.client.delete("/push/subscriptions", json={"endpoint": browser.endpoint}).status_code == 200
    assert db.exec(select(PushSubscription)).all() == []


def test_the_same_browser_moves_to_the_account_signed_in_now(ren, hana, db):
    browser = FakeBrowser("https://push.example/shared")
    ren.post("/push/subscriptions", json=browser.subscription())
    assert hana.post("/push/subscriptions", json=browser.subscription()).status_code == 200
    assert db.exec(select(PushSubscription)).one().user_id == hana.user.id


def test_subscribing_needs_the_csrf_header(tmp_path, people):
    from sqlmodel import SQLModel

    from support import PASSWORD
    from trust import create_app

    app = create_app({"TESTING": True, "IGNORE_ENV": True, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://",
                      "SECRET_KEY": "x", "PASSWORD_HASH": "cheap"})
    SQLModel.metadata.create_all(app.extensions["trust.engine"])
    from support import make_couple
    from sqlmodel import Session

    with Session(app.extensions["trust.engine"]) as db:
        make_couple(app, db, rebuilding="ren", hurt="hana")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "ren", "password": PASSWORD, "csrf_token": token})
    body = FakeBrowser("https://push.example/csrf").subscription()
    assert client.post("/push/subscriptions", json=body).status_code == 400
    meta = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    assert client.post("/push/subscriptions", json=body, headers={"X-CSRFToken": meta}).status_code == 201


def test_the_public_key_is_an_uncompressed_p256_point(ren):
    import base64

    key = ren.get("/push/vapid-public-key").get_json()["publicKey"]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4
    assert ren.get("/push/vapid-public-key").get_json()["publicKey"] == key  # kept, not regenerated


def test_the_test_button_queues_to_my_devices(app, ren, ren_phone, service):
    response = ren.post("/push/test", headers={"Accept": "application/json"})
    assert response.get_json() == {"queued": 1, "ready": True}
    dispatch(app)
    assert decrypt(service.received_at("/push/ren-phone")[0], ren_phone)["body"] == "Notifications work on this device."


def test_service_worker_and_manifest(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert b"showNotification" in response.data and b"pushsubscriptionchange" in response.data
    manifest = client.get("/manifest.webmanifest", headers={"Accept-Language": "ja"})
    data = manifest.get_json(force=True)
    assert manifest.mimetype == "application/manifest+json"
    assert data["display"] == "standalone" and data["lang"] == "ja" and data["start_url"] == "/"
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"} and any(i["purpose"] == "maskable" for i in data["icons"])
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert client.get("/offline").status_code == 200


def test_finished_messages_are_dropped_after_a_week(app, ren, hana, ren_phone, service, db):
    hana.post("/reassurance")
    now = datetime.now(UTC)
    dispatch(app, now)
    assert db.exec(select(PushMessage)).one().state == "sent"
    dispatch(app, now + timedelta(days=6))
    assert len(db.exec(select(PushMessage)).all()) == 1
    dispatch(app, now + timedelta(days=8))
    assert db.exec(select(PushMessage)).all() == []
