"""Schema migrations (Alembic), driven from code: no alembic.ini needed, works when installed."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import URL, Connection

from dialogs.events import Msg
from storage.db import Database, Refused, async_url


class SchemaNotReady(Refused):
    """The database has no tables yet, or an older schema than this code expects."""


def alembic_config(url: str | URL) -> Config:
    """An Alembic configuration for `url` with the migrations shipped in the storage package."""
    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    # Kept out of the ini options: ConfigParser would read a '%' of an encoded password as interpolation.
    config.attributes["database_url"] = async_url(url).render_as_string(hide_password=False)
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    """The newest revision of the shipped migrations."""
    head = _scripts().get_current_head()
    assert head is not None
    return head


async def current_revision(database: Database) -> str | None:
    """The revision the database is at, or None before the first migration."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(read)


async def check_schema(database: Database) -> None:
    """Raise `SchemaNotReady` unless the database is migrated to the head revision."""
    current, head = await current_revision(database), head_revision()
    if current is None:
        raise SchemaNotReady(Msg("db.error.not_initialised"))
    if current == head:
        return
    try:
        _scripts().get_revision(current)
    except CommandError:
        # A revision these migrations do not know: the database was migrated by a newer release.
        raise SchemaNotReady(Msg("db.error.newer", {"current": current, "head": head})) from None
    raise SchemaNotReady(Msg("db.error.outdated", {"current": current, "head": head}))


async def upgrade(url: str | URL, revision: str = "head") -> str | None:
    """Migrate the database at `url` to `revision`; returns the revision it is at afterwards."""
    config = alembic_config(url)
    database = Database.connect(url, pool_size=1)
    try:

        def run(connection: Connection) -> None:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

        async with database.engine.connect() as connection:
            await connection.run_sync(run)
            await connection.commit()
        return await current_revision(database)
    finally:
        await database.dispose()
