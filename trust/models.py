"""Tables. Every row a couple owns carries `couple_id` and is loaded through trust.scoping."""
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlmodel import Field, Session, SQLModel

from .db import UTCDateTime

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("rebuilding", "hurt")
CHECKIN_KINDS = ("report", "contact", "consult")
CONSULT_ANSWERS = ("yes", "no", "talk")
REACTIONS = ("relieved", "thanks")
COMFORT_TAGS = (
    "late_reply",
    "anniversary",
    "saw_something",
    "memory",
    "alone",
    "argument",
    "good_talk",
    "reassured",
)
TOGETHER_KINDS = ("together", "video_call")
REMINDER_KINDS = ("checkin", "comfort", "talk", "condition")


def utc_column(nullable=True, index=False):
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Couple(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    started_on: date
    timezone: str = Field(max_length=64)
    created_at: datetime = utc_column(nullable=False)
    # Either partner may pause sharing at once; only they can resume it.
    paused_at: Optional[datetime] = utc_column()
    paused_by: Optional[int] = None
    # Set when a partner ends the pairing or deletes their account; it does not come back.
    ended_at: Optional[datetime] = utc_column()

    @property
    def sharing_open(self) -> bool:
        """False while sharing is paused or after the pairing ended: nothing is shared or prompted then."""
        return self.paused_at is None and self.ended_at is None


class User(UserMixin, SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True)
    display_name: str = Field(max_length=60)
    password_hash: str = Field(max_length=255)
    # Carried in the session cookie instead of the id; rotating it signs out every device.
    alternative_id: str = Field(max_length=64, unique=True)
    couple_id: Optional[int] = Field(default=None, foreign_key="couple.id", index=True)
    role: str = Field(max_length=12)
    language: str = Field(default="", max_length=5)
    timezone: str = Field(max_length=64)
    created_at: datetime = utc_column(nullable=False)
    password_changed_at: datetime = utc_column(nullable=False)
    # Quiet hours, "HH:MM" in the user's zone; scheduled prompts are not sent inside them.
    quiet_start: Optional[str] = Field(default=None, max_length=5)
    quiet_end: Optional[str] = Field(default=None, max_length=5)
    # Lock screens show generic text unless the user asks for details.
    push_detail: bool = False
    # What the partner sees of this user's comfort: "daily", "weekly" (averages only) or "none".
    comfort_sharing: str = Field(default="daily", max_length=8)
    # Optional second step at sign-in: a base32 TOTP secret and the last time step used.
    totp_secret: Optional[str] = Field(default=None, max_length=64)
    totp_last_step: Optional[int] = None
    # A one-time reset code issued by `flask reset-password`, kept only as a hash.
    reset_code_hash: Optional[str] = Field(default=None, max_length=64)
    reset_expires_at: Optional[datetime] = utc_column()

    def get_id(self):
        return self.alternative_id


class Invite(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    # Only a hash is kept, so the database alone cannot be used to join a couple.
    token_hash: str = Field(max_length=64, unique=True)
    couple_id: Optional[int] = Field(default=None, foreign_key="couple.id", index=True)
    created_by: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: datetime = utc_column(nullable=False)
    expires_at: datetime = utc_column(nullable=False)
    used_at: Optional[datetime] = utc_column()


class LoginSession(SQLModel, table=True):
    """One signed-in device; the session cookie names it, so revoking the row signs it out."""

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    user_agent: str = Field(default="", max_length=200)
    created_at: datetime = utc_column(nullable=False)
    last_seen_at: datetime = utc_column(nullable=False)
    revoked_at: Optional[datetime] = utc_column()


class RecoveryCode(SQLModel, table=True):
    """A single-use code that stands in for the authenticator app; only its hash is kept."""

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: Optional[datetime] = utc_column()


class SecurityEvent(SQLModel, table=True):
    """One line of a user's own security log; shown to that user only, never content."""

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=32)
    # The device, for sign-ins; never anything the user wrote.
    device: str = Field(default="", max_length=200)
    created_at: datetime = utc_column(nullable=False)


class LoginAttempt(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, index=True)
    address: str = Field(max_length=64, index=True)
    succeeded: bool = False
    created_at: datetime = utc_column(nullable=False, index=True)


class Condition(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    proposed_by: int = Field(foreign_key="user.id")
    text: str = Field(max_length=500)
    # "HH:MM" in the couple's zone for a "daily by" condition; None when it has no cadence.
    due_time: Optional[str] = Field(default=None, max_length=5)
    review_on: date
    # proposed -> active -> retired; proposed -> withdrawn
    status: str = Field(default="proposed", max_length=12)
    talk_requested: bool = False
    created_at: datetime = utc_column(nullable=False)
    accepted_at: Optional[datetime] = utc_column()
    ended_at: Optional[datetime] = utc_column()


class ConditionEvent(SQLModel, table=True):
    """Append-only history of a condition: proposals, decisions, slips and concerns."""

    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    condition_id: int = Field(foreign_key="condition.id", index=True)
    actor_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=24)
    note: str = Field(default="", max_length=1000)
    new_text: Optional[str] = Field(default=None, max_length=500)
    new_due_time: Optional[str] = Field(default=None, max_length=5)
    new_review_on: Optional[date] = None
    # For revision and retirement proposals: pending, accepted, declined or withdrawn.
    state: Optional[str] = Field(default=None, max_length=12)
    created_at: datetime = utc_column(nullable=False)
    decided_at: Optional[datetime] = utc_column()


class CheckIn(SQLModel, table=True):
    # Every page reads a couple's check-ins newest first, by kind, or by condition and time.
    __table_args__ = (
        sa.Index("ix_checkin_couple_day", "couple_id", "local_date"),
        sa.Index("ix_checkin_couple_created", "couple_id", "created_at"),
        sa.Index("ix_checkin_couple_kind_created", "couple_id", "kind", "created_at"),
        sa.Index("ix_checkin_condition_created", "condition_id", "created_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=12)
    body: str = Field(max_length=2000)
    condition_id: Optional[int] = Field(default=None, foreign_key="condition.id", index=True)
    corrects_id: Optional[int] = Field(default=None, foreign_key="checkin.id")
    expected_end_at: Optional[datetime] = utc_column()
    ended_at: Optional[datetime] = utc_column()
    answer: Optional[str] = Field(default=None, max_length=8)
    answer_note: str = Field(default="", max_length=1000)
    answered_at: Optional[datetime] = utc_column()
    reply_body: str = Field(default="", max_length=1000)
    replied_at: Optional[datetime] = utc_column()
    created_at: datetime = utc_column(nullable=False, index=True)
    edited_at: Optional[datetime] = utc_column()
    local_date: Optional[date] = Field(default=None, nullable=False)


class Photo(SQLModel, table=True):
    # A random name: photo URLs cannot be guessed or enumerated.
    id: str = Field(primary_key=True, max_length=32)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    checkin_id: int = Field(foreign_key="checkin.id", index=True)
    # The order in which they were added to the check-in (they share one creation time).
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    width: int
    height: int
    size: int
    created_at: datetime = utc_column(nullable=False)


class Reaction(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("checkin_id", "user_id", "kind"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    checkin_id: int = Field(foreign_key="checkin.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=12)
    created_at: datetime = utc_column(nullable=False)


class ComfortEntry(SQLModel, table=True):
    __table_args__ = (
        sa.Index("ix_comfortentry_couple_day", "couple_id", "local_date"),
        sa.Index("ix_comfortentry_couple_author_created", "couple_id", "author_id", "created_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    level: int
    tags: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=2000)
    note_shared: bool = False
    # A private entry is never shown to the partner, not even its level.
    private: bool = False
    created_at: datetime = utc_column(nullable=False, index=True)
    # The couple's calendar day when it was written: trends group by it in SQL on any database.
    local_date: Optional[date] = Field(default=None, nullable=False)


class ReassuranceRequest(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    requested_by: int = Field(foreign_key="user.id")
    created_at: datetime = utc_column(nullable=False)
    answered_at: Optional[datetime] = utc_column()


class SpacePeriod(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    requested_by: int = Field(foreign_key="user.id")
    starts_at: datetime = utc_column(nullable=False)
    ends_at: datetime = utc_column(nullable=False)
    ended_early_at: Optional[datetime] = utc_column()


class TogetherEntry(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    logged_by: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=12)
    happened_on: date
    minutes: int
    note: str = Field(default="", max_length=500)
    created_at: datetime = utc_column(nullable=False)


class JournalEntry(SQLModel, table=True):
    """Private writing: the hurt partner's journal (never shared) or the rebuilding partner's reflections."""

    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    body: str = Field(max_length=5000)
    # Only a reflection can be shared; a journal entry is its author's alone.
    shared: bool = False
    created_at: datetime = utc_column(nullable=False)
    shared_at: Optional[datetime] = utc_column()


class Notice(SQLModel, table=True):
    """An in-app notification for one user; its text is generic and comes from the kind."""

    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=32)
    url: str = Field(default="/", max_length=200)
    created_at: datetime = utc_column(nullable=False)
    read_at: Optional[datetime] = utc_column()


class ReminderRule(SQLModel, table=True):
    """A scheduled prompt for one user; `next_due_at` is the next firing, claimed by the dispatcher."""

    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=12)
    # Local wall times, "HH:MM" separated by commas.
    times: str = Field(max_length=100)
    # ISO weekdays (1 = Monday … 7 = Sunday) separated by commas; empty for every day.
    weekdays: str = Field(default="", max_length=20)
    condition_id: Optional[int] = Field(default=None, foreign_key="condition.id", index=True)
    enabled: bool = True
    next_due_at: Optional[datetime] = utc_column(index=True)
    created_at: datetime = utc_column(nullable=False)


class Delivery(SQLModel, table=True):
    """One firing of a reminder or nudge; its unique key makes a second dispatcher harmless."""

    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    key: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=24)
    due_at: datetime = utc_column(nullable=False)
    # sent, paused, late, quiet, space or not_needed
    outcome: str = Field(max_length=12)
    created_at: datetime = utc_column(nullable=False)


class PushSubscription(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    endpoint: str = Field(max_length=1000, unique=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    user_agent: str = Field(default="", max_length=200)
    created_at: datetime = utc_column(nullable=False)
    last_success_at: Optional[datetime] = utc_column()
    last_error: str = Field(default="", max_length=200)
    last_error_at: Optional[datetime] = utc_column()


class PushMessage(SQLModel, table=True):
    """An outgoing push for one subscription, retried with backoff until sent or useless."""

    id: Optional[int] = Field(default=None, primary_key=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    subscription_id: int = Field(foreign_key="pushsubscription.id", index=True)
    payload: str = Field(max_length=3000)
    topic: str = Field(max_length=32)
    urgency: str = Field(max_length=8)
    expires_at: datetime = utc_column(nullable=False)
    # queued -> sending -> sent / failed / expired
    state: str = Field(default="queued", max_length=8, index=True)
    attempts: int = 0
    next_attempt_at: datetime = utc_column(nullable=False, index=True)
    last_status: Optional[int] = None
    created_at: datetime = utc_column(nullable=False)
    sent_at: Optional[datetime] = utc_column()


@sa.event.listens_for(Session, "before_flush")
def fill_local_dates(session, _context, _instances):
    """Stamp new check-ins and comfort entries with the couple's calendar day."""
    from zoneinfo import ZoneInfo

    for row in session.new:
        if isinstance(row, (CheckIn, ComfortEntry)) and row.local_date is None:
            couple = session.get(Couple, row.couple_id)
            row.local_date = row.created_at.astimezone(ZoneInfo(couple.timezone)).date()
