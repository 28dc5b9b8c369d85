"""Access: every route, generated from the URL map, against a stranger, the partner and nobody."""
import io
from datetime import date, timedelta
import re

import pytest
from PIL import Image
from sqlmodel import select

from support import FakeBrowser
from trust.models import JournalEntry
from trust.models import CheckIn, Condition, ConditionEvent, Photo, PushSubscription, ReassuranceRequest, ReminderRule

PUBLIC = {"static", "healthz", "security.reset", "safety.quick_exit", "accounts.login", "pairing.register", "pairing.join", "safety.index", "dashboard.index",
          "app_shell.service_worker", "app_shell.manifest", "app_shell.offline"}
MARKERS = ("SECRET-CHECKIN", "SECRET-CONDITION", "SECRET-TOGETHER", "SECRET-SHARED-COMFORT", "SHARED-REFLECTION",
           "PRIVATE-JOURNAL", "PRIVATE-REFLECTION")
PRIVATE_MARKER = "PRIVATE-COMFORT-NOTE"


@pytest.fixture
def world(ren, hana, db):
    """Couple one with one of everything, built through the views."""
    image = io.BytesIO()
    Image.new("RGB", (8, 8)).save(image, "JPEG")
    ren.post("/checkins/new", data={"kind": "consult", "body": "SECRET-CHECKIN", "photos": [(io.BytesIO(image.getvalue()), "p.jpg")]},
             content_type="multipart/form-data")
    hana.post("/conditions/new", data={"text": "SECRET-CONDITION", "due_time": "22:00", "review_on": (date.today() + timedelta(days=90)).isoformat()})
    condition = db.exec(select(Condition)).one()
    ren.post(f"/conditions/{condition.id}/accept")
    ren.post(f"/conditions/{condition.id}/changes", data={"kind": "retirement"})
    hana.post("/together", data={"kind": "together", "happened_on": "2026-03-01", "minutes": "30", "note": "SECRET-TOGETHER"})
    hana.post("/comfort", data={"level": "3", "note": PRIVATE_MARKER})
    hana.post("/comfort", data={"level": "5", "note": "SECRET-SHARED-COMFORT", "note_shared": "y"})
    hana.post("/reassurance")
    assert ren.post("/push/subscriptions", json=FakeBrowser("https://push.example/ren").subscription()).status_code == 201
    hana.post("/journal", data={"body": "PRIVATE-JOURNAL"})
    ren.post("/journal", data={"body": "PRIVATE-REFLECTION"})
    ren.post("/journal", data={"body": "SHARED-REFLECTION", "shared": "y"})
    return {
        "entry_id": db.exec(select(JournalEntry).where(JournalEntry.author_id == hana.user.id)).one().id,
        "rule_id": db.exec(select(ReminderRule).where(ReminderRule.user_id == ren.user.id)).first().id,
        "subscription_id": db.exec(select(PushSubscription)).one().id,
        "checkin_id": db.exec(select(CheckIn)).one().id,
        "condition_id": condition.id,
        "event_id": db.exec(select(ConditionEvent).where(ConditionEvent.state == "pending")).one().id,
        "photo_id": db.exec(select(Photo)).one().id,
        "request_id": db.exec(select(ReassuranceRequest)).one().id,
    }


