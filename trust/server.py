"""The single-process default: migrations, then waitress serving the app."""
import logging
import signal

from . import db

log = logging.getLogger("trust.server")


def serve(app):
    """Apply migrations, start the scheduler and serve on TRUST_HOST:TRUST_PORT until stopped."""
    from waitress import serve as waitress_serve

    from .backup import before_migrations

    settings = app.config["SETTINGS"]
    before_migrations(app)
    db.upgrade(app.config["DATABASE_URL"])
    scheduler = None
    if settings["TRUST_SCHEDULER"]:
        from .scheduler import start_background

        scheduler = start_background(app)

    def stop(signum, _frame):
        raise SystemExit(0)

    # SIGTERM (systemd, docker stop) ends waitress's loop; the scheduler then finishes its unit.
    signal.signal(signal.SIGTERM, stop)
    host, port = settings["TRUST_HOST"], settings["TRUST_PORT"]
    log.info("Kotsukotsu listening on http://%s:%s", host, port)
    try:
        waitress_serve(app, host=host, port=port, threads=8, ident="kotsukotsu")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
            log.info("scheduler stopped")


