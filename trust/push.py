"""Web Push: VAPID keys, subscriptions, the outbox, and the one function that sends."""
import base64
import json
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import requests
from cryptography.hazmat.primitives import serialization
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from sqlalchemy import delete, update
from sqlmodel import select

from .accounts import paired_required
from .db import claim, get_db, utcnow
from .models import PushMessage, PushSubscription, User
from .reminders import in_quiet_hours, quiet_hours_end
from .scoping import get_owned, scoped

bp = Blueprint("push", __name__)
log = logging.getLogger("trust.push")

MAX_ATTEMPTS = 6
SEND_TIMEOUT = 10.0
# How long each kind of message stays worth delivering to a phone that is offline.
TTL = {
    "reassurance": timedelta(hours=1),
    "overdue": timedelta(hours=1),
    "prompt_checkin": timedelta(hours=2),
    "prompt_comfort": timedelta(hours=2),
    "prompt_talk": timedelta(hours=6),
    "prompt_condition": timedelta(minutes=55),
    "test": timedelta(minutes=10),
}
DEFAULT_TTL = timedelta(hours=24)
URGENCY = {"reassurance": "high", "overdue": "normal", "test": "high"}


# --- VAPID ----------------------------------------------------------------------------------------


def vapid_key() -> Vapid02:
    """The server's VAPID key: from TRUST_VAPID_PRIVATE_KEY, else generated once into instance/."""
    app = current_app
    key = app.extensions.get("trust.vapid")
    if key is not None:
        return key
    configured = app.config["SETTINGS"].get("TRUST_VAPID_PRIVATE_KEY")
    if configured:
        text = configured.strip()
        key = Vapid02.from_pem(text.encode()) if text.startswith("-----") else Vapid02.from_string(text)
    else:
        path = Path(app.instance_path) / "vapid_private.pem"
        if not path.exists():
            fresh = Vapid02()
            fresh.generate_keys()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(fresh.private_pem())
            log.info("generated a VAPID key in %s", path)
        key = Vapid02.from_file(str(path))
    app.extensions["trust.vapid"] = key
    return key


def public_key_b64(key: Vapid02) -> str:
    """The public key as browsers want it: base64url of the uncompressed P-256 point."""
    raw = key.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subject_problem(subject: str | None) -> str | None:
    """Why push services would refuse this VAPID subject, or None when it is usable."""
    if not subject:
        return "TRUST_VAPID_SUBJECT is not set"
    parsed = urlparse(subject)
    if parsed.scheme == "mailto":
        host = subject.rpartition("@")[2].lower()
    elif parsed.scheme == "https":
        host = (parsed.hostname or "").lower()
    else:
        return "TRUST_VAPID_SUBJECT must be a mailto: or https: address"
    if not host or host == "localhost" or host.endswith(".localhost") or host.startswith("127."):
        return "TRUST_VAPID_SUBJECT must name a real address, not localhost (Apple refuses it)"
    return None


def vapid_ready() -> bool:
    return subject_problem(current_app.config["SETTINGS"].get("TRUST_VAPID_SUBJECT")) is None


# --- sending ------------------------------------------------------------------------------------------


def deliver(subscription: dict, payload: str, *, ttl: int, urgency: str, topic: str, key: Vapid02, subject: str) -> int:
    """Encrypt and POST one push; returns the push service's status code, 0 if it was not reached.

    This is the only place that talks to push services.
    """
    claims = {"sub": subject}  # fresh per call: pywebpush writes "aud" and "exp" into it
    try:
        response = webpush(
            subscription,
            data=payload,
            vapid_private_key=key,
            vapid_claims=claims,
            content_encoding="aes128gcm",
            ttl=ttl,
            timeout=SEND_TIMEOUT,
            headers={"Urgency": urgency, "Topic": topic},
        )
        return response.status_code
    except WebPushException as error:
        return error.response.status_code if error.response is not None else 0
    except (requests.RequestException, ValueError) as error:
        log.info("push service unreachable: %s", type(error).__name__)
        return 0


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


KEEP_FINISHED = timedelta(days=7)


