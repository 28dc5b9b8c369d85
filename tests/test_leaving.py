"""Pause sharing, end the pairing, delete an account: at once, neutral for the partner, their data intact."""
import io
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel, select

from support import PASSWORD, Persona, make_couple
from trust import create_app
from trust.db import utcnow
from trust.dispatch import dispatch_due
from trust.models import (
    CheckIn,
    ComfortEntry,
    Condition,
    Couple,
    Delivery,
    Invite,
    JournalEntry,
    Notice,
    ReminderRule,
    User,
)


def notice_kinds(db, user):
    db.expire_all()
    return [n.kind for n in db.exec(select(Notice).where(Notice.user_id == user.id).order_by(Notice.id))]


def jpeg():
    image = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 120, 40)).save(image, "JPEG")
    return image.getvalue()


# --- pause ----------------------------------------------------------------------------------


def test_pausing_closes_the_shared_pages_for_both_at_once(ren, hana, db):
    ren.post("/checkins/new", data={"kind": "report", "body": "Home by nine"})
    assert hana.post("/sharing/pause").status_code == 302
    for persona in (ren, hana):
        for url in ("/", "/timeline", "/conditions", "/comfort", "/trends"):
            response = persona.get(url)
            assert response.status_code == 302 and response.location == "/sharing", url
        page = persona.get("/sharing").get_data(as_text=True)
        assert "Sharing is paused." in page and "Home by nine" not in page
        assert 'class="tabs"' not in page  # no tabs into pages that are closed
    # Writing into the shared space is refused, and nothing is saved.
    response = ren.post("/checkins/new", data={"kind": "report", "body": "Another one"})
    assert response.status_code == 409
    assert db.exec(select(CheckIn).where(CheckIn.body == "Another one")).first() is None
    # The partner is told what happened, not why; only the one who paused sees the resume button.
    assert "sharing_paused" in notice_kinds(db, ren.user)
    assert "Resume sharing" in hana.get("/sharing").get_data(as_text=True)
    assert "Resume sharing" not in ren.get("/sharing").get_data(as_text=True)


def test_only_the_partner_who_paused_can_resume(ren, hana, db):
    ren.post("/sharing/pause")
    response = hana.post("/sharing/resume")
    assert response.status_code == 403
    assert "Only the partner who paused" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Couple, ren.user.couple_id).paused_at is not None
    assert ren.post("/sharing/resume").status_code == 302
    db.expire_all()
    assert db.get(Couple, ren.user.couple_id).paused_at is None
    assert hana.get("/").status_code == 200
    assert "sharing_resumed" in notice_kinds(db, hana.user)


def test_a_pause_stops_every_prompt_and_nudge(app, ren, hana, db):
    ren.post("/checkins/new", data={"kind": "contact", "body": "Out with colleagues",
                                    "expected_end": "23:59"})
    hana.post("/sharing/pause")
    later = utcnow() + timedelta(days=2)
    with app.app_context():
        assert dispatch_due(later) == 0
    db.expire_all()
    outcomes = {d.outcome for d in db.exec(select(Delivery).where(Delivery.couple_id == ren.user.couple_id))}
    assert outcomes == {"paused"}
    # And resuming brings them back.
    hana.post("/sharing/resume")
    db.expire_all()
    next_firing = min(r.next_due_at for r in db.exec(select(ReminderRule).where(
        ReminderRule.couple_id == ren.user.couple_id, ReminderRule.enabled)))
    with app.app_context():
        assert dispatch_due(next_firing) > 0


def test_a_shared_reflection_is_hidden_while_paused(ren, hana):
    ren.post("/journal", data={"body": "What I am changing", "shared": "y"})
    assert "What I am changing" in hana.get("/journal").get_data(as_text=True)
    hana.post("/sharing/pause")
    assert "What I am changing" not in hana.get("/journal").get_data(as_text=True)
    assert "What I am changing" in ren.get("/journal").get_data(as_text=True)


def test_nothing_reaches_the_partner_while_paused(ren, hana, db):
    ren.post("/sharing/pause")
    before = notice_kinds(db, hana.user)
    ren.post("/journal", data={"body": "A reflection", "shared": "y"})
    assert notice_kinds(db, hana.user) == before


# --- end ----------------------------------------------------------------------------------------


def test_ending_the_pairing_needs_the_username_and_is_final(ren, hana, db):
    response = hana.post("/sharing/end", data={"confirm": "ren"})
    assert response.status_code == 400
    assert "not your username" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Couple, hana.user.couple_id).ended_at is None
    assert hana.post("/sharing/end", data={"confirm": "hana"}).status_code == 302
    db.expire_all()
    couple = db.get(Couple, hana.user.couple_id)
    assert couple.ended_at is not None
    assert db.exec(select(Invite).where(Invite.couple_id == couple.id)).all() == []
    assert "pairing_ended" in notice_kinds(db, ren.user)
    for persona in (ren, hana):
        assert persona.get("/").location == "/sharing"
        assert persona.get("/pair").location == "/sharing"  # no new partner into an ended pairing
        assert "The pairing has ended." in persona.get("/sharing").get_data(as_text=True)
    # Neither can resume or pause it back to life.
    hana.post("/sharing/pause")
    ren.post("/sharing/resume")
    db.expire_all()
    assert db.get(Couple, couple.id).ended_at is not None and db.get(Couple, couple.id).paused_at is None


def test_after_the_end_each_keeps_their_own_writing(ren, hana, db):
    hana.post("/journal", data={"body": "Still mine"})
    hana.post("/sharing/end", data={"confirm": "hana"})
    assert "Still mine" in hana.get("/journal").get_data(as_text=True)
    assert hana.get("/export").status_code == 200


