"""Account security: authenticator app, recovery codes, re-authentication, reset codes, the security log."""
import re
from datetime import timedelta

import pyotp
import time_machine
from sqlmodel import select

from support import PASSWORD, Persona
from trust.db import utcnow
from trust.models import LoginSession, Notice, RecoveryCode, SecurityEvent, User


def log_kinds(db, user):
    db.expire_all()
    return [e.kind for e in db.exec(select(SecurityEvent).where(SecurityEvent.user_id == user.id)
                                    .order_by(SecurityEvent.id))]


def turn_on_totp(persona, db):
    """Go through the setup page as a user would; returns the secret and the recovery codes."""
    page = persona.get("/settings/security/totp").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    response = persona.post("/settings/security/totp", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([A-Z0-9-]+)</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10
    # Shown once: not on the next visit.
    assert "<li><code>" not in persona.get("/settings/security").get_data(as_text=True)
    return secret, codes


def session_contents(app, persona) -> str:
    cookie = persona.client.get_cookie("kotsukotsu")
    return repr(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def test_the_session_cookie_never_carries_the_secret_or_the_codes(app, people, db):
    ren = Persona(app, people["ren"])
    page = ren.get("/settings/security/totp").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    assert secret not in session_contents(app, ren)
    # The same secret is offered again until it is confirmed.
    assert secret in ren.get("/settings/security/totp").get_data(as_text=True)
    response = ren.post("/settings/security/totp", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([A-Z0-9-]+)</code></li>", response.get_data(as_text=True))
    contents = session_contents(app, ren)
    assert codes and all(code not in contents for code in codes) and secret not in contents


def test_sensitive_pages_ask_for_the_password_again_after_ten_minutes(app, people, db):
    user = people["ren"]
    start = utcnow()
    with time_machine.travel(start, tick=False):
        ren = Persona(app, user)
        assert ren.get("/settings/security/totp").status_code == 200  # just signed in
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        for url in ("/settings/security/totp", "/export", "/account/delete", "/sharing/end"):
            response = ren.get(url)
            assert response.status_code == 302 and "/reauth" in response.location, url
        # A POST is refused too, and nothing happens.
        response = ren.post("/account/delete", data={"confirm": "ren"})
        assert "/reauth" in response.location
        assert db.get(User, user.id) is not None
        assert ren.post("/reauth?next=/export", data={"password": "wrong"}).status_code == 401
        response = ren.post("/reauth?next=/export", data={"password": PASSWORD})
        assert response.status_code == 302 and response.location == "/export"
        assert ren.get("/export").status_code == 200


def test_the_authenticator_app_guards_sign_in_and_a_code_works_once(app, people, db):
    ren = Persona(app, people["ren"])
    secret, _codes = turn_on_totp(ren, db)
    # The code that confirmed the setup is spent; sign in with the next one.
    traveller = time_machine.travel(utcnow() + timedelta(seconds=31), tick=False)
    traveller.start()
    client = app.test_client()
    response = client.post("/login", data={"username": "ren", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/login/code"
    assert client.get("/").status_code == 302  # not signed in yet
    assert client.post("/login/code", data={"code": "000000"}).status_code == 401
    code = pyotp.TOTP(secret).now()
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/").status_code == 200
    # The same code a second time (a shoulder-surfer, a replay) is refused.
    other = app.test_client()
    other.post("/login", data={"username": "ren", "password": PASSWORD})
    assert other.post("/login/code", data={"code": code}).status_code == 401
    traveller.stop()
    assert "login_failed" in log_kinds(db, people["ren"])


def test_a_recovery_code_signs_in_once(app, people, db):
    ren = Persona(app, people["ren"])
    _secret, codes = turn_on_totp(ren, db)
    stored = db.exec(select(RecoveryCode.code_hash)).all()
    assert all(code not in " ".join(stored) for code in codes)  # only hashes are kept
    for attempt, expected in ((codes[0].lower(), 302), (codes[0], 401)):
        client = app.test_client()
        client.post("/login", data={"username": "ren", "password": PASSWORD})
        assert client.post("/login/code", data={"code": attempt}).status_code == expected
    assert "recovery_code_used" in log_kinds(db, people["ren"])


def test_a_second_step_left_waiting_expires(app, people, db):
    ren = Persona(app, people["ren"])
    secret, _ = turn_on_totp(ren, db)
    start = utcnow()
    client = app.test_client()
    with time_machine.travel(start, tick=False):
        client.post("/login", data={"username": "ren", "password": PASSWORD})
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302 and response.location == "/login"


def test_a_wrong_setup_code_keeps_the_app_off(ren, db):
    ren.get("/settings/security/totp")
    response = ren.post("/settings/security/totp", data={"code": "123456"})
    assert response.status_code == 400
    assert "did not match" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, ren.user.id).totp_secret is None


def test_turning_the_app_off_removes_codes(ren, db):
    turn_on_totp(ren, db)
    assert ren.post("/settings/security/totp/off").status_code == 302
    db.expire_all()
    assert db.get(User, ren.user.id).totp_secret is None
    assert db.exec(select(RecoveryCode)).all() == []
    assert log_kinds(db, ren.user)[-1] == "totp_disabled"


def test_a_new_device_gets_a_notice_and_a_known_one_does_not(app, people, db):
    first = app.test_client()
    first.post("/login", data={"username": "hana", "password": PASSWORD}, headers={"User-Agent": "Phone A"})
    again = app.test_client()
    again.post("/login", data={"username": "hana", "password": PASSWORD}, headers={"User-Agent": "Phone A"})
    assert db.exec(select(Notice).where(Notice.kind == "new_login")).all() == []
    other = app.test_client()
    other.post("/login", data={"username": "hana", "password": PASSWORD}, headers={"User-Agent": "Laptop B"})
    notices = db.exec(select(Notice).where(Notice.kind == "new_login")).all()
    assert [n.user_id for n in notices] == [people["hana"].id]


def test_the_security_log_is_its_owners_alone(app, people, db):
    ren = Persona(app, people["ren"])
    app.test_client().post("/login", data={"username": "ren", "password": "nope nope nope"})
    ren.post("/settings/sessions/revoke-all")
    kinds = log_kinds(db, people["ren"])
    assert kinds[:3] == ["login", "login_failed", "logout_everywhere"]
    hana = Persona(app, people["hana"])
    page = hana.get("/settings/security").get_data(as_text=True)
    assert 'data-kind="logout_everywhere"' not in page and 'data-kind="login"' in page
    ren = Persona(app, people["ren"])
    page = ren.get("/settings/security").get_data(as_text=True)
    assert 'data-kind="logout_everywhere"' in page


def test_changing_the_password_is_logged(ren, db):
    response = ren.post("/settings/password", data={"current": PASSWORD, "new": "another calm evening walk"})
    assert response.status_code == 302
    assert "password_changed" in log_kinds(db, ren.user)


def test_reset_password_command_issues_a_one_time_code_and_ends_sessions(app, people, db):
    hana = Persona(app, people["hana"])
    result = app.test_cli_runner().invoke(args=["reset-password", "HANA"])
    assert result.exit_code == 0, result.output
    code = re.search(r"Reset code for hana: ([A-Z0-9-]+)", result.output).group(1)
    assert PASSWORD not in result.output
    # Every device is signed out at once.
    assert hana.get("/").status_code == 302
    db.expire_all()
    assert all(s.revoked_at for s in db.exec(select(LoginSession).where(LoginSession.user_id == people["hana"].id)))
    client = app.test_client()
    bad = client.post("/reset", data={"username": "hana", "code": "AAAA-BBBB-CCCC", "password": "a brand new phrase"})
    assert bad.status_code == 401
    weak = client.post("/reset", data={"username": "hana", "code": code, "password": "password"})
    assert weak.status_code == 400
    good = client.post("/reset", data={"username": "hana", "code": code.lower(), "password": "a brand new phrase"})
    assert good.status_code == 302
    again = client.post("/reset", data={"username": "hana", "code": code, "password": "yet another phrase"})
    assert again.status_code == 401  # once only
    assert client.post("/login", data={"username": "hana", "password": "a brand new phrase"}).status_code == 302
    kinds = log_kinds(db, people["hana"])
    assert "password_reset_issued" in kinds and "password_reset_used" in kinds


def test_reset_codes_expire(app, people):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        result = app.test_cli_runner().invoke(args=["reset-password", "hana"])
        code = result.output.split(": ")[1].split()[0]
    with time_machine.travel(start + timedelta(hours=25), tick=False):
        response = app.test_client().post("/reset", data={"username": "hana", "code": code, "password": "a brand new phrase"})
        assert response.status_code == 401


def test_reset_password_for_an_unknown_user_fails_cleanly(app, people):
    result = app.test_cli_runner().invoke(args=["reset-password", "nobody"])
    assert result.exit_code != 0 and "no user named" in result.output


def test_reset_attempts_are_throttled(app, people):
    client = app.test_client()
    for _ in range(app.config["LOGIN_ATTEMPTS"]):
        client.post("/reset", data={"username": "hana", "code": "AAAA-BBBB-CCCC", "password": "a brand new phrase"})
    response = client.post("/reset", data={"username": "hana", "code": "AAAA-BBBB-CCCC", "password": "x"})
    assert response.status_code == 429


def test_secrets_of_the_second_step_and_resets_never_reach_the_logs(app, people, db, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    ren = Persona(app, people["ren"])
    secret, codes = turn_on_totp(ren, db)
    result = app.test_cli_runner().invoke(args=["reset-password", "ren"])
    reset_code = result.output.split(": ")[1].split()[0]
    app.test_client().post("/reset", data={"username": "ren", "code": reset_code, "password": "a brand new phrase"})
    client = app.test_client()
    client.post("/login", data={"username": "ren", "password": "a brand new phrase"})
    client.post("/login/code", data={"code": codes[1]})
    assert client.get("/").status_code == 200
    assert caplog.records  # the app did log
    for value in (secret, reset_code, codes[0], codes[1], "a brand new phrase"):
        assert value not in caplog.text


def test_re_authentication_asks_for_the_app_code_too(app, people, db):
    ren = Persona(app, people["ren"])
    secret, _codes = turn_on_totp(ren, db)
    later = utcnow() + timedelta(minutes=20)
    with time_machine.travel(later, tick=False):
        assert "/reauth" in ren.get("/export").location
        assert ren.post("/reauth?next=/export", data={"password": PASSWORD}).status_code == 401
        response = ren.post("/reauth?next=/export", data={"password": PASSWORD, "code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302 and response.location == "/export"
        assert ren.get("/export").status_code == 200


def test_reset_can_turn_off_a_lost_authenticator(app, people, db):
    ren = Persona(app, people["ren"])
    turn_on_totp(ren, db)
    result = app.test_cli_runner().invoke(args=["reset-password", "ren"])
    assert "turned off" not in result.output
    db.expire_all()
    assert db.get(User, people["ren"].id).totp_secret is not None
    result = app.test_cli_runner().invoke(args=["reset-password", "ren", "--turn-off-authenticator"])
    code = re.search(r"Reset code for ren: ([A-Z0-9-]+)", result.output).group(1)
    db.expire_all()
    assert db.get(User, people["ren"].id).totp_secret is None
    client = app.test_client()
    client.post("/reset", data={"username": "ren", "code": code, "password": "a brand new phrase"})
    assert client.post("/login", data={"username": "ren", "password": "a brand new phrase"}).location == "/"
    assert "totp_disabled" in log_kinds(db, people["ren"])
