"""Export my data (one zip: versioned JSON, a CSV per kind, my photos) and import it elsewhere.

An export holds what its owner wrote, plus the conditions the two agreed on (both see those).
It never holds the partner's check-ins, comfort, journal or anything else of theirs.
"""
import csv
import io
import json
import secrets
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

from flask import Blueprint, current_app, render_template, send_file
from flask_login import current_user
from PIL import Image, UnidentifiedImageError
from sqlalchemy import or_
from sqlmodel import select

from . import accounts
from .db import get_db, utcnow
from .models import (
    CheckIn,
    ComfortEntry,
    Condition,
    ConditionEvent,
    Couple,
    JournalEntry,
    Photo,
    Reaction,
    ReassuranceRequest,
    ReminderRule,
    SecurityEvent,
    SpacePeriod,
    TogetherEntry,
    User,
)
from .photos import MAX_PIXELS, photo_path, store_photos
from .scoping import scoped
from .security import issue_reset_code, log_event, recent_auth_required

bp = Blueprint("export", __name__)

FORMAT = "kotsukotsu-export"
VERSION = 1
MAX_IMPORT_BYTES = 50 * 1024 ** 3  # uncompressed; an export is mostly photos
MAX_PHOTO_BYTES = 20 * 1024 ** 2  # a stored photo is a re-encoded JPEG of at most 2048 px
ACCOUNT_FIELDS = ("username", "display_name", "role", "language", "timezone", "created_at", "quiet_start", "quiet_end", "push_detail", "comfort_sharing")
CHECKIN_FIELDS = ("kind", "body", "expected_end_at", "ended_at", "answer", "answer_note", "answered_at",
                  "reply_body", "replied_at", "created_at", "edited_at", "local_date")
# A partner's check-in appears only where I took part: the question I answered, the entry I reacted to.
TAKEN_PART_FIELDS = ("kind", "body", "answer", "answer_note", "answered_at", "reply_body", "replied_at", "created_at",
                     "local_date")
CONDITION_FIELDS = ("text", "due_time", "review_on", "status", "talk_requested", "created_at", "accepted_at",
                    "ended_at")
EVENT_FIELDS = ("kind", "note", "new_text", "new_due_time", "new_review_on", "state", "created_at", "decided_at")
COMFORT_FIELDS = ("level", "tags", "note", "note_shared", "private", "created_at", "local_date")
JOURNAL_FIELDS = ("body", "shared", "created_at", "shared_at")
TOGETHER_FIELDS = ("kind", "happened_on", "minutes", "note", "created_at")
REASSURANCE_FIELDS = ("created_at", "answered_at")
SPACE_FIELDS = ("starts_at", "ends_at", "ended_early_at")
REMINDER_FIELDS = ("kind", "times", "weekdays", "enabled", "created_at")
SECURITY_FIELDS = ("kind", "device", "created_at")
COUPLE_FIELDS = ("started_on", "timezone", "created_at", "paused_at", "ended_at")


class ExportError(ValueError):
    """An export that cannot be imported; the message says why."""


def plain(value):
    """JSON-ready: dates and datetimes (a datetime is a date) as ISO 8601 text."""
    return value.isoformat() if isinstance(value, date) else value


def pick(row, fields) -> dict:
    return {name: plain(getattr(row, name)) for name in fields}


def who(user_id: int, me: int) -> str:
    return "me" if user_id == me else "partner"


# --- building an export ----------------------------------------------------------------------


