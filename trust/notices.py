"""In-app notices: generic messages for one partner, read from the notices page."""
from flask import Blueprint, g, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import func, select

from .accounts import paired_required
from .db import get_db, utcnow
from .models import Couple, Notice, User
from .scoping import scoped

bp = Blueprint("notices", __name__)

# Lock-screen-safe wording: never a place, a rating or a note.
NOTICE_TEXT = {
    "partner_joined": _l("Your partner has joined."),
    "checkin": _l("New check-in."),
    "consult": _l("A question is waiting for your answer."),
    "consult_answered": _l("Your question has an answer."),
    "consult_reply": _l("A reply to your answer."),
    "reaction": _l("Your partner responded to a check-in."),
    "condition_proposed": _l("A condition was proposed."),
    "condition_changed": _l("A condition changed."),
    "condition_change_proposed": _l("A change to a condition was proposed."),
    "slip": _l("An honest note about a condition."),
    "concern": _l("A concern about a condition."),
    "reassurance": _l("Your partner needs reassurance now."),
    "reassurance_answered": _l("Your partner is here."),
    "space": _l("Your partner asked for some space."),
    "space_ended": _l("The pause for space has ended."),
    "together": _l("Time together was logged."),
    "reflection": _l("Your partner shared a reflection."),
    "prompt_checkin": _l("Time for today's check-in."),
    "prompt_comfort": _l("How are you feeling today?"),
    "prompt_talk": _l("A moment to talk together this week."),
    "prompt_condition": _l("A daily condition is due soon."),
    "new_login": _l("Your account was just signed in on a new device. If that was not you, sign it out in Settings."),
    "sharing_paused": _l("Sharing is paused for now."),
    "sharing_resumed": _l("Sharing has resumed."),
    "pairing_ended": _l("The pairing has ended."),
    "partner_left": _l("Your partner closed their account. The pairing has ended."),
    "overdue": _l("The time you expected has passed. A short update would help."),
}


def notify(db, *, couple_id: int, user_id: int, kind: str, url: str, now, detail: str = ""):
    """Leave a notice for `user_id` and queue it as a push to their devices; the caller commits.

    The push text is the notice's generic wording in the recipient's language; `detail`
    (a check-in's text, say) replaces it only for someone who opted in to details.
    """
    from . import push

    db.add(Notice(couple_id=couple_id, user_id=user_id, kind=kind, url=url, created_at=now))
    user = db.get(User, user_id)
    with force_locale(user.language or "en"):
        text = str(NOTICE_TEXT[kind])
    if detail and user.push_detail:
        text = detail[:140]
    if push.enqueue(db, user, kind=kind, text=text, url=url, now=now):
        g.push_queued = True  # wakes the dispatcher once the request is done


def tell_partner(db, user, *, kind: str, url: str, now, detail: str = ""):
    """Leave a notice for `user`'s partner, if they have joined."""
    from .accounts import partner_of

    if not db.get(Couple, user.couple_id).sharing_open:
        return  # nothing is shared while paused or after the end
    partner = partner_of(user)
    if partner is not None:
        notify(db, couple_id=user.couple_id, user_id=partner.id, kind=kind, url=url, now=now, detail=detail)


def unread_count(db, user) -> int:
    return db.exec(
        select(func.count())
        .select_from(Notice)
        .where(Notice.couple_id == user.couple_id, Notice.user_id == user.id, Notice.read_at.is_(None))
    ).one()


@bp.get("/notices")
@paired_required
def index():
    db = get_db()
    rows = db.exec(
        scoped(Notice, current_user.couple_id)
        .where(Notice.user_id == current_user.id)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(100)
    ).all()
    return render_template("notices/index.html", notices=rows, text=NOTICE_TEXT)


@bp.post("/notices/read")
@paired_required
def mark_read():
    db = get_db()
    now = utcnow()
    for notice in db.exec(
        scoped(Notice, current_user.couple_id).where(Notice.user_id == current_user.id, Notice.read_at.is_(None))
    ):
        notice.read_at = now
    db.commit()
    return redirect(url_for("notices.index"))
