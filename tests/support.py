"""Shared test helpers: personas, couples and the password they use."""
from datetime import date, datetime, timezone

import base64
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from trust.accounts import create_user
from trust.models import Couple
from trust.reminders import ensure_default_reminders

PASSWORD = "quiet river lantern"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
# What the first account of an instance fills in.
FOUNDER = {
    "username": "ren", "display_name": "Ren", "password": "quiet river lantern", "language": "en",
    "timezone": "Asia/Tokyo", "afraid": "no", "operator_ack": "y", "role": "rebuilding", "started_on": "2026-01-05",
}


def make_couple(app, db, *, rebuilding, hurt, zone="Asia/Tokyo", started_on=date(2026, 1, 5)):
    with app.test_request_context():
        couple = Couple(started_on=started_on, timezone=zone, created_at=T0)
        db.add(couple)
        db.flush()
        users = [
            create_user(db, username=name, display_name=name.title(), password=PASSWORD, role=role,
                        couple_id=couple.id, language="en", timezone=zone, now=T0)
            for name, role in ((rebuilding, "rebuilding"), (hurt, "hurt"))
        ]
        ensure_default_reminders(db, couple.id, T0)
        db.commit()
    return couple, users


class Persona:
    """A signed-in browser-less client for one user."""

    def __init__(self, app, user):
        self.user = user
        self.client = app.test_client()
        response = self.client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        return self.client.post(*args, **kwargs)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class FakeBrowser:
    """The keys a browser would create for a push subscription, to decrypt what is sent to it."""

    def __init__(self, endpoint):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = endpoint

    def subscription(self):
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)}}
