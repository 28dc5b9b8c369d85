"""The safety page: help, device monitoring, and what this app will never do."""
from flask import Blueprint, render_template, request

bp = Blueprint("safety", __name__)


@bp.get("/safety")
def index():
    return render_template("safety/index.html", from_setup=request.args.get("setup") == "1")
