"""The one way to load couple-owned rows: always filtered by the current couple."""
from flask import abort
from sqlmodel import select

from .db import get_db


def scoped(model, couple_id: int, *columns):
    """A SELECT of `model` (or of some of its columns, for aggregates) limited to rows owned by `couple_id`."""
    return select(*(columns or (model,))).where(model.couple_id == couple_id)


def get_owned(model, row_id, couple_id: int):
    """The row of `model` with `row_id` owned by `couple_id`, or a 404 that reveals nothing."""
    row = get_db().exec(scoped(model, couple_id).where(model.id == row_id)).first()
    if row is None:
        abort(404)
    return row
