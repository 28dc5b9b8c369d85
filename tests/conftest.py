"""Fixtures: a fresh in-memory database per test and three personas.

ren (rebuilding) and hana (hurt) are a couple; charlie belongs to another couple and must
get 404 for everything of theirs.
"""
import os

import pytest
from sqlmodel import Session, SQLModel

from support import Persona, make_couple
from trust import create_app



@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "IGNORE_ENV": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            # TRUST_TEST_DATABASE_URL runs the suite against another database (PostgreSQL).
            "DATABASE_URL": os.environ.get("TRUST_TEST_DATABASE_URL", "sqlite://"),
            "SECRET_KEY": "test-secret",
            "PASSWORD_HASH": "cheap",
            "WTF_CSRF_ENABLED": False,
            "PUSH_ALLOW_HTTP": True,
        }
    )
    app.config["SETTINGS"]["TRUST_VAPID_SUBJECT"] = "mailto:ops@kotsukotsu.example"
    engine = app.extensions["trust.engine"]
    if engine.dialect.name != "sqlite":
        SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield app
    engine.dispose()


@pytest.fixture
def db(app):
    with Session(app.extensions["trust.engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def people(app, db):
    """ren and hana as a couple; charlie and dana as another."""
    couple, (ren, hana) = make_couple(app, db, rebuilding="ren", hurt="hana")
    other, (charlie, dana) = make_couple(app, db, rebuilding="charlie", hurt="dana", zone="Europe/Berlin")
    return {"couple": couple, "ren": ren, "hana": hana, "other": other, "charlie": charlie, "dana": dana}


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
