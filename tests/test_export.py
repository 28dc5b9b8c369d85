"""Export my data, and import it into a fresh instance without losing anything."""
import csv
import hashlib
import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlmodel import Session, SQLModel, select

from trust import create_app
from trust.models import CheckIn, Condition, User

REVIEW = (date.today() + timedelta(days=90)).isoformat()


def jpeg(colour=(90, 140, 200)):
    out = io.BytesIO()
    Image.new("RGB", (24, 16), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def history(ren, hana, db):
    """A little of everything, written through the pages."""
    hana.post("/conditions/new", data={"text": "Home by 22:00", "due_time": "22:00", "review_on": REVIEW})
    condition = db.exec(select(Condition)).one()
    ren.post(f"/conditions/{condition.id}/accept")
    ren.post(f"/conditions/{condition.id}/slip", data={"note": "Late on Friday, told you at 21:50"})
    ren.post("/checkins/new", data={"kind": "report", "body": "At the office until 19:00 — 残業",
                                    "condition": str(condition.id),
                                    "photos": [(io.BytesIO(jpeg()), "a.jpg"), (io.BytesIO(jpeg((10, 10, 10))), "b.jpg")]},
             content_type="multipart/form-data")
    ren.post("/checkins/new", data={"kind": "consult", "body": "Dinner with Sato?"})
    consult = db.exec(select(CheckIn).where(CheckIn.kind == "consult")).one()
    hana.post(f"/checkins/{consult.id}/answer", data={"answer": "no", "note": "Not this week"})
    first = db.exec(select(CheckIn).where(CheckIn.kind == "report")).one()
    hana.post(f"/checkins/{first.id}/react", data={"kind": "thanks"})
    ren.post("/journal", data={"body": "REN-PRIVATE-REFLECTION"})
    ren.post("/journal", data={"body": "What I am changing", "shared": "y"})
    ren.post("/together", data={"kind": "together", "happened_on": "2026-03-01", "minutes": "45", "note": "walk"})
    hana.post("/comfort", data={"level": "2", "note": "HANA-PRIVATE-NOTE", "tags": ["late_reply"]})
    hana.post("/comfort", data={"level": "4", "note": "HANA-SHARED-NOTE", "note_shared": "y"})
    hana.post("/journal", data={"body": "HANA-JOURNAL"})
    hana.post("/space", data={"hours": "24"})
    return condition


def download(persona):
    response = persona.post("/export")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_an_export_holds_everything_of_mine_and_nothing_private_of_my_partners(history, ren):
    archive = download(ren)
    names = set(archive.namelist())
    assert {"export.json", "README.txt", "csv/checkins.csv", "csv/comfort.csv", "csv/journal.csv",
            "csv/condition_events.csv", "photos/1-1.jpg", "photos/1-2.jpg"} <= names
    doc = json.loads(archive.read("export.json"))
    assert doc["format"] == "kotsukotsu-export" and doc["version"] == 1
    assert [c["body"] for c in doc["checkins"]] == ["At the office until 19:00 — 残業", "Dinner with Sato?"]
    assert doc["checkins"][0]["condition"] == 1 and doc["conditions"][0]["proposed_by"] == "partner"
    assert doc["checkins"][0]["reactions"] == [{"by": "partner", "kind": "thanks",
                                                "created_at": doc["checkins"][0]["reactions"][0]["created_at"]}]
    assert doc["checkins"][1]["answer"] == "no"
    assert [e["kind"] for e in doc["conditions"][0]["events"]][-1] == "slip"
    assert {j["body"] for j in doc["journal"]} == {"REN-PRIVATE-REFLECTION", "What I am changing"}
    everything = json.dumps(doc, ensure_ascii=False) + "".join(
        archive.read(n).decode("utf-8") for n in names if n.endswith(".csv"))
    for private in ("HANA-PRIVATE-NOTE", "HANA-JOURNAL", "HANA-SHARED-NOTE"):
        assert private not in everything
    assert "password_hash" not in everything and "totp_secret" not in everything and "alternative_id" not in everything
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/checkins.csv").decode("utf-8-sig"))))
    assert rows[0]["body"] == "At the office until 19:00 — 残業" and rows[0]["photos"] == "photos/1-1.jpg photos/1-2.jpg"
    Image.open(io.BytesIO(archive.read("photos/1-1.jpg"))).verify()
    assert "export" in [e["kind"] for e in doc["security_log"]]


def test_the_healing_partners_export_holds_their_private_things_but_not_the_others(history, hana):
    doc = json.loads(download(hana).read("export.json"))
    notes = {c["note"] for c in doc["comfort"]}
    assert notes == {"HANA-PRIVATE-NOTE", "HANA-SHARED-NOTE"}
    assert doc["comfort"][0]["tags"] == "late_reply"
    assert [j["body"] for j in doc["journal"]] == ["HANA-JOURNAL"]
    assert doc["checkins"] == [] and len(doc["space"]) == 1
    # The partner's check-ins appear only where she took part: her answer and her reaction.
    taken = doc["partner_checkins"]
    assert [(c["body"], c["answer"], c["answer_note"]) for c in taken if c["answer"]] == [
        ("Dinner with Sato?", "no", "Not this week")]
    assert [(c["body"], [r["kind"] for r in c["my_reactions"]]) for c in taken if c["my_reactions"]] == [
        ("At the office until 19:00 — 残業", ["thanks"])]
    text = json.dumps(doc, ensure_ascii=False)
    assert "REN-PRIVATE-REFLECTION" not in text and "What I am changing" not in text


def step_aside(app, db):
    """On a shared test database (PostgreSQL) the next instance drops every table: let go first."""
    db.close()
    if app.extensions["trust.engine"].dialect.name != "sqlite":
        app.extensions["trust.engine"].dispose()


def fresh_app(tmp_path, name):
    import os

    url = os.environ.get("TRUST_TEST_DATABASE_URL", "sqlite://")
    app = create_app({"TESTING": True, "IGNORE_ENV": True, "INSTANCE_PATH": str(tmp_path / name), "DATABASE_URL": url,
                      "SECRET_KEY": "t", "PASSWORD_HASH": "cheap", "WTF_CSRF_ENABLED": False})
    engine = app.extensions["trust.engine"]
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    return app


def comparable(doc):
    doc = json.loads(json.dumps(doc))
    doc.pop("exported_at")
    doc["couple"].pop("ended_at")  # the partner is not on the new server: the pairing is marked ended
    doc.pop("security_log")
    return doc


@pytest.mark.parametrize("who", ["ren", "hana"])
def test_import_into_a_fresh_instance_round_trips_without_loss(history, ren, hana, tmp_path, app, db, who):
    persona = {"ren": ren, "hana": hana}[who]
    archive = download(persona)
    original = json.loads(archive.read("export.json"))
    photos = {n: hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist() if n.startswith("photos/")}
    path = tmp_path / "export.zip"
    path.write_bytes(persona.post("/export").get_data())
    step_aside(app, db)

    target = fresh_app(tmp_path, "second")
    result = target.test_cli_runner().invoke(args=["import-data", str(path)])
    assert result.exit_code == 0, result.output
    code = result.output.split("Reset code: ")[1].split()[0]
    client = target.test_client()
    assert client.post("/reset", data={"username": who, "code": code, "password": "new home new start"}).status_code == 302
    assert client.post("/login", data={"username": who, "password": "new home new start"}).status_code == 302
    again = client.post("/export")
    assert again.status_code == 200
    second = zipfile.ZipFile(io.BytesIO(again.get_data()))
    imported = json.loads(second.read("export.json"))
    assert comparable(imported) == comparable(original)
    assert {n: hashlib.sha256(second.read(n)).hexdigest() for n in second.namelist() if n.startswith("photos/")} == photos
    kinds = [e["kind"] for e in imported["security_log"]]
    assert kinds[:len(original["security_log"])] == [e["kind"] for e in original["security_log"]]
    assert "imported" in kinds
    # The former partner is kept only as a name on shared history and cannot sign in.
    with Session(target.extensions["trust.engine"]) as db:
        placeholder = db.exec(select(User).where(User.username != who)).one()
        assert placeholder.display_name == ("Hana" if who == "ren" else "Ren") and placeholder.password_hash == "!"
    assert client.get("/").location == "/sharing"


def edited(archive_bytes, change):
    source = zipfile.ZipFile(io.BytesIO(archive_bytes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            data = change(name, data)
            if data is not None:
                target.writestr(name, data)
    return out.getvalue()


def gps_jpeg():
    image = Image.new("RGB", (8, 8))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (35.0, 39.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize("change, message", [
    (lambda name, data: b"not json" if name == "export.json" else data, "damaged"),
    (lambda name, data: data.replace(b'"version": 1', b'"version": 99') if name == "export.json" else data, "version 1"),
    (lambda name, data: None if name == "photos/1-1.jpg" else data, "missing"),
    (lambda name, data: data.replace(b'"comfort": [', b'"comfort": 7, "x": [') if name == "export.json" else data,
     "does not follow"),
    (lambda name, data: data.replace(b'"created_at": "', b'"created_at": "not a time ', 3) if name == "export.json"
     else data, "does not follow"),
    (lambda name, data: b"<svg onload=alert(1)>" if name == "photos/1-1.jpg" else data, "not a readable photo"),
    (lambda name, data: gps_jpeg() if name == "photos/1-1.jpg" else data, "not a clean JPEG"),
])
def test_a_bad_export_is_refused_and_nothing_is_imported(history, ren, app, db, tmp_path, change, message):
    path = tmp_path / "bad.zip"
    path.write_bytes(edited(ren.post("/export").get_data(), change))
    step_aside(app, db)
    target = fresh_app(tmp_path, "third")
    result = target.test_cli_runner().invoke(args=["import-data", str(path)])
    assert result.exit_code != 0 and message in result.output, result.output
    with Session(target.extensions["trust.engine"]) as db:
        assert db.exec(select(User)).all() == []
        assert db.exec(select(CheckIn)).all() == []
    assert not list((tmp_path / "third").rglob("*.jpg"))


def test_importing_a_taken_username_is_refused(history, ren, app, tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(ren.post("/export").get_data())
    result = app.test_cli_runner().invoke(args=["import-data", str(path)])
    assert result.exit_code != 0 and "already taken" in result.output


def test_not_a_zip_is_refused(app, tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"hello")
    result = app.test_cli_runner().invoke(args=["import-data", str(path)])
    assert result.exit_code != 0 and "not a zip" in result.output


def test_a_strangers_export_holds_nothing_of_another_couple(history, charlie):
    archive = download(charlie)
    text = "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    for marker in ("残業", "Sato", "HANA-", "REN-", "Home by 22:00", "walk"):
        assert marker not in text, marker
    assert not [n for n in archive.namelist() if n.startswith("photos/")]