def build_export(db, user: User, now: datetime) -> tuple[dict, list[tuple[str, Path]]]:
    """The export document of `user` and the photo files that go with it."""
    uid, cid = user.id, user.couple_id
    couple = db.get(Couple, cid) if cid else None
    partner = accounts.partner_of(user)
    conditions = db.exec(scoped(Condition, cid).order_by(Condition.created_at, Condition.id)).all()
    condition_ref = {c.id: n for n, c in enumerate(conditions, 1)}
    checkins = db.exec(scoped(CheckIn, cid).where(CheckIn.author_id == uid).order_by(CheckIn.created_at, CheckIn.id)).all()
    checkin_ref = {c.id: n for n, c in enumerate(checkins, 1)}
    photos, files = {}, []
    for photo in db.exec(scoped(Photo, cid).where(Photo.checkin_id.in_(list(checkin_ref) or [0]))
                         .order_by(Photo.checkin_id, Photo.position)):
        ref = checkin_ref[photo.checkin_id]
        name = f"photos/{ref}-{len(photos.setdefault(ref, [])) + 1}.jpg"
        photos[ref].append({"file": name, "width": photo.width, "height": photo.height})
        files.append((name, photo_path(photo.couple_id, photo.id)))
    reactions = {}
    for reaction in db.exec(scoped(Reaction, cid).where(Reaction.checkin_id.in_(list(checkin_ref) or [0]))
                            .order_by(Reaction.created_at, Reaction.id)):
        reactions.setdefault(checkin_ref[reaction.checkin_id], []).append(
            {"by": who(reaction.user_id, uid), "kind": reaction.kind, "created_at": plain(reaction.created_at)})
    my_reactions = scoped(Reaction, cid, Reaction.checkin_id).where(Reaction.user_id == uid)
    taken_part = db.exec(
        scoped(CheckIn, cid).where(CheckIn.author_id != uid,
                                   or_(CheckIn.answered_at.is_not(None), CheckIn.id.in_(my_reactions)))
        .order_by(CheckIn.created_at, CheckIn.id)).all()
    given = {}
    for reaction in db.exec(scoped(Reaction, cid).where(Reaction.user_id == uid, Reaction.checkin_id.in_(
            [c.id for c in taken_part] or [0])).order_by(Reaction.created_at, Reaction.id)):
        given.setdefault(reaction.checkin_id, []).append({"kind": reaction.kind, "created_at": plain(reaction.created_at)})
    events = {}
    for event in db.exec(scoped(ConditionEvent, cid).order_by(ConditionEvent.created_at, ConditionEvent.id)):
        events.setdefault(condition_ref[event.condition_id], []).append(
            {"by": who(event.actor_id, uid), **pick(event, EVENT_FIELDS)})

    def mine(model, column, order, fields):
        return [pick(row, fields) for row in db.exec(scoped(model, cid).where(column == uid).order_by(order, model.id))]

    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.isoformat(),
        "account": {**pick(user, ACCOUNT_FIELDS), "authenticator_app": bool(user.totp_secret)},
        "couple": pick(couple, COUPLE_FIELDS) if couple else None,
        "partner": {"display_name": partner.display_name, "role": partner.role} if partner else None,
        "conditions": [
            {"ref": condition_ref[c.id], "proposed_by": who(c.proposed_by, uid), **pick(c, CONDITION_FIELDS),
             "events": events.get(condition_ref[c.id], [])}
            for c in conditions
        ],
        "checkins": [
            {"ref": checkin_ref[c.id], **pick(c, CHECKIN_FIELDS),
             "condition": condition_ref.get(c.condition_id), "corrects": checkin_ref.get(c.corrects_id),
             "photos": photos.get(checkin_ref[c.id], []), "reactions": reactions.get(checkin_ref[c.id], [])}
            for c in checkins
        ],
        "partner_checkins": [
            {**pick(c, TAKEN_PART_FIELDS), "my_reactions": given.get(c.id, [])} for c in taken_part
        ],
        "comfort": mine(ComfortEntry, ComfortEntry.author_id, ComfortEntry.created_at, COMFORT_FIELDS),
        "journal": mine(JournalEntry, JournalEntry.author_id, JournalEntry.created_at, JOURNAL_FIELDS),
        "together": mine(TogetherEntry, TogetherEntry.logged_by, TogetherEntry.created_at, TOGETHER_FIELDS),
        "reassurance": mine(ReassuranceRequest, ReassuranceRequest.requested_by, ReassuranceRequest.created_at,
                            REASSURANCE_FIELDS),
        "space": mine(SpacePeriod, SpacePeriod.requested_by, SpacePeriod.starts_at, SPACE_FIELDS),
        "reminders": [
            {**pick(r, REMINDER_FIELDS), "condition": condition_ref.get(r.condition_id)}
            for r in db.exec(scoped(ReminderRule, cid).where(ReminderRule.user_id == uid)
                             .order_by(ReminderRule.created_at, ReminderRule.id))
        ],
        # The security log belongs to the account, not to the couple.
        "security_log": [pick(e, SECURITY_FIELDS) for e in db.exec(
            select(SecurityEvent).where(SecurityEvent.user_id == uid).order_by(SecurityEvent.created_at, SecurityEvent.id))],
    }
    return document, files


CSV_KINDS = ("checkins", "partner_checkins", "conditions", "condition_events", "comfort", "journal", "together", "reassurance", "space",
             "reminders", "security_log")


