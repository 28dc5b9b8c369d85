"""Conditions: proposal, acceptance, talk, revision and retirement by agreement, slips, concerns."""
import re
from datetime import date

import time_machine
from sqlmodel import select

from trust.conditions import add_months
from trust.models import CheckIn, Condition, ConditionEvent


def propose(hana, **fields):
    data = {"text": "Send a report every evening.", "due_time": "22:00",
            "review_on": add_months(date.today(), 3).isoformat()}
    data.update(fields)
    return hana.post("/conditions/new", data=data)


def condition_id(response):
    return int(re.search(r"/conditions/(\d+)$", response.location).group(1))


def test_a_condition_is_active_only_once_accepted(ren, hana, db):
    cid = condition_id(propose(hana))
    assert db.get(Condition, cid).status == "proposed"
    assert "Conditions proposed to you" in ren.get("/").get_data(as_text=True)
    assert hana.post(f"/conditions/{cid}/accept").status_code == 403
    assert ren.post(f"/conditions/{cid}/accept").status_code == 302
    condition = db.get(Condition, cid)
    assert condition.status == "active" and condition.accepted_at is not None
    assert ren.post(f"/conditions/{cid}/accept").status_code == 409
    kinds = [e.kind for e in db.exec(select(ConditionEvent).order_by(ConditionEvent.id))]
    assert kinds == ["proposed", "accepted"]


def test_the_default_review_date_is_three_months_ahead(hana):
    page = hana.get("/conditions/new").get_data(as_text=True)
    assert add_months(date.today(), 3).isoformat() in page


def test_only_the_hurt_partner_proposes(ren, db):
    assert propose(ren).status_code == 403
    assert db.exec(select(Condition)).all() == []


def test_bad_proposals_are_refused_with_messages(hana, db):
    response = propose(hana, text="")
    assert response.status_code == 400 and "Please write the condition." in response.get_data(as_text=True)
    response = propose(hana, due_time="25:99")
    assert response.status_code == 400 and "HH:MM" in response.get_data(as_text=True)
    response = propose(hana, review_on="2001-01-01")
    assert response.status_code == 400 and "in the future" in response.get_data(as_text=True)
    response = propose(hana, review_on="not a date")
    assert response.status_code == 400
    assert db.exec(select(Condition)).all() == []


def test_asking_to_talk_keeps_it_proposed_and_the_proposal_can_be_changed(ren, hana, db):
    cid = condition_id(propose(hana))
    ren.post(f"/conditions/{cid}/talk", data={"note": "Can we make it 23:00 on work nights?"})
    assert db.get(Condition, cid).talk_requested
    assert "would like to talk about it first" in hana.get(f"/conditions/{cid}").get_data(as_text=True)
    review = add_months(date.today(), 2).isoformat()
    response = hana.post(f"/conditions/{cid}/proposal", data={"text": "Report by 23:00.", "due_time": "23:00", "review_on": review})
    assert response.status_code == 302
    condition = db.get(Condition, cid)
    assert (condition.text, condition.due_time, condition.talk_requested) == ("Report by 23:00.", "23:00", False)


def test_a_revision_takes_effect_only_when_the_other_agrees(ren, hana, db):
    cid = condition_id(propose(hana))
    ren.post(f"/conditions/{cid}/accept")
    review = add_months(date.today(), 6).isoformat()
    response = ren.post(f"/conditions/{cid}/changes", data={"kind": "revision", "text": "Report by 23:00.", "due_time": "23:00", "review_on": review})
    assert response.status_code == 302
    assert db.get(Condition, cid).due_time == "22:00"
    assert ren.post(f"/conditions/{cid}/changes", data={"kind": "retirement"}).status_code == 409
    event = db.exec(select(ConditionEvent).where(ConditionEvent.state == "pending")).one()
    assert ren.post(f"/conditions/{cid}/changes/{event.id}", data={"decision": "accepted"}).status_code == 403
    assert hana.post(f"/conditions/{cid}/changes/{event.id}", data={"decision": "accepted"}).status_code == 302
    condition = db.get(Condition, cid)
    assert (condition.text, condition.due_time, condition.review_on.isoformat()) == ("Report by 23:00.", "23:00", review)
    history = hana.get(f"/conditions/{cid}").get_data(as_text=True)
    assert "Send a report every evening." in history and "Report by 23:00." in history


