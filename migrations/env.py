"""Alembic environment: SQLModel's metadata, batch mode for SQLite, the app's naming convention."""
from alembic import context
from sqlmodel import SQLModel

import trust.models  # noqa: F401  (registers every table on the metadata)
from trust.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def render_item(type_, obj, autogen_context):
    """Render the app's UTC timestamp type by its import path, so versions import it."""
    if type_ == "type" and obj.__class__.__module__ == "trust.db":
        autogen_context.imports.add("import trust.db")
        return f"trust.db.{obj.__class__.__name__}()"
    return False


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = config.attributes.get("connection")
    if connectable is not None:
        run_with(connectable)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        run_with(connection)
    engine.dispose()


def run_with(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
