"""The installable app's shell: service worker, web app manifest and the offline page."""
from flask import Blueprint, current_app, jsonify, render_template, send_from_directory
from flask_babel import gettext as _
from flask_babel import get_locale

bp = Blueprint("app_shell", __name__)


@bp.get("/sw.js")
def service_worker():
    """Served from the root so its scope is the whole app; never cached, so updates arrive."""
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    icons = [
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": "/static/icons/maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ]
    response = jsonify(
        name=_("Kotsukotsu"),
        short_name=_("Kotsukotsu"),
        description=_("Little by little, rebuilding trust together."),
        id="/",
        start_url="/",
        scope="/",
        display="standalone",
        background_color="#f6f4ef",
        theme_color="#2f6f64",
        lang=str(get_locale() or "en"),
        icons=icons,
    )
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/offline")
def offline():
    """Cached by the service worker and shown when the server cannot be reached."""
    return render_template("app_shell/offline.html")
