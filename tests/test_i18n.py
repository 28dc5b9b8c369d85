"""Japanese and English are both complete, and the language follows the user."""
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "ja" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_every_message_in_the_code_is_in_the_japanese_catalog(tmp_path):
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    in_code = {m.id for m in read_po(pot.open("rb")) if m.id}
    catalog = read_po(PO.open("rb"))
    def translated(message):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return message is not None and all(strings)

    missing = sorted(str(i) for i in in_code if not translated(catalog.get(i[0] if isinstance(i, tuple) else i)))
    assert missing == [], "run `make extract-messages` and translate: " + repr(missing[:10])


def test_translations_keep_their_placeholders():
    for message in read_po(PO.open("rb")):
        if not message.id:
            continue
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        for target in targets:
            assert sorted(set(PLACEHOLDER.findall(source))) == sorted(set(PLACEHOLDER.findall(target))), source


def test_the_browser_language_is_used_before_sign_in(client):
    page = client.get("/login", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(as_text=True)
    assert 'lang="ja"' in page and "ログイン" in page
    page = client.get("/login", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in" in page


def test_the_users_own_language_wins_over_the_browser(hana, db):
    hana.user.language = "ja"
    db.add(hana.user)
    db.commit()
    page = hana.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "やり直しをはじめて" in page
    hana.post("/settings/profile", data={"display_name": "Hana", "language": "en", "timezone": "Asia/Tokyo"})
    assert "Day " in hana.get("/", headers={"Accept-Language": "ja"}).get_data(as_text=True)


def test_form_errors_come_in_japanese(client):
    response = client.post("/register", data={"username": "", "password": ""}, headers={"Accept-Language": "ja"})
    assert response.status_code == 400
    assert "どれかを選んでください。" in response.get_data(as_text=True)


def test_times_are_shown_in_the_viewers_time_zone(ren, hana, db):
    ren.post("/checkins/new", data={"kind": "contact", "body": "Out", "expected_end": "23:00"}, content_type="multipart/form-data")
    assert "11:00" in hana.get("/checkins/1").get_data(as_text=True)
    hana.post("/settings/profile", data={"display_name": "Hana", "language": "en", "timezone": "Europe/London"})
    page = hana.get("/checkins/1").get_data(as_text=True)
    assert re.search(r"Expected until [^<]*(2|3):00", page), "23:00 in Tokyo is 14:00 or 15:00 in London"
    assert hana.post("/settings/profile", data={"display_name": "Hana", "language": "en", "timezone": "Tokyo"}).status_code == 400
