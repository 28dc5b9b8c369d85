"""Accounts: registration only on an empty instance, sign-in, sessions, throttling, passwords."""
from http.cookies import SimpleCookie

import pytest
from sqlmodel import select

from support import FOUNDER, PASSWORD, Persona
from trust import create_app
from trust.models import LoginSession, User
from sqlmodel import SQLModel



def test_register_is_open_on_an_empty_instance_and_closed_afterwards(client, db):
    assert client.get("/").location.endswith("/register")
    assert client.get("/register").status_code == 200
    response = client.post("/register", data=FOUNDER)
    assert response.status_code == 302 and response.location.endswith("/pair")
    user = db.exec(select(User)).one()
    assert user.role == "rebuilding" and user.password_hash.startswith("$argon2")
    other = client.application.test_client()
    assert other.get("/register").status_code == 403
    assert other.post("/register", data=dict(FOUNDER, username="mallory")).status_code == 403
    assert len(db.exec(select(User)).all()) == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"password": "short"}, "at least 8"),
        ({"password": "password123"}, "too easy to guess"),
        ({"password": "aaaaaaaaaaaa"}, "too easy to guess"),
        ({"password": "ren-is-my-name-99"}, "too easy to guess"),
        ({"timezone": "Mars/Olympus"}, "Asia/Tokyo"),
        ({"username": "Bad Name!"}, "lowercase"),
        ({"operator_ack": ""}, "Please confirm"),
        ({"afraid": ""}, "It is not stored"),
        ({"role": "admin"}, "Not a valid choice"),
        ({"started_on": "2999-01-01"}, "in the future"),
        ({"display_name": "x" * 61}, "60"),
    ],
)
def test_registration_refuses_bad_input_with_a_message(client, db, change, message):
    response = client.post("/register", data=dict(FOUNDER, **change))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.exec(select(User)).all() == []


def test_a_long_password_is_allowed(client, db):
    assert client.post("/register", data=dict(FOUNDER, password="x1y2z3 " * 100)).status_code == 302


def test_saying_you_are_afraid_leads_to_help_first(client):
    response = client.post("/register", data=dict(FOUNDER, afraid="yes"))
    assert response.location.endswith("/safety?setup=1")
    assert "#8008" in client.get(response.location).get_data(as_text=True)


def test_login_and_logout_and_a_copied_cookie_stops_working(app, people):
    persona = Persona(app, people["ren"])
    assert persona.get("/").status_code == 200
    stolen = persona.client.get_cookie("kotsukotsu").value
    persona.post("/logout")
    assert persona.get("/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("kotsukotsu", stolen)
    assert thief.get("/").location.startswith("/login")


def test_the_session_id_changes_at_login(app, people, db):
    client = app.test_client()
    client.post("/login", data={"username": "ren", "password": PASSWORD})
    first = client.get_cookie("kotsukotsu").value
    client.post("/logout")
    client.post("/login", data={"username": "ren", "password": PASSWORD})
    assert client.get_cookie("kotsukotsu").value != first
    sessions = db.exec(select(LoginSession).where(LoginSession.user_id == people["ren"].id)).all()
    assert len(sessions) == 2 and sum(s.revoked_at is None for s in sessions) == 1


def test_wrong_password_is_refused_without_saying_which_part(client, people):
    for username in ("ren", "nobody"):
        response = client.post("/login", data={"username": username, "password": "wrong password"})
        assert response.status_code == 401
        assert "The username or password is not right." in response.get_data(as_text=True)


def test_empty_login_fields_get_400(client, people):
    assert client.post("/login", data={"username": "", "password": ""}).status_code == 400


def test_login_is_throttled_per_account(app, people):
    for n in range(5):
        app.test_client().post("/login", data={"username": "ren", "password": "nope"},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
    response = app.test_client().post("/login", data={"username": "ren", "password": PASSWORD},
                                      environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # Another account from another address is unaffected.
    assert app.test_client().post("/login", data={"username": "hana", "password": PASSWORD}).status_code == 302


def test_login_is_throttled_per_address_and_a_forged_forwarded_for_changes_nothing(app, people):
    client = app.test_client()
    for n in range(10):
        client.post("/login", data={"username": f"guess{n}", "password": "nope"},
                    headers={"X-Forwarded-For": f"203.0.113.{n}"})
    response = client.post("/login", data={"username": "hana", "password": PASSWORD},
                           headers={"X-Forwarded-For": "198.51.100.7"})
    assert response.status_code == 429


def test_behind_one_proxy_the_last_forwarded_address_is_the_client(tmp_path, monkeypatch):
    monkeypatch.setenv("TRUST_PROXY_COUNT", "1")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://",
                      "SECRET_KEY": "x", "PASSWORD_HASH": "cheap", "WTF_CSRF_ENABLED": False})
    SQLModel.metadata.create_all(app.extensions["trust.engine"])
    client = app.test_client()
    for n in range(10):
        # The client forges the first entry; the proxy appends the real address.
        client.post("/login", data={"username": f"guess{n}", "password": "nope"},
                    headers={"X-Forwarded-For": f"203.0.113.{n}, 192.0.2.50"})
    blocked = client.post("/login", data={"username": "x", "password": "nope"},
                          headers={"X-Forwarded-For": "1.1.1.1, 192.0.2.50"})
    assert blocked.status_code == 429
    other = client.post("/login", data={"username": "x", "password": "nope"},
                        headers={"X-Forwarded-For": "192.0.2.51"})
    assert other.status_code == 401


def test_changing_the_password_signs_out_every_other_device(app, people, db):
    phone, laptop = Persona(app, people["ren"]), Persona(app, people["ren"])
    response = phone.post("/settings/password", data={"current": "wrong one", "new": "a brand new phrase"})
    assert response.status_code == 400 and "not your current password" in response.get_data(as_text=True)
    response = phone.post("/settings/password", data={"current": PASSWORD, "new": "a brand new phrase"})
    assert response.status_code == 302
    assert phone.get("/").status_code == 200
    assert laptop.get("/").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "ren", "password": PASSWORD}).status_code == 401
    assert fresh.post("/login", data={"username": "ren", "password": "a brand new phrase"}).status_code == 302


