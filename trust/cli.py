"""Flask commands for whoever runs the server; none of them shows a couple's content."""
import click
from flask import current_app, url_for

from . import db as database
from .db import get_db, utcnow


def register_cli(app):
    @app.cli.command("migrate")
    def migrate():
        """Apply database migrations up to the newest (an existing SQLite database is backed up first)."""
        from .backup import before_migrations

        taken = before_migrations(current_app._get_current_object())
        if taken:
            click.echo(f"Backed up to {taken}")
        database.upgrade(current_app.config["DATABASE_URL"])
        click.echo("Database is up to date.")

    @app.cli.command("backup")
    @click.option("--to", "root", type=click.Path(file_okay=False), default=None,
                  help="Folder to write into. Default: TRUST_BACKUP_DIR or instance/backups.")
    def backup(root):
        """Back up the database and photos while the app keeps running (SQLite)."""
        from .backup import BackupError, make_backup

        try:
            path = make_backup(current_app._get_current_object(), root=root)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Backup written to {path} (integrity check: ok)")

    @app.cli.command("restore")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore(folder, yes):
        """Replace the database and photos with a backup's. Stop the app first."""
        from .backup import BackupError, check_backup
        from .backup import restore as do_restore

        try:
            manifest = check_backup(folder)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Backup from {manifest['created_at']} ({manifest['label']}), integrity check: ok")
        if not yes:
            click.confirm("Replace this instance's database and photos with it? (stop the app first)", abort=True)
        try:
            do_restore(current_app._get_current_object(), folder)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo("Restored. The current data was backed up first (label before-restore).")

    @app.cli.command("scheduler")
    def scheduler():
        """Run the reminder dispatcher as its own process (for multi-worker deployments)."""
        from .scheduler import run_blocking

        run_blocking(current_app._get_current_object())

    @app.cli.command("demo")
    @click.option("--years", default=1, show_default=True, type=click.IntRange(0, 20),
                  help="How many years of history to create.")
    def demo(years):
        """Create (or recreate) the demo couple demo-rebuilding / demo-hurt and print its password."""
        from .demo import build_demo

        database.upgrade(current_app.config["DATABASE_URL"])
        with current_app.test_request_context():
            password = build_demo(get_db(), years, utcnow())
        click.echo(f"demo-rebuilding and demo-hurt, password: {password}")

    @app.cli.command("invite")
    @click.option("--base-url", default="http://127.0.0.1:8000", show_default=True,
                  help="Address the invited person opens, as they reach this server.")
    def invite(base_url):
        """Print a single-use invite link for a new couple on this instance (valid 72 hours).

        Run it after the app has started once (or after `migrate`), so the tables exist.
        """
        from .pairing import create_invite

        with current_app.test_request_context(base_url=base_url):
            token = create_invite(
                get_db(), couple_id=None, created_by=None, now=utcnow(),
                lifetime=current_app.config["INVITE_LIFETIME"],
            )
            link = url_for("pairing.join", token=token, _external=True)
        click.echo(link)

    @app.cli.command("reset-password")
    @click.argument("username")
    @click.option("--turn-off-authenticator", is_flag=True,
                  help="Also turn off their authenticator app, when they lost it and their recovery codes.")
    def reset_password(username, turn_off_authenticator):
        """Print a one-time code with which USERNAME sets a new password (valid 24 hours).

        Every device of that user is signed out, and the reset appears in their security log.
        """
        from sqlmodel import select

        from .models import User
        from .security import issue_reset_code, turn_off_totp

        db = get_db()
        user = db.exec(select(User).where(User.username == username.strip().lower())).first()
        if user is None:
            raise click.ClickException(f"no user named {username!r}")
        now = utcnow()
        code = issue_reset_code(db, user, now)
        if turn_off_authenticator and user.totp_secret:
            turn_off_totp(db, user, now)
            click.echo("Their authenticator app is turned off; they can turn it on again in Settings.")
        db.commit()
        click.echo(f"Reset code for {user.username}: {code}")
        click.echo("They open /reset on this server, enter it and choose a new password. It works once, for 24 hours.")

    @app.cli.command("import-data")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_data(path):
        """Import an export zip (from "Export my data") as a new account on this instance."""
        from .export import ExportError, import_export

        from sqlalchemy import inspect

        if not inspect(current_app.extensions["trust.engine"]).has_table("user"):
            database.upgrade(current_app.config["DATABASE_URL"])  # a brand-new instance
        db = get_db()
        try:
            with current_app.test_request_context():
                user, code = import_export(db, path, utcnow())
                db.commit()
        except ExportError as error:
            db.rollback()
            raise click.ClickException(f"cannot import {path}: {error}") from None
        click.echo(f"Imported {user.username}. Reset code: {code}")
        click.echo("Open /reset on this server, enter it and choose a password. It works once, for 24 hours.")


def main():
    """`kotsukotsu` console script: the same as `flask --app app`."""
    from flask.cli import FlaskGroup

    from . import create_app

    FlaskGroup(create_app=create_app)()