def csv_rows(document: dict, kind: str) -> list[dict]:
    if kind == "condition_events":
        return [{"condition": c["ref"], **e} for c in document["conditions"] for e in c["events"]]
    rows = []
    for row in document[kind]:
        flat = {}
        for key, value in row.items():
            if key == "events":
                continue
            if isinstance(value, list):
                value = " ".join(p["file"] for p in value) if key == "photos" else len(value)
            flat[key] = value
        rows.append(flat)
    return rows


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def write_zip(document: dict, files: list[tuple[str, Path]], target) -> None:
    """Write the export into the binary file `target`; photos are copied from disk, not held in memory."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", json.dumps(document, ensure_ascii=False, indent=1))
        for kind in CSV_KINDS:
            # A byte-order mark so spreadsheet apps read Japanese text correctly.
            archive.writestr(f"csv/{kind}.csv", "\ufeff" + to_csv(csv_rows(document, kind)))
        archive.writestr("README.txt", README_TEXT)
        for name, path in files:
            if path.exists():
                archive.write(path, name, compress_type=zipfile.ZIP_STORED)


README_TEXT = """Kotsukotsu export (format kotsukotsu-export, version 1)

export.json   everything, with "ref" numbers linking check-ins, conditions and photos
csv/          the same, one spreadsheet per kind
photos/       your photos, named <check-in ref>-<n>.jpg

"by": "me" is you; "partner" is your partner (conditions and their history, which both of
you could see). partner_checkins holds only your partner's check-ins that you took part in:
the questions you answered and the entries you reacted to. Times are UTC (ISO 8601); local_date is the couple's calendar day.
"""


@bp.get("/export")
@recent_auth_required
def index():
    return render_template("export/index.html")


@bp.post("/export")
@recent_auth_required
def download():
    db = get_db()
    now = utcnow()
    user = current_user._get_current_object()
    log_event(db, user, "export", now)
    db.commit()
    document, files = build_export(db, user, now)
    # Years of photos do not fit in memory: the zip goes to an unnamed temporary file,
    # streamed to the browser and gone when the response closes.
    handle = tempfile.TemporaryFile()
    write_zip(document, files, handle)
    handle.seek(0)
    current_app.logger.info("user %s exported their data", user.id)
    return send_file(handle, mimetype="application/zip", as_attachment=True,
                     download_name=f"kotsukotsu-{user.username}-{now:%Y%m%d}.zip")


# --- importing -----------------------------------------------------------------------------


def parse_dt(value):
    return datetime.fromisoformat(value) if value else None


def parse_day(value):
    return date.fromisoformat(value) if value else None


DATETIME_SUFFIXES = ("_at",)
DATE_FIELDS = {"local_date", "review_on", "new_review_on", "happened_on", "started_on"}


def revive(row: dict, fields) -> dict:
    out = {}
    for name in fields:
        value = row.get(name)
        if name in DATE_FIELDS:
            value = parse_day(value)
        elif name.endswith(DATETIME_SUFFIXES):
            value = parse_dt(value)
        out[name] = value
    return out


def open_export(path) -> tuple[zipfile.ZipFile, dict]:
    """The open zip and the document of an export, checked (photos one at a time) before anything
    is written; the caller closes the zip."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ExportError(f"not a zip file: {error}") from None
    try:
        sizes = {info.filename: info.file_size for info in archive.infolist()}
        if sum(sizes.values()) > MAX_IMPORT_BYTES:
            raise ExportError("the export is larger than an import may be")
        try:
            document = json.loads(archive.read("export.json"))
        except (KeyError, ValueError) as error:
            raise ExportError(f"export.json is missing or damaged: {error}") from None
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise ExportError(f"this is not a {FORMAT} version {VERSION} file")
        for checkin in document["checkins"]:
            for photo in checkin["photos"]:
                name = photo["file"]
                if not name.startswith("photos/") or ".." in name:
                    raise ExportError(f"unexpected photo name {name!r}")
                if name not in sizes:
                    raise ExportError(f"{name} is listed but missing")
                if sizes[name] > MAX_PHOTO_BYTES:
                    raise ExportError(f"{name} is larger than any photo this app stores")
                check_clean_jpeg(name, archive.read(name))
    except BaseException:
        archive.close()
        raise
    return archive, document


def check_clean_jpeg(name: str, raw: bytes):
    """Photos in an export were re-encoded on upload: plain JPEG with no metadata. Anything else is refused."""
    try:
        image = Image.open(io.BytesIO(raw))
        image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ExportError(f"{name} is not a readable photo") from None
    if image.format != "JPEG" or image.getexif() or image.width * image.height > MAX_PIXELS:
        raise ExportError(f"{name} is not a clean JPEG")


def import_export(db, path, now: datetime) -> tuple[User, str]:
    """Create the account of an export on this instance; returns it and a one-time reset code.

    The partner is not on this server: their side of shared conditions is kept under a
    placeholder that cannot sign in, and the pairing is marked ended.
    """
    try:
        archive, document = open_export(path)
        with archive:
            return create_from_export(db, archive, document, now)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        if isinstance(error, ExportError):
            raise
        raise ExportError(f"export.json does not follow version {VERSION} of the format "
                          f"({type(error).__name__}: {error})") from None