def test_session_cookie_flags(app, people):
    client = app.test_client()
    response = client.post("/login", data={"username": "ren", "password": PASSWORD})
    cookie = SimpleCookie(response.headers["Set-Cookie"])["kotsukotsu"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_forms_require_a_csrf_token(tmp_path, people):
    app = create_app({"TESTING": True, "IGNORE_ENV": True, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://",
                      "SECRET_KEY": "x", "PASSWORD_HASH": "cheap"})
    SQLModel.metadata.create_all(app.extensions["trust.engine"])
    response = app.test_client().post("/login", data={"username": "ren", "password": PASSWORD})
    assert response.status_code == 400
    assert "Nothing was saved" in response.get_data(as_text=True)


def test_logged_in_pages_are_not_cached(ren):
    assert ren.get("/").headers["Cache-Control"] == "no-store"


def test_the_session_list_signs_out_another_device(app, people, db):
    import re

    phone, laptop = Persona(app, people["ren"]), Persona(app, people["ren"])
    page = phone.get("/settings/sessions").get_data(as_text=True)
    handles = re.findall(r'/settings/sessions/([0-9a-f]{20})/revoke', page)
    assert len(handles) == 2 and "this device" in page
    # The cookie's session id never appears in the page.
    for record in db.exec(select(LoginSession)):
        assert record.id not in page
    other = [h for h in handles if h not in re.search(r'this device.*?/settings/sessions/([0-9a-f]{20})', page, re.S).group(1)]
    phone.post(f"/settings/sessions/{other[0]}/revoke")
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200
    assert phone.post("/settings/sessions/0000000000deadbeef00/revoke").status_code == 404


def test_signing_out_everywhere(app, people):
    phone, laptop = Persona(app, people["ren"]), Persona(app, people["ren"])
    stolen = laptop.client.get_cookie("kotsukotsu").value
    assert phone.post("/settings/sessions/revoke-all").status_code == 302
    assert phone.get("/").status_code == 302 and laptop.get("/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("kotsukotsu", stolen)
    assert thief.get("/").status_code == 302


def test_a_stranger_cannot_revoke_someone_elses_session(app, people, db):
    import re

    ren = Persona(app, people["ren"])
    handle = re.search(r'/settings/sessions/([0-9a-f]{20})/revoke', ren.get("/settings/sessions").get_data(as_text=True)).group(1)
    charlie = Persona(app, people["charlie"])
    assert charlie.post(f"/settings/sessions/{handle}/revoke").status_code == 404
    assert ren.get("/").status_code == 200
