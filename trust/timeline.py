"""The timeline: every check-in, newest first, filtered by kind or condition, a page at a time."""
from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlmodel import func, select

from .accounts import paired_required
from .checkins import ANSWER_LABELS, KIND_LABELS, is_overdue, load_photos
from .db import get_db, utcnow
from .models import CHECKIN_KINDS, CheckIn, Condition
from .scoping import get_owned, scoped

bp = Blueprint("timeline", __name__)

PAGE_SIZE = 20


@bp.get("/timeline")
@paired_required
def index():
    """Every check-in, newest first, filtered by kind or condition, a page at a time."""
    db = get_db()
    kind = request.args.get("kind", "")
    kind = kind if kind in CHECKIN_KINDS else ""
    condition_id = request.args.get("condition", "")
    page = request.args.get("page", 1, type=int) or 1
    page = max(1, min(page, 100000))
    query = scoped(CheckIn, current_user.couple_id)
    if kind:
        query = query.where(CheckIn.kind == kind)
    condition = None
    if condition_id.isdigit():
        condition = get_owned(Condition, int(condition_id), current_user.couple_id)
        query = query.where(CheckIn.condition_id == condition.id)
    total = db.exec(select(func.count()).select_from(query.subquery())).one()
    rows = db.exec(
        query.order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    photo_counts = {cid: len(p) for cid, p in load_photos(db, [r.id for r in rows]).items()}
    return render_template(
        "timeline/index.html",
        checkins=rows,
        kind=kind,
        condition=condition,
        page=page,
        has_next=page * PAGE_SIZE < total,
        total=total,
        photo_counts=photo_counts,
        now=utcnow(),
        labels=dict(kind=KIND_LABELS, answer=ANSWER_LABELS),
        is_overdue=is_overdue,
    )
