"""Fixtures: a fresh in-memory database per test and three personas.

ren (rebuilding) and hana (hurt) are a couple; charlie belongs to another couple and must
get 404 for everything of theirs.
"""
from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, SQLModel

from trust import create_app
from trust.accounts import create_user
from trust.models import Couple

PASSWORD = "quiet river lantern"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "IGNORE_ENV": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": "sqlite://",
            "SECRET_KEY": "test-secret",
            "PASSWORD_HASH": "cheap",
            "WTF_CSRF_ENABLED": False,
        }
    )
    SQLModel.metadata.create_all(app.extensions["trust.engine"])
    return app


@pytest.fixture
def db(app):
    with Session(app.extensions["trust.engine"], expire_on_commit=False) as session:
        yield session


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


@pytest.fixture
def people(app, db):
    """ren and hana as a couple; charlie and dana as another."""
    couple, (ren, hana) = make_couple(app, db, rebuilding="ren", hurt="hana")
    other, (charlie, dana) = make_couple(app, db, rebuilding="charlie", hurt="dana", zone="Europe/Berlin")
    return {"couple": couple, "ren": ren, "hana": hana, "other": other, "charlie": charlie, "dana": dana}


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


@pytest.fixture
def ren(app, people):
    return Persona(app, people["ren"])


@pytest.fixture
def hana(app, people):
    return Persona(app, people["hana"])


@pytest.fixture
def charlie(app, people):
    return Persona(app, people["charlie"])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sign_in(app, people):
    """Sign a persona in now; for tests that travel in time and must log in inside the trip."""
    return lambda name: Persona(app, people[name])
