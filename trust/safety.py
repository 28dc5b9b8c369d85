"""The safety page: help, device monitoring, and what this app will never do."""
from flask import Blueprint, render_template, request

bp = Blueprint("safety", __name__)


@bp.get("/bye")
def quick_exit():
    """Where the quick-exit control lands: a plain page that does not say what app this is."""
    response = render_template("safety/bye.html")
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/safety")
def index():
    return render_template("safety/index.html", from_setup=request.args.get("setup") == "1")