def send_queued(db, now: datetime, limit: int = 200) -> int:
    """Send the queued pushes that are due, each claimed first so no two workers send it; returns sent."""
    # Finished messages are kept a week for the device list's sake, then dropped.
    db.exec(delete(PushMessage).where(PushMessage.state.in_(("sent", "failed", "expired")),
                                      PushMessage.created_at < now - KEEP_FINISHED))
    db.commit()
    due = db.exec(
        select(PushMessage.id)
        .where(PushMessage.state == "queued", PushMessage.next_attempt_at <= now)
        .order_by(PushMessage.next_attempt_at)
        .limit(limit)
    ).all()
    db.commit()
    if not due:
        return 0
    subject = current_app.config["SETTINGS"].get("TRUST_VAPID_SUBJECT")
    problem = subject_problem(subject)
    if problem:
        log.warning("push not sent: %s", problem)
        return 0
    key = vapid_key()
    sent = 0
    for message_id in due:
        claimed = claim(
            db,
            update(PushMessage)
            .where(PushMessage.id == message_id, PushMessage.state == "queued")
            .values(state="sending", attempts=PushMessage.attempts + 1),
        )
        db.commit()
        if not claimed:
            continue
        message = db.get(PushMessage, message_id)
        subscription = db.get(PushSubscription, message.subscription_id)
        if now >= message.expires_at or subscription is None:
            message.state = "expired"
            db.commit()
            log.info("push %s expired unsent", message.id)
            continue
        ttl = max(1, int((message.expires_at - now).total_seconds()))
        status = deliver(
            {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}},
            message.payload, ttl=ttl, urgency=message.urgency, topic=message.topic, key=key, subject=subject,
        )
        sent += record_outcome(db, message, subscription, status, utcnow())
    return sent


def record_outcome(db, message: PushMessage, subscription: PushSubscription, status: int, now: datetime) -> int:
    """Store what the push service said; 404/410 remove the subscription, 429/5xx retry later."""
    message.last_status = status
    if 200 <= status < 300:
        message.state, message.sent_at = "sent", now
        subscription.last_success_at = now
        outcome = "sent"
    elif status in (404, 410):
        # The browser unsubscribed or the subscription expired: it will never work again.
        db.exec(delete(PushMessage).where(PushMessage.subscription_id == subscription.id))
        db.delete(subscription)
        outcome = "gone"
    elif (status == 0 or status == 429 or status >= 500) and message.attempts < MAX_ATTEMPTS:
        message.state, message.next_attempt_at = "queued", now + backoff(message.attempts)
        subscription.last_error, subscription.last_error_at = f"HTTP {status}" if status else "unreachable", now
        outcome = "retry"
    else:
        message.state = "failed"
        subscription.last_error, subscription.last_error_at = f"HTTP {status}" if status else "unreachable", now
        outcome = "failed"
    db.commit()
    log.info("push %s to subscription %s: status %s, %s (attempt %s)", message.id, subscription.id, status, outcome, message.attempts)
    return 1 if outcome == "sent" else 0


def enqueue(db, user: User, *, kind: str, text: str, url: str, now: datetime, tag: str | None = None) -> int:
    """Queue a push to each of `user`'s devices; the caller commits. Returns how many were queued."""
    subscriptions = db.exec(scoped(PushSubscription, user.couple_id).where(PushSubscription.user_id == user.id)).all()
    if not subscriptions:
        return 0
    urgency = URGENCY.get(kind, "normal")
    start = now
    zone = ZoneInfo(user.timezone)
    if urgency != "high" and in_quiet_hours(now, user.quiet_start, user.quiet_end, zone):
        start = quiet_hours_end(now, user.quiet_end, zone)  # held until quiet hours end
    expires = start + TTL.get(kind, DEFAULT_TTL)
    with force_locale(user.language or "en"):
        title = _("Kotsukotsu")
    payload = json.dumps({"title": title, "body": text, "url": url, "tag": tag or kind, "kind": kind}, ensure_ascii=False)
    for subscription in subscriptions:
        db.add(PushMessage(couple_id=user.couple_id, subscription_id=subscription.id, payload=payload,
                           topic=kind.replace("_", "-")[:32], urgency=urgency, expires_at=expires,
                           next_attempt_at=start, created_at=now))
    return len(subscriptions)


# --- views ---------------------------------------------------------------------------------------------