def routes(app, world):
    """Every (method, url, endpoint) the app serves, with couple one's ids filled in."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {arg: world.get(arg, "x") for arg in rule.arguments}
        url = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url, rule


def test_a_stranger_gets_404_for_every_object_of_another_couple(app, world, charlie, sign_in):
    """Both partners of the other couple, in either role, against every route that takes an id."""
    checked = 0
    for stranger in (charlie, sign_in("dana")):
        for method, url, rule in routes(app, world):
            if not rule.arguments or rule.endpoint == "pairing.join":
                continue
            response = stranger.client.open(url, method=method, data={"kind": "thanks", "answer": "yes",
                                                                       "decision": "accepted", "note": "x"})
            assert response.status_code == 404, (stranger.user.username, method, url, response.status_code)
            checked += 1
    assert checked >= 30
    print(f"\nstranger 404 cells checked: {checked}")


def test_a_stranger_sees_nothing_of_another_couple_on_any_page(app, world, charlie):
    for method, url, _rule in routes(app, world):
        if method != "GET":
            continue
        body = charlie.get(url).get_data(as_text=True)
        for marker in MARKERS + (PRIVATE_MARKER,):
            assert marker not in body, (url, marker)


def test_the_partner_never_sees_a_private_note_anywhere(app, world, ren, hana):
    pages = 0
    for method, url, _rule in routes(app, world):
        if method == "GET":
            body = ren.get(url).get_data().decode("utf-8", "replace")
            assert PRIVATE_MARKER not in body and "PRIVATE-JOURNAL" not in body, url
            body = hana.get(url).get_data().decode("utf-8", "replace")
            assert "PRIVATE-REFLECTION" not in body, url
            pages += 1
    assert pages >= 10
    print(f"\npartner pages checked for private things: {2 * pages} (both partners)")
    assert "SECRET-SHARED-COMFORT" in ren.get("/comfort").get_data(as_text=True)
    assert "SHARED-REFLECTION" in hana.get("/journal").get_data(as_text=True)


def test_a_partner_cannot_touch_the_others_private_writing(world, ren, db):
    entry_id = world["entry_id"]  # hana's journal entry
    assert ren.post(f"/journal/{entry_id}/delete").status_code == 404
    assert ren.post(f"/journal/{entry_id}/share").status_code == 404
    assert db.get(JournalEntry, entry_id) is not None


def test_the_journal_cannot_be_shared(hana, db):
    hana.post("/journal", data={"body": "Today was hard.", "shared": "y"})
    entry = db.exec(select(JournalEntry).where(JournalEntry.body == "Today was hard.")).one()
    assert not entry.shared
    assert hana.post(f"/journal/{entry.id}/share").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(app, world):
    client = app.test_client()
    checked = 0
    for method, url, rule in routes(app, world):
        if rule.endpoint in PUBLIC:
            continue
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.location, (method, url, response.status_code)
        checked += 1
    assert checked >= 60
    print(f"\nanonymous to sign-in cells checked: {checked}")


def test_photo_urls_are_random_and_not_enumerable(world):
    assert re.fullmatch(r"[0-9a-f]{32}", world["photo_id"])


def test_health_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_security_headers_on_every_response(client, ren):
    for response in (client.get("/login"), ren.get("/"), client.get("/healthz"), client.get("/static/app.css")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
        if response.mimetype == "text/html":
            # The page's own tags carry this response's nonce, and only they may load.
            nonce = re.search(r"script-src 'nonce-([\w-]+)'", csp).group(1)
            page = response.get_data(as_text=True)
            assert page.count(f'nonce="{nonce}"') == 2 and "script-src 'self'" not in csp
        else:
            assert "script-src 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
    first, second = (client.get("/login").headers["Content-Security-Policy"] for _ in range(2))
    assert first != second  # a fresh nonce for every response
    assert "Strict-Transport-Security" not in client.get("/login").headers
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://localhost").headers


def test_no_inline_scripts_or_styles_in_any_page(app, world, ren, hana):
    for persona in (ren, hana):
        for method, url, rule in routes(app, world):
            if method != "GET" or rule.endpoint in ("photos.show", "trends.download"):
                continue
            body = persona.get(url).get_data(as_text=True)
            assert "style=" not in body, url
            assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body) is None, url
            assert not re.search(r"\son[a-z]+=", body), url


def test_quick_exit_lands_on_a_page_that_does_not_name_the_app(client, ren):
    assert 'data-quick-exit' in ren.get("/").get_data(as_text=True)
    page = client.get("/bye")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Kotsukotsu" not in page.get_data(as_text=True) and "コツコツ" not in page.get_data(as_text=True)


def test_logs_never_carry_passwords_notes_or_what_was_written(app, client, caplog):
    """Canary strings go in through every form that takes private text; none may reach the logs."""
    import logging

    caplog.set_level(logging.DEBUG)
    canaries = {"password": "canary-pass-91f2 words", "checkin": "CANARY-CHECKIN-Shinjuku", "note": "CANARY-NOTE",
                "journal": "CANARY-JOURNAL", "condition": "CANARY-CONDITION", "wrong": "canary-wrong-7c1"}
    founder = {"username": "ren", "display_name": "Ren", "password": canaries["password"], "language": "en",
               "timezone": "Asia/Tokyo", "afraid": "yes", "operator_ack": "y", "role": "hurt", "started_on": "2026-01-05"}
    client.post("/register", data=founder)
    client.post("/comfort", data={"level": "2", "note": canaries["note"], "note_shared": "y"})
    client.post("/journal", data={"body": canaries["journal"]})
    client.post("/conditions/new", data={"text": canaries["condition"], "review_on": (date.today() + timedelta(days=30)).isoformat()})
    client.post("/logout")
    client.post("/login", data={"username": "ren", "password": canaries["wrong"]})
    client.post("/login", data={"username": "ren", "password": canaries["password"]})
    link = re.search(r'value="http://localhost(/invite/[^"]+)"', client.get("/pair").get_data(as_text=True))
    if link is None:
        client.post("/pair")
        link = re.search(r'value="http://localhost(/invite/[^"]+)"', client.get("/pair").get_data(as_text=True))
    partner = app.test_client()
    partner.post(link.group(1), data={"username": "sora", "display_name": "Sora", "password": canaries["password"] + "2",
                                      "language": "en", "timezone": "Asia/Tokyo", "afraid": "no", "operator_ack": "y"})
    partner.post("/checkins/new", data={"kind": "contact", "body": canaries["checkin"], "expected_end": "23:00"},
                 content_type="multipart/form-data")
    assert any("checkin" in record.getMessage() for record in caplog.records)  # the app did log
    for name, canary in canaries.items():
        assert canary not in caplog.text, name


def test_database_errors_never_carry_what_was_written(app, people, db):
    """A failing statement's message (which reaches the log as a traceback) hides its values."""
    import sqlalchemy

    from trust.db import utcnow

    with pytest.raises(sqlalchemy.exc.IntegrityError) as error:
        db.add(JournalEntry(couple_id=people["couple"].id, author_id=999999, body="CANARY-IN-A-FAILED-INSERT",
                            created_at=utcnow()))
        db.flush()
    db.rollback()
    assert "CANARY-IN-A-FAILED-INSERT" not in str(error.value)