# --- delete -------------------------------------------------------------------------------------


@pytest.fixture
def file_app(tmp_path):
    """An app on a real SQLite file, so the deletion test can read the bytes on disk."""
    url = os.environ.get("TRUST_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'trust.sqlite3'}"
    app = create_app({"TESTING": True, "IGNORE_ENV": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "DATABASE_URL": url, "SECRET_KEY": "test", "PASSWORD_HASH": "cheap",
                      "WTF_CSRF_ENABLED": False, "PUSH_ALLOW_HTTP": True})
    engine = app.extensions["trust.engine"]
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield app
    engine.dispose()


def every_text_in_the_database(engine) -> str:
    """All values of all rows of all tables, as one string (works on any database)."""
    parts = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_deleting_an_account_removes_every_trace_and_leaves_the_partner_intact(file_app, tmp_path):
    app = file_app
    with Session(app.extensions["trust.engine"], expire_on_commit=False) as db:
        couple, (ren_user, hana_user) = make_couple(app, db, rebuilding="ren-marker", hurt="hana")
    ren, hana = Persona(app, ren_user), Persona(app, hana_user)
    hana.post("/conditions/new", data={"text": "Home by 22:00 HANA-CONDITION", "due_time": "22:00",
                                       "review_on": (date.today() + timedelta(days=90)).isoformat()})
    ren.post("/conditions/new", data={"text": "REN-CONDITION weekly walk",
                                      "review_on": (date.today() + timedelta(days=90)).isoformat()})
    with Session(app.extensions["trust.engine"]) as db:
        hana_condition = db.exec(select(Condition).where(Condition.proposed_by == hana_user.id)).one().id
    ren.post(f"/conditions/{hana_condition}/accept", data={"note": "REN-ACCEPT-NOTE"})
    ren.post("/checkins/new", data={"kind": "consult", "body": "REN-CHECKIN at Shibuya",
                                    "photos": [(io.BytesIO(jpeg()), "p.jpg")]}, content_type="multipart/form-data")
    with Session(app.extensions["trust.engine"]) as db:
        consult = db.exec(select(CheckIn)).one().id
    hana.post(f"/checkins/{consult}/answer", data={"answer": "yes", "note": "HANA-ANSWER"})
    ren.post("/journal", data={"body": "REN-REFLECTION", "shared": "y"})
    ren.post("/together", data={"kind": "together", "happened_on": "2026-03-01", "minutes": "30", "note": "REN-TOGETHER"})
    hana.post("/comfort", data={"level": "4", "note": "HANA-COMFORT"})
    hana.post("/journal", data={"body": "HANA-JOURNAL"})
    uploads = Path(app.config["UPLOAD_FOLDER"])
    assert len(list(uploads.rglob("*.jpg"))) == 1

    fresh = Persona(app, ren_user)  # signed in just now, so no re-authentication is asked
    assert fresh.post("/account/delete", data={"confirm": "wrong"}).status_code == 400
    response = fresh.post("/account/delete", data={"confirm": "ren-marker"})
    assert response.status_code == 200 and "Your account is deleted." in response.get_data(as_text=True)
    assert ren.get("/").status_code == 302  # every device is signed out with the account

    engine = app.extensions["trust.engine"]
    everything = every_text_in_the_database(engine)
    for marker in ("ren-marker", "REN-CHECKIN", "REN-CONDITION", "REN-ACCEPT-NOTE", "REN-REFLECTION", "REN-TOGETHER"):
        assert marker not in everything, marker
    if engine.dialect.name == "sqlite":
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("trust.sqlite3*"))
        for marker in (b"ren-marker", b"REN-CHECKIN", b"REN-REFLECTION", b"REN-ACCEPT-NOTE", b"Shibuya"):
            assert marker not in raw, marker
    assert list(uploads.rglob("*.jpg")) == []
    # The partner's own data is intact; the answer they gave went with the question.
    for marker in ("HANA-CONDITION", "HANA-COMFORT", "HANA-JOURNAL"):
        assert marker in everything, marker
    assert "HANA-ANSWER" not in everything
    with Session(engine) as db:
        assert db.get(Couple, couple.id).ended_at is not None
        assert [n.kind for n in db.exec(select(Notice).where(Notice.user_id == hana_user.id))][-1] == "partner_left"
        assert db.exec(select(ReminderRule).where(ReminderRule.user_id == ren_user.id)).all() == []
    page = hana.get("/sharing").get_data(as_text=True)
    assert "The pairing has ended." in page
    assert "HANA-JOURNAL" in hana.get("/journal").get_data(as_text=True)
    assert "REN-REFLECTION" not in hana.get("/journal").get_data(as_text=True)
    assert app.test_client().post("/login", data={"username": "ren-marker", "password": PASSWORD}).status_code == 401


def test_the_last_one_to_leave_takes_the_couple_with_them(ren, hana, db):
    couple_id = ren.user.couple_id
    ren.post("/account/delete", data={"confirm": "ren"})
    hana.post("/comfort", data={"level": "2"})  # refused: the pairing has ended
    hana.post("/journal", data={"body": "One more line"})
    hana.post("/account/delete", data={"confirm": "hana"})
    db.expire_all()
    assert db.get(Couple, couple_id) is None
    for model in (CheckIn, ComfortEntry, JournalEntry, Notice, ReminderRule, Delivery):
        assert db.exec(select(model).where(model.couple_id == couple_id)).all() == [], model
    assert db.exec(select(User).where(User.couple_id == couple_id)).all() == []
    # The other couple on the instance is untouched.
    assert db.exec(select(User).where(User.username == "charlie")).one().couple_id is not None