def test_retirement_by_agreement_and_a_declined_change_changes_nothing(ren, hana, db):
    cid = condition_id(propose(hana))
    ren.post(f"/conditions/{cid}/accept")
    ren.post(f"/conditions/{cid}/changes", data={"kind": "retirement", "note": "It has become routine."})
    event = db.exec(select(ConditionEvent).where(ConditionEvent.state == "pending")).one()
    hana.post(f"/conditions/{cid}/changes/{event.id}", data={"decision": "declined"})
    assert db.get(Condition, cid).status == "active"
    hana.post(f"/conditions/{cid}/changes", data={"kind": "retirement"})
    event = db.exec(select(ConditionEvent).where(ConditionEvent.state == "pending")).one()
    ren.post(f"/conditions/{cid}/changes/{event.id}", data={"decision": "accepted"})
    assert db.get(Condition, cid).status == "retired"
    assert hana.post(f"/conditions/{cid}/changes/{event.id}", data={"decision": "withdrawn"}).status_code == 409


def test_a_revision_needs_text_and_a_review_date(ren, hana, db):
    cid = condition_id(propose(hana))
    ren.post(f"/conditions/{cid}/accept")
    response = ren.post(f"/conditions/{cid}/changes", data={"kind": "revision", "text": ""})
    assert response.status_code == 400
    assert db.exec(select(ConditionEvent).where(ConditionEvent.state == "pending")).all() == []


def test_the_proposer_can_withdraw_a_waiting_proposal(hana, db):
    cid = condition_id(propose(hana))
    hana.post(f"/conditions/{cid}/withdraw")
    assert db.get(Condition, cid).status == "withdrawn"
    assert hana.post(f"/conditions/{cid}/withdraw").status_code == 409


def test_slips_and_concerns_are_kept_in_the_history(ren, hana, db):
    cid = condition_id(propose(hana))
    ren.post(f"/conditions/{cid}/accept")
    assert ren.post(f"/conditions/{cid}/slip", data={"note": "I forgot yesterday evening."}).status_code == 302
    assert hana.post(f"/conditions/{cid}/concern", data={"note": "The reports got very short."}).status_code == 302
    assert hana.post(f"/conditions/{cid}/slip", data={"note": "x"}).status_code == 403
    assert ren.post(f"/conditions/{cid}/slip", data={"note": ""}).status_code == 400
    page = hana.get(f"/conditions/{cid}").get_data(as_text=True)
    assert "Honest note: a slip" in page and "I forgot yesterday evening." in page


def test_kept_and_missed_days_come_from_linked_checkins_in_the_couples_zone(sign_in, db):
    # The couple lives in Tokyo; day one is 2027-03-02 (accepted at 09:00 local).
    with time_machine.travel("2027-03-02 00:00:00+00:00", tick=False) as traveller:
        hana, ren = sign_in("hana"), sign_in("ren")
        cid = condition_id(propose(hana))
        ren.post(f"/conditions/{cid}/accept")
        traveller.move_to("2027-03-02 12:30:00+00:00")  # 21:30 in Tokyo: kept
        ren.post("/checkins/new", data={"kind": "report", "body": "Home, cooked dinner.", "condition": str(cid)},
                 content_type="multipart/form-data")
        traveller.move_to("2027-03-03 13:30:00+00:00")  # 22:30 in Tokyo: too late for 3 March
        ren.post("/checkins/new", data={"kind": "report", "body": "Late report.", "condition": str(cid)},
                 content_type="multipart/form-data")
        traveller.move_to("2027-03-03 15:10:00+00:00")  # 00:10 on 4 March in Tokyo
        ren.post("/checkins/new", data={"kind": "report", "body": "Just after midnight.", "condition": str(cid)},
                 content_type="multipart/form-data")
        assert len(db.exec(select(CheckIn)).all()) == 3
        ren, hana = sign_in("ren"), sign_in("hana")
        page = hana.get(f"/conditions/{cid}").get_data(as_text=True)
        assert "Kept 2 · missed 1" in page
        assert "done today" in ren.get("/").get_data(as_text=True)


def test_linking_a_condition_that_is_not_active_is_refused(ren, hana, db):
    cid = condition_id(propose(hana))
    response = ren.post("/checkins/new", data={"kind": "report", "body": "x", "condition": str(cid)},
                        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a condition from the list." in response.get_data(as_text=True)
