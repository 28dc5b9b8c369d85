"""The single-process default: migrations, then waitress serving the app."""
import logging

from . import db

log = logging.getLogger("trust.server")


def serve(app):
    """Apply migrations and serve on TRUST_HOST:TRUST_PORT until stopped."""
    from waitress import serve as waitress_serve

    settings = app.config["SETTINGS"]
    db.upgrade(app.config["DATABASE_URL"])
    host, port = settings["TRUST_HOST"], settings["TRUST_PORT"]
    log.info("Kotsukotsu listening on http://%s:%s", host, port)
    waitress_serve(app, host=host, port=port, threads=8, ident="kotsukotsu")


