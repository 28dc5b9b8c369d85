"""Pairing: invite links, QR codes, the partner joining, and invites for a new couple."""
import re
from datetime import timedelta

import time_machine
from sqlmodel import select

from support import FOUNDER
from trust.models import Couple, Invite, Notice, User

PARTNER = {"username": "hana", "display_name": "Hana", "password": "another quiet song", "language": "ja",
           "timezone": "Asia/Tokyo", "afraid": "no", "operator_ack": "y"}


def invite_link(client):
    page = client.get("/pair").get_data(as_text=True)
    return re.search(r'value="http://localhost(/invite/[^"]+)"', page).group(1)


def test_the_founder_gets_an_invite_link_with_a_qr_code(client, db):
    client.post("/register", data=FOUNDER)
    page = client.get("/pair").get_data(as_text=True)
    assert "<svg" in page and "/invite/" in page
    # Only a hash of the token is stored.
    token = invite_link(client).rsplit("/", 1)[1]
    assert token not in {i.token_hash for i in db.exec(select(Invite))}


def test_the_partner_joins_with_the_other_role_and_the_founder_is_told(client, app, db):
    client.post("/register", data=FOUNDER)
    link = invite_link(client)
    partner = app.test_client()
    page = partner.get(link).get_data(as_text=True)
    assert "Which side are you on?" not in page
    response = partner.post(link, data=PARTNER)
    assert response.status_code == 302
    hana = db.exec(select(User).where(User.username == "hana")).one()
    ren = db.exec(select(User).where(User.username == "ren")).one()
    assert hana.role == "hurt" and hana.couple_id == ren.couple_id
    assert db.exec(select(Notice).where(Notice.user_id == ren.id)).one().kind == "partner_joined"
    assert client.get("/pair").status_code == 302


def test_an_invite_works_once(client, app, db):
    client.post("/register", data=FOUNDER)
    link = invite_link(client)
    app.test_client().post(link, data=PARTNER)
    late = app.test_client()
    response = late.get(link)
    assert response.status_code == 410 and "already been used" in response.get_data(as_text=True)
    assert late.post(link, data=dict(PARTNER, username="mallory")).status_code == 410
    assert len(db.exec(select(User)).all()) == 2


def test_an_invite_expires_after_72_hours(app, db):
    with time_machine.travel("2027-01-10 09:00:00+00:00", tick=False) as traveller:
        client = app.test_client()
        client.post("/register", data=FOUNDER)
        link = invite_link(client)
        traveller.shift(timedelta(hours=72, seconds=1))
        response = app.test_client().get(link)
        assert response.status_code == 410 and "expired" in response.get_data(as_text=True)


def test_an_unknown_invite_is_404(client):
    assert client.get("/invite/not-a-real-token").status_code == 404
    assert client.get("/invite/" + "x" * 5000).status_code == 404


def test_a_new_link_replaces_the_old_one(client, app):
    client.post("/register", data=FOUNDER)
    old = invite_link(client)
    client.post("/pair")
    new = invite_link(client)
    assert new != old
    assert app.test_client().get(old).status_code == 410
    assert app.test_client().get(new).status_code == 200


def test_joining_refuses_bad_input_and_keeps_the_invite(client, app, db):
    client.post("/register", data=FOUNDER)
    link = invite_link(client)
    partner = app.test_client()
    response = partner.post(link, data=dict(PARTNER, username="ren"))
    assert response.status_code == 400 and "already in use" in response.get_data(as_text=True)
    assert partner.post(link, data=dict(PARTNER, timezone="Tokyo")).status_code == 400
    assert partner.post(link, data=PARTNER).status_code == 302


def test_a_signed_in_user_cannot_use_an_invite(client):
    client.post("/register", data=FOUNDER)
    link = invite_link(client)
    assert client.get(link).status_code == 409


def test_the_cli_invite_starts_a_new_couple(app, people, db):
    result = app.test_cli_runner().invoke(args=["invite", "--base-url", "http://home.example:8000"])
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("http://home.example:8000/invite/")
    newcomer = app.test_client()
    path = link.replace("http://home.example:8000", "")
    assert "Which side are you on?" in newcomer.get(path).get_data(as_text=True)
    response = newcomer.post(path, data=dict(PARTNER, username="mio", role="hurt", started_on="2026-06-01"))
    assert response.status_code == 302
    mio = db.exec(select(User).where(User.username == "mio")).one()
    assert mio.couple_id not in (people["couple"].id, people["other"].id)
    assert db.get(Couple, mio.couple_id).started_on.isoformat() == "2026-06-01"