def devices_for(db, user):
    return db.exec(
        scoped(PushSubscription, user.couple_id)
        .where(PushSubscription.user_id == user.id)
        .order_by(PushSubscription.created_at)
    ).all()


def endpoint_allowed(endpoint: str) -> bool:
    parsed = urlparse(endpoint)
    if parsed.scheme == "https" and parsed.hostname:
        return True
    # Tests point subscriptions at a local push service over plain HTTP.
    return bool(current_app.config.get("PUSH_ALLOW_HTTP")) and parsed.scheme == "http" and parsed.hostname == "127.0.0.1"


def json_error(message, status):
    return jsonify(error=message), status


@bp.get("/push/vapid-public-key")
@paired_required
def vapid_public_key():
    return jsonify(publicKey=public_key_b64(vapid_key()))


@bp.get("/push/token")
@paired_required
def token():
    """A CSRF token for the service worker, which cannot read the page's meta tag."""
    return jsonify(csrfToken=generate_csrf())


@bp.post("/push/subscriptions")
@paired_required
def subscribe():
    """Store this browser's PushSubscription.toJSON(); a known endpoint moves to this user."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(_("Send the subscription as JSON."), 400)
    endpoint = data.get("endpoint")
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not all(isinstance(v, str) and v for v in (endpoint, p256dh, auth)):
        return json_error(_("The subscription is missing its endpoint or keys."), 400)
    if len(endpoint) > 1000 or len(p256dh) > 200 or len(auth) > 100 or not endpoint_allowed(endpoint):
        return json_error(_("This push address cannot be used."), 400)
    try:
        point = base64.urlsafe_b64decode(p256dh + "=" * (-len(p256dh) % 4))
        secret = base64.urlsafe_b64decode(auth + "=" * (-len(auth) % 4))
    except ValueError:
        return json_error(_("The subscription keys are not valid."), 400)
    if len(point) != 65 or point[0] != 4 or len(secret) != 16:
        return json_error(_("The subscription keys are not valid."), 400)
    db = get_db()
    now = utcnow()
    row = db.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint)).first()
    created = row is None
    if created:
        row = PushSubscription(endpoint=endpoint, couple_id=current_user.couple_id, user_id=current_user.id,
                               p256dh=p256dh, auth=auth, created_at=now)
        db.add(row)
    else:
        # The same browser signed in as someone else: the subscription follows the account.
        db.exec(delete(PushMessage).where(PushMessage.subscription_id == row.id))
        row.couple_id, row.user_id, row.p256dh, row.auth = current_user.couple_id, current_user.id, p256dh, auth
    row.user_agent = (request.user_agent.string or "")[:200]
    db.commit()
    return jsonify(id=row.id, created=created), 201 if created else 200


@bp.delete("/push/subscriptions")
@paired_required
def unsubscribe():
    data = request.get_json(silent=True)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        return json_error(_("Send the endpoint to remove as JSON."), 400)
    db = get_db()
    row = db.exec(
        scoped(PushSubscription, current_user.couple_id).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == current_user.id
        )
    ).first()
    if row is None:
        abort(404)
    remove(db, row)
    return jsonify(removed=True)


def remove(db, row):
    db.exec(delete(PushMessage).where(PushMessage.subscription_id == row.id))
    db.delete(row)
    db.commit()


@bp.post("/push/subscriptions/<int:subscription_id>/delete")
@paired_required
def remove_device(subscription_id):
    db = get_db()
    row = get_owned(PushSubscription, subscription_id, current_user.couple_id)
    if row.user_id != current_user.id:
        abort(404)
    remove(db, row)
    flash(_("This device will no longer get notifications."))
    return redirect(url_for("reminders.index"))


@bp.post("/push/test")
@paired_required
def test():
    """Send a test notification to every device of the signed-in user."""
    db = get_db()
    now = utcnow()
    queued = enqueue(db, current_user, kind="test", text=_("Notifications work on this device."),
                     url=url_for("reminders.index"), now=now, tag=f"test-{int(now.timestamp())}")
    db.commit()
    from .scheduler import wake

    wake()
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return jsonify(queued=queued, ready=vapid_ready())
    flash(_("A test notification is on its way.") if queued else _("No device of yours is set up for notifications yet."))
    return redirect(url_for("reminders.index"))
