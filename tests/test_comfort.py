"""Comfort, reassurance, space and time together."""
import pytest
from sqlmodel import select

from trust.models import ComfortEntry, Notice, ReassuranceRequest, SpacePeriod, TogetherEntry


def test_the_hurt_partner_records_comfort_with_tags(hana, db):
    response = hana.post("/comfort", data={"level": "4", "tags": ["late_reply", "anniversary"], "note": "Hard evening."})
    assert response.status_code == 302
    entry = db.exec(select(ComfortEntry)).one()
    assert (entry.level, entry.tags, entry.note_shared, entry.private) == (4, "late_reply,anniversary", False, False)


@pytest.mark.parametrize("level", ["11", "-1", "", "five", "3.5"])
def test_a_level_outside_0_to_10_is_refused(hana, db, level):
    response = hana.post("/comfort", data={"level": level})
    assert response.status_code == 400
    assert "0 to 10" in response.get_data(as_text=True)
    assert db.exec(select(ComfortEntry)).all() == []


def test_an_overlong_note_is_refused(hana, db):
    assert hana.post("/comfort", data={"level": "5", "note": "x" * 2001}).status_code == 400
    assert db.exec(select(ComfortEntry)).all() == []


def test_the_rebuilding_partner_cannot_record_comfort(ren, db):
    assert ren.post("/comfort", data={"level": "9"}).status_code == 403
    assert db.exec(select(ComfortEntry)).all() == []


def test_private_entries_and_unshared_notes_stay_with_their_author(ren, hana, db):
    hana.post("/comfort", data={"level": "2", "note": "PRIVATE-ENTRY-NOTE", "private": "y"})
    hana.post("/comfort", data={"level": "6", "note": "UNSHARED-NOTE"})
    hana.post("/comfort", data={"level": "7", "note": "SHARED-NOTE", "note_shared": "y"})
    mine = hana.get("/comfort").get_data(as_text=True)
    assert all(m in mine for m in ("PRIVATE-ENTRY-NOTE", "UNSHARED-NOTE", "SHARED-NOTE"))
    theirs = ren.get("/comfort").get_data(as_text=True)
    assert "SHARED-NOTE" in theirs
    assert "UNSHARED-NOTE" not in theirs and "PRIVATE-ENTRY-NOTE" not in theirs
    assert 'aria-label="Level 2 of 10"' not in theirs and 'aria-label="Level 6 of 10"' in theirs
    assert "PRIVATE-ENTRY-NOTE" not in ren.get("/").get_data(as_text=True)


def test_a_private_entry_never_shares_its_note_even_if_asked(hana, db):
    hana.post("/comfort", data={"level": "3", "note": "n", "private": "y", "note_shared": "y"})
    entry = db.exec(select(ComfortEntry)).one()
    assert entry.private and not entry.note_shared


def test_reassurance_reaches_the_rebuilding_partner_and_is_answered(ren, hana, db):
    assert hana.post("/reassurance").status_code == 302
    assert hana.post("/reassurance").status_code == 302  # a second tap does not pile up
    assert len(db.exec(select(ReassuranceRequest)).all()) == 1
    notice = db.exec(select(Notice).where(Notice.user_id == ren.user.id)).one()
    assert notice.kind == "reassurance"
    page = ren.get("/").get_data(as_text=True)
    assert "Your partner needs reassurance" in page
    request_id = db.exec(select(ReassuranceRequest)).one().id
    assert ren.post(f"/reassurance/{request_id}/answer").status_code == 302
    assert "needs reassurance" not in ren.get("/").get_data(as_text=True)
    assert db.exec(select(Notice).where(Notice.user_id == hana.user.id)).one().kind == "reassurance_answered"


def test_only_the_hurt_partner_asks_for_reassurance(ren, db):
    assert ren.post("/reassurance").status_code == 403


