"""Shared test helpers: personas, couples and the password they use."""
from datetime import date, datetime, timezone

from trust.accounts import create_user
from trust.models import Couple

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
