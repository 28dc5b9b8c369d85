"""Check-ins: the three kinds, photos, grace period, corrections, consults, reactions, timeline."""
import io
import re
from datetime import timedelta

import time_machine
from PIL import Image
from sqlmodel import select

from trust.db import utcnow
from trust.models import CheckIn, Notice, Photo, Reaction


def jpeg_with_gps(size=(64, 48)):
    image = Image.new("RGB", size, (120, 160, 140))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    gps = {1: "N", 2: (35.0, 39.0, 29.0), 3: "E", 4: (139.0, 44.0, 28.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def post_checkin(persona, **fields):
    data = {"kind": "report", "body": "Bought groceries after work."}
    data.update(fields)
    return persona.post("/checkins/new", data=data, content_type="multipart/form-data")


def created_id(response):
    return int(re.search(r"/checkins/(\d+)$", response.location).group(1))


def test_it_creates_a_report_and_tells_the_partner(ren, hana, db):
    response = post_checkin(ren)
    assert response.status_code == 302
    checkin_id = created_id(response)
    page = hana.get(f"/checkins/{checkin_id}").get_data(as_text=True)
    assert "Bought groceries after work." in page
    notice = db.exec(select(Notice).where(Notice.user_id == hana.user.id)).one()
    assert notice.kind == "checkin"


def test_only_the_rebuilding_partner_writes_checkins(hana, db):
    response = post_checkin(hana)
    assert response.status_code == 403
    assert db.exec(select(CheckIn)).all() == []


def test_empty_and_overlong_text_are_refused_with_a_message(ren, db):
    response = post_checkin(ren, body="   ")
    assert response.status_code == 400
    assert "Please write something." in response.get_data(as_text=True)
    response = post_checkin(ren, body="x" * 2001)
    assert response.status_code == 400
    assert "2000" in response.get_data(as_text=True)
    response = post_checkin(ren, kind="gossip")
    assert response.status_code == 400
    assert db.exec(select(CheckIn)).all() == []


def test_a_contact_carries_an_expected_end_and_closes_with_home_now(sign_in, db):
    with time_machine.travel("2027-03-02 12:00:00+00:00", tick=False):  # 21:00 in Tokyo
        ren = sign_in("ren")
        response = post_checkin(ren, kind="contact", body="Work dinner in Shinjuku", expected_end="23:00")
        checkin = db.get(CheckIn, created_id(response))
        assert checkin.expected_end_at.isoformat() == "2027-03-02T14:00:00+00:00"
        assert "Home now" in ren.get("/").get_data(as_text=True)
    with time_machine.travel("2027-03-02 14:30:00+00:00", tick=False):
        ren = sign_in("ren")
        assert "that time has passed" in ren.get("/").get_data(as_text=True)
        assert ren.post(f"/checkins/{checkin.id}/end").status_code == 302
        db.refresh(checkin)
        assert checkin.ended_at is not None
        assert ren.post(f"/checkins/{checkin.id}/end").status_code == 409


def test_a_malformed_expected_end_is_refused(ren, db):
    response = post_checkin(ren, kind="contact", body="Out", expected_end="late")
    assert response.status_code == 400
    assert "HH:MM" in response.get_data(as_text=True)


def test_photos_are_reencoded_without_exif_and_served_only_as_jpeg(ren, hana, app, db):
    raw = jpeg_with_gps()
    assert b"SpyCam" in raw
    response = post_checkin(ren, body="At the izakaya", photos=[(io.BytesIO(raw), "photo.jpg")])
    assert response.status_code == 302
    photo = db.exec(select(Photo)).one()
    served = hana.get(f"/photos/{photo.id}")
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    stored = served.data
    assert b"SpyCam" not in stored
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()
    assert image.size == (64, 48)
    # Stored outside static/ under a random name.
    files = list((app.config["UPLOAD_FOLDER"] and __import__("pathlib").Path(app.config["UPLOAD_FOLDER"])).rglob("*.jpg"))
    assert [f.stem for f in files] == [photo.id]
    assert "static" not in str(files[0])


def test_png_with_transparency_becomes_a_jpeg(ren, db):
    image = Image.new("RGBA", (30, 30), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    response = post_checkin(ren, photos=[(io.BytesIO(out.getvalue()), "a.png")])
    assert response.status_code == 302
    assert db.exec(select(Photo)).one().size > 0


def test_a_file_that_claims_to_be_a_jpeg_but_is_not_is_refused(ren, db):
    fake = b"<html><script>alert(1)</script></html>"
    response = post_checkin(ren, photos=[(io.BytesIO(fake), "photo.jpg", "image/jpeg")])
    assert response.status_code == 400
    assert "not a photo we can read" in response.get_data(as_text=True)
    assert db.exec(select(CheckIn)).all() == []


def test_a_truncated_jpeg_is_refused(ren, db):
    raw = jpeg_with_gps((400, 300))
    response = post_checkin(ren, photos=[(io.BytesIO(raw[: len(raw) // 3]), "photo.jpg")])
    assert response.status_code == 400
    assert db.exec(select(CheckIn)).all() == []


def test_an_oversize_photo_gets_413_and_nothing_is_saved(ren, app, db):
    app.config["MAX_UPLOAD_BYTES"] = 1000
    response = post_checkin(ren, photos=[(io.BytesIO(jpeg_with_gps((400, 300)) + b"\0" * 2000), "big.jpg")])
    assert response.status_code == 413
    assert "at most" in response.get_data(as_text=True)
    assert db.exec(select(CheckIn)).all() == []


def test_a_pixel_bomb_is_refused(ren, db):
    image = Image.new("1", (8000, 6000))  # 48 MP, tiny on disk
    out = io.BytesIO()
    image.save(out, "PNG")
    response = post_checkin(ren, photos=[(io.BytesIO(out.getvalue()), "bomb.png")])
    assert response.status_code == 413
    assert db.exec(select(CheckIn)).all() == []


def test_more_than_four_photos_are_refused(ren, db):
    files = [(io.BytesIO(jpeg_with_gps()), f"{n}.jpg") for n in range(5)]
    response = post_checkin(ren, photos=files)
    assert response.status_code == 400
    assert db.exec(select(CheckIn)).all() == []


def test_editing_works_within_grace_and_is_refused_after(sign_in, db):
    with time_machine.travel("2027-03-02 12:00:00+00:00", tick=False) as traveller:
        ren = sign_in("ren")
        checkin_id = created_id(post_checkin(ren, body="Home by 8"))
        assert ren.post(f"/checkins/{checkin_id}/edit", data={"body": "Home by 9"}).status_code == 302
        traveller.shift(timedelta(minutes=11))
        response = ren.post(f"/checkins/{checkin_id}/edit", data={"body": "Home by 10"})
        assert response.status_code == 409
        assert "cannot be changed after 10 minutes" in response.get_data(as_text=True)
        response = ren.post(f"/checkins/{checkin_id}/delete")
        assert response.status_code == 409
    checkin = db.get(CheckIn, checkin_id)
    assert checkin.body == "Home by 9" and checkin.edited_at is not None


def test_deleting_within_grace_removes_the_checkin_and_its_photos(ren, app, db):
    checkin_id = created_id(post_checkin(ren, photos=[(io.BytesIO(jpeg_with_gps()), "p.jpg")]))
    assert ren.post(f"/checkins/{checkin_id}/delete").status_code == 302
    assert db.exec(select(CheckIn)).all() == []
    assert db.exec(select(Photo)).all() == []
    assert list(__import__("pathlib").Path(app.config["UPLOAD_FOLDER"]).rglob("*.jpg")) == []


def test_a_correction_is_a_new_linked_entry_shown_with_the_original(sign_in, db):
    with time_machine.travel("2027-03-02 12:00:00+00:00", tick=False) as traveller:
        ren, hana = sign_in("ren"), sign_in("hana")
        original = created_id(post_checkin(ren, body="Lunch with Sato"))
        traveller.shift(timedelta(hours=1))
        response = ren.post(f"/checkins/new?corrects={original}", data={"body": "Lunch with Sato and Ito"},
                            content_type="multipart/form-data")
        correction = created_id(response)
        page = hana.get(f"/checkins/{original}").get_data(as_text=True)
        assert "Lunch with Sato and Ito" in page and "Corrections" in page
        assert "Correction of" in hana.get(f"/checkins/{correction}").get_data(as_text=True)
    assert db.get(CheckIn, correction).corrects_id == original
    assert db.get(CheckIn, original).body == "Lunch with Sato"


def test_a_consult_is_answered_by_the_hurt_partner_once(ren, hana, db):
    consult = created_id(post_checkin(ren, kind="consult", body="May I go to the reunion on Saturday?"))
    assert ren.post(f"/checkins/{consult}/answer", data={"answer": "yes"}).status_code == 403
    assert hana.post(f"/checkins/{consult}/answer", data={"answer": "maybe"}).status_code == 400
    assert hana.post(f"/checkins/{consult}/answer", data={"answer": "no", "note": "Not this time."}).status_code == 302
    response = hana.post(f"/checkins/{consult}/answer", data={"answer": "yes"})
    assert response.status_code == 409
    assert "already been answered" in response.get_data(as_text=True)
    checkin = db.get(CheckIn, consult)
    assert checkin.answer == "no" and checkin.answer_note == "Not this time."


def test_after_no_the_rebuilding_partner_is_offered_a_graceful_reply(ren, hana, db):
    consult = created_id(post_checkin(ren, kind="consult", body="May I go drinking with colleagues?"))
    hana.post(f"/checkins/{consult}/answer", data={"answer": "no"})
    page = ren.get(f"/checkins/{consult}").get_data(as_text=True)
    assert "Thank you for answering honestly." in page and "I accept your answer." in page
    assert "Reply kindly" in ren.get("/").get_data(as_text=True)
    response = ren.post(f"/checkins/{consult}/reply", data={"thanks": "", "acceptance": "", "future": ""})
    assert response.status_code == 400
    response = ren.post(f"/checkins/{consult}/reply", data={"thanks": "Thank you.", "acceptance": "I understand.", "future": "Another time, maybe."})
    assert response.status_code == 302
    assert "Another time, maybe." in hana.get(f"/checkins/{consult}").get_data(as_text=True)
    assert ren.post(f"/checkins/{consult}/reply", data={"thanks": "Again"}).status_code == 409


def test_a_reply_is_not_possible_after_yes(ren, hana):
    consult = created_id(post_checkin(ren, kind="consult", body="May I?"))
    hana.post(f"/checkins/{consult}/answer", data={"answer": "yes"})
    assert ren.post(f"/checkins/{consult}/reply", data={"thanks": "Thanks"}).status_code == 403


def test_reactions_toggle_and_only_the_hurt_partner_reacts(ren, hana, db):
    checkin_id = created_id(post_checkin(ren))
    assert ren.post(f"/checkins/{checkin_id}/react", data={"kind": "thanks"}).status_code == 403
    assert hana.post(f"/checkins/{checkin_id}/react", data={"kind": "bogus"}).status_code == 400
    hana.post(f"/checkins/{checkin_id}/react", data={"kind": "relieved"})
    assert [r.kind for r in db.exec(select(Reaction))] == ["relieved"]
    assert "I feel reassured" in ren.get(f"/checkins/{checkin_id}").get_data(as_text=True)
    hana.post(f"/checkins/{checkin_id}/react", data={"kind": "relieved"})
    assert db.exec(select(Reaction)).all() == []


def test_opening_a_checkin_records_nothing_the_author_could_read_as_a_receipt(ren, hana, db):
    checkin_id = created_id(post_checkin(ren))
    before = db.get(CheckIn, checkin_id).model_dump()
    notices_before = db.exec(select(Notice).where(Notice.user_id == ren.user.id)).all()
    hana.get(f"/checkins/{checkin_id}")
    hana.get("/timeline")
    db.expire_all()
    assert db.get(CheckIn, checkin_id).model_dump() == before
    assert db.exec(select(Notice).where(Notice.user_id == ren.user.id)).all() == notices_before


def test_timeline_filters_by_kind_and_pages(ren, hana, db):
    now = utcnow()
    for n in range(25):
        db.add(CheckIn(couple_id=ren.user.couple_id, author_id=ren.user.id, kind="report" if n % 5 else "contact",
                       body=f"entry {n:02d}", created_at=now - timedelta(minutes=n)))
    db.commit()
    first = hana.get("/timeline").get_data(as_text=True)
    assert "entry 00" in first and "entry 19" in first and "entry 20" not in first
    second = hana.get("/timeline?page=2").get_data(as_text=True)
    assert "entry 20" in second and "entry 24" in second
    contacts = hana.get("/timeline?kind=contact").get_data(as_text=True)
    assert "entry 05" in contacts and "entry 01" not in contacts
    assert hana.get("/timeline?page=abc").status_code == 200
    assert hana.get("/timeline?kind=<script>").status_code == 200


def test_an_answered_consult_cannot_be_edited_even_within_grace(ren, hana, db):
    consult = created_id(post_checkin(ren, kind="consult", body="May I go out on Friday?"))
    hana.post(f"/checkins/{consult}/answer", data={"answer": "yes"})
    response = ren.post(f"/checkins/{consult}/edit", data={"body": "May I go out all weekend?"})
    assert response.status_code == 409
    assert db.get(CheckIn, consult).body == "May I go out on Friday?"
    assert ren.post(f"/checkins/{consult}/delete").status_code == 409


def test_a_contact_without_an_expected_end_is_fine(ren, db):
    response = post_checkin(ren, kind="contact", body="Popping out to the shop")
    assert response.status_code == 302
    assert db.get(CheckIn, created_id(response)).expected_end_at is None
