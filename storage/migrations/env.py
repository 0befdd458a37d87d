"""Alembic environment: migrates a connection handed in by storage.migrate, or opens its own."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage.db import Database
from storage.models import Base

config = context.config
target_metadata = Base.metadata

# Any constant: every process that migrates the same PostgreSQL database takes this lock first, so
# two bot processes starting together do not both try to create the same tables.
_PG_MIGRATION_LOCK = 0x62616F63  # "baoc"


def _url() -> str:
    return str(config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url"))


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # Table rebuilds in batch mode drop and recreate referenced tables; SQLite requires foreign keys
    # off for that, and the PRAGMA is ignored inside a transaction, hence the raw DBAPI cursor here.
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def run_migrations(connection: Connection) -> None:
    """Run the migrations on one connection, in one transaction."""
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite and not connection.in_transaction():
        _sqlite_foreign_keys(connection, on=False)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite,
        # SQLite does roll back DDL; alembic assumes it does not unless told.
        transactional_ddl=True,
        compare_type=True,
    )
    try:
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            context.run_migrations()
            if is_sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
    finally:
        if is_sqlite and not connection.in_transaction():
            _sqlite_foreign_keys(connection, on=True)


async def _run_online() -> None:
    database = Database.connect(_url(), pool_size=1)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await database.dispose()


def _run_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (shared := config.attributes.get("connection")) is not None:
    run_migrations(shared)
else:
    asyncio.run(_run_online())
