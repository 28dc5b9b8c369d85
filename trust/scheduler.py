"""APScheduler wiring: one dispatch job on a fixed id; the work itself is dispatch.dispatch_due."""
import logging
import signal
import threading
import time
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from .db import utcnow

log = logging.getLogger("trust.scheduler")

JOB_ID = "trust-dispatch"
BACKUP_JOB_ID = "trust-nightly-backup"
INTERVAL_SECONDS = 5
_running = {"scheduler": None}


def run_dispatch(app):
    """One unit of work; an error is logged and the next tick tries again."""
    from .dispatch import dispatch_due

    with app.app_context():
        try:
            dispatch_due(utcnow())
        except Exception:
            log.exception("dispatch failed; retrying on the next tick")


def configure(scheduler, app):
    scheduler.add_job(
        run_dispatch,
        "interval",
        seconds=INTERVAL_SECONDS,
        id=JOB_ID,
        args=[app],
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=INTERVAL_SECONDS * 6,
        next_run_time=datetime.now(timezone.utc),
    )
    settings = app.config["SETTINGS"]
    from .backup import nightly, sqlite_file

    if settings["TRUST_BACKUP_KEEP"] and sqlite_file(app.config["DATABASE_URL"]) is not None:
        # In the server's local time: "3 at night" means the household's night.
        scheduler.add_job(nightly, CronTrigger(hour=settings["TRUST_BACKUP_HOUR"], minute=17, timezone=local_zone()),
                          id=BACKUP_JOB_ID, args=[app], replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=3600)
    _running["scheduler"] = scheduler
    return scheduler


def local_zone():
    from tzlocal import get_localzone

    return get_localzone()


def start_background(app) -> BackgroundScheduler:
    """The scheduler inside `python app.py`."""
    scheduler = configure(BackgroundScheduler(timezone=timezone.utc), app)
    scheduler.start()
    log.info("scheduler started in-process (every %ss)", INTERVAL_SECONDS)
    return scheduler


def run_blocking(app):
    """`flask --app app scheduler`: run until SIGTERM or SIGINT, finishing the current unit first."""
    scheduler = configure(BlockingScheduler(timezone=timezone.utc), app)

    stopping = threading.Event()

    def stop_when_running():
        # A signal may arrive before start() has begun its loop; shutting down then would be
        # refused and the loop would run on.
        while not scheduler.running:
            time.sleep(0.05)
        scheduler.shutdown(wait=True)

    def stop(signum, _frame):
        if stopping.is_set():
            return
        stopping.set()
        log.info("signal %s: finishing the current dispatch, then stopping", signum)
        # shutdown(wait=True) waits for the running job; do it off the signal handler's stack.
        threading.Thread(target=stop_when_running, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler process started (every %ss)", INTERVAL_SECONDS)
    scheduler.start()
    log.info("scheduler stopped")


def wake():
    """Run the dispatcher now instead of at its next tick (no-op when it runs in another process)."""
    scheduler = _running["scheduler"]
    if scheduler is None or not scheduler.running:
        return
    try:
        scheduler.modify_job(JOB_ID, next_run_time=datetime.now(timezone.utc))
    except Exception:  # the job may be running right now; it will pick the work up anyway
        log.debug("wake: job busy")