def test_space_is_shown_to_both_and_can_end_early(ren, hana, db):
    assert hana.post("/space", data={"hours": "24"}).status_code == 302
    assert "Space until" in ren.get("/").get_data(as_text=True)
    assert "Space until" in hana.get("/").get_data(as_text=True)
    assert hana.post("/space", data={"hours": "5"}).status_code == 400
    assert ren.post("/space", data={"hours": "1"}).status_code == 403
    hana.post("/space/end")
    assert "Space until" not in ren.get("/").get_data(as_text=True)
    assert db.exec(select(SpacePeriod)).one().ended_early_at is not None


def test_time_together_is_logged_by_either_partner(ren, hana, db):
    assert ren.post("/together", data={"kind": "video_call", "happened_on": "2026-03-01", "minutes": "45"}).status_code == 302
    assert hana.post("/together", data={"kind": "together", "happened_on": "2026-03-02", "minutes": "120", "note": "Walk by the river"}).status_code == 302
    assert "Walk by the river" in ren.get("/together").get_data(as_text=True)
    assert len(db.exec(select(TogetherEntry)).all()) == 2


@pytest.mark.parametrize("change", [{"minutes": "0"}, {"minutes": "2000"}, {"minutes": "lots"}, {"kind": "party"},
                                    {"happened_on": "2999-01-01"}, {"happened_on": "yesterday"}, {"note": "x" * 501}])
def test_time_together_refuses_bad_input(ren, db, change):
    data = dict({"kind": "together", "happened_on": "2026-03-01", "minutes": "30"}, **change)
    assert ren.post("/together", data=data).status_code == 400
    assert db.exec(select(TogetherEntry)).all() == []


def test_notices_are_listed_and_marked_read(ren, hana, db):
    hana.post("/reassurance")
    page = ren.get("/notices").get_data(as_text=True)
    assert "Your partner needs reassurance now." in page
    assert 'class="badge"' in ren.get("/").get_data(as_text=True)
    ren.post("/notices/read")
    assert 'class="badge"' not in ren.get("/").get_data(as_text=True)


def test_reflections_are_private_until_shared_and_can_be_taken_back(ren, hana, db):
    from trust.models import JournalEntry

    ren.post("/journal", data={"body": "What led to it: I stopped talking."})
    entry = db.exec(select(JournalEntry)).one()
    assert "I stopped talking" not in hana.get("/journal").get_data(as_text=True)
    ren.post(f"/journal/{entry.id}/share")
    assert "I stopped talking" in hana.get("/journal").get_data(as_text=True)
    assert db.exec(select(Notice).where(Notice.user_id == hana.user.id)).one().kind == "reflection"
    ren.post(f"/journal/{entry.id}/share")
    assert "I stopped talking" not in hana.get("/journal").get_data(as_text=True)
    assert ren.post("/journal", data={"body": ""}).status_code == 400
    assert ren.post("/journal", data={"body": "x" * 5001}).status_code == 400
    ren.post(f"/journal/{entry.id}/delete")
    assert db.exec(select(JournalEntry)).all() == []


def test_what_my_partner_can_see_follows_the_same_rules(ren, hana, db):
    hana.post("/comfort", data={"level": "3", "note": "n1", "note_shared": "y"})
    hana.post("/comfort", data={"level": "4", "note": "n2"})
    hana.post("/comfort", data={"level": "5", "private": "y"})
    hana.post("/journal", data={"body": "mine"})
    page = hana.get("/settings/visibility").get_data(as_text=True)
    assert "Comfort: 2 of your 3 entries" in page and "with 1 notes you chose to share" in page
    assert "Your journal: 1 entries, none visible." in page
    hana.post("/comfort/sharing", data={"sharing": "weekly"})
    assert "weekly averages only" in hana.get("/settings/visibility").get_data(as_text=True)
    ren.post("/journal", data={"body": "a"})
    ren.post("/journal", data={"body": "b", "shared": "y"})
    page = ren.get("/settings/visibility").get_data(as_text=True)
    assert "Reflections you share: 1 of 2." in page and "Reflections you have not shared: 1." in page