def create_from_export(db, archive: zipfile.ZipFile, document: dict, now: datetime) -> tuple[User, str]:
    account = document["account"]
    if accounts.username_taken(db, account["username"]):
        raise ExportError(f"the username {account['username']!r} is already taken here")
    couple_data = document["couple"] or {"started_on": account["created_at"][:10], "timezone": account["timezone"],
                                         "created_at": account["created_at"]}
    couple = Couple(**revive(couple_data, COUPLE_FIELDS))
    if document["partner"] is not None and couple.ended_at is None:
        couple.ended_at = now
    couple.paused_at = None
    db.add(couple)
    db.flush()
    user = User(**revive(account, ACCOUNT_FIELDS), couple_id=couple.id, password_hash="!",
                alternative_id=accounts.new_alternative_id(), password_changed_at=now)
    db.add(user)
    partner = None
    if document["partner"] is not None:
        partner = User(username=f"former-partner-{secrets.token_hex(4)}", display_name=document["partner"]["display_name"],
                       role=document["partner"]["role"], password_hash="!", alternative_id=accounts.new_alternative_id(),
                       couple_id=couple.id, timezone=couple.timezone, created_at=now, password_changed_at=now)
        db.add(partner)
    db.flush()

    def actor(by):
        if by == "me" or partner is None:
            return user.id
        return partner.id

    condition_ids = {}
    for row in document["conditions"]:
        condition = Condition(couple_id=couple.id, proposed_by=actor(row["proposed_by"]), **revive(row, CONDITION_FIELDS))
        db.add(condition)
        db.flush()
        condition_ids[row["ref"]] = condition.id
        for event in row["events"]:
            db.add(ConditionEvent(couple_id=couple.id, condition_id=condition.id, actor_id=actor(event["by"]),
                                  **revive(event, EVENT_FIELDS)))
    checkin_ids = {}
    written = []
    try:
        for row in document["checkins"]:
            checkin = CheckIn(couple_id=couple.id, author_id=user.id, condition_id=condition_ids.get(row["condition"]),
                              corrects_id=checkin_ids.get(row["corrects"]), **revive(row, CHECKIN_FIELDS))
            db.add(checkin)
            db.flush()
            checkin_ids[row["ref"]] = checkin.id
            for position, photo in enumerate(row["photos"]):
                raw = archive.read(photo["file"])
                written += store_photos(db, [(raw, photo["width"], photo["height"])], couple_id=couple.id,
                                        checkin_id=checkin.id, now=checkin.created_at, first_position=position)
            for reaction in row["reactions"]:
                db.add(Reaction(couple_id=couple.id, checkin_id=checkin.id, user_id=actor(reaction["by"]),
                                kind=reaction["kind"], created_at=parse_dt(reaction["created_at"])))
        for row in document["partner_checkins"]:
            if partner is None:
                break
            checkin = CheckIn(couple_id=couple.id, author_id=partner.id, **revive(row, TAKEN_PART_FIELDS))
            db.add(checkin)
            db.flush()
            for reaction in row["my_reactions"]:
                db.add(Reaction(couple_id=couple.id, checkin_id=checkin.id, user_id=user.id, kind=reaction["kind"],
                                created_at=parse_dt(reaction["created_at"])))
        for key, model, column, fields in (
            ("comfort", ComfortEntry, "author_id", COMFORT_FIELDS),
            ("journal", JournalEntry, "author_id", JOURNAL_FIELDS),
            ("together", TogetherEntry, "logged_by", TOGETHER_FIELDS),
            ("reassurance", ReassuranceRequest, "requested_by", REASSURANCE_FIELDS),
            ("space", SpacePeriod, "requested_by", SPACE_FIELDS),
            ("security_log", SecurityEvent, "user_id", SECURITY_FIELDS),
        ):
            for row in document[key]:
                owner = {column: user.id}
                if model is not SecurityEvent:
                    owner["couple_id"] = couple.id
                db.add(model(**owner, **revive(row, fields)))
        from .reminders import schedule

        for row in document["reminders"]:
            rule = ReminderRule(couple_id=couple.id, user_id=user.id, condition_id=condition_ids.get(row["condition"]),
                                **revive(row, REMINDER_FIELDS))
            db.add(rule)
            db.flush()
            schedule(db, rule, now)
        log_event(db, user, "imported", now)
        code = issue_reset_code(db, user, now)
        db.flush()
    except Exception:
        from .photos import remove_files

        remove_files(written)
        raise
    return user, code
