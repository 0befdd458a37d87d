"""Migrations create exactly the tables of storage/models.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.i18n import t
from storage.db import Database
from storage.migrate import (
    SchemaNotReady,
    alembic_config,
    check_schema,
    current_revision,
    head_revision,
    upgrade,
)
from storage.models import Base


def differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrated_schema_is_the_models_schema(empty_database_url: str) -> None:
    assert await upgrade(empty_database_url) == head_revision()
    db = Database.connect(empty_database_url)
    try:
        async with db.engine.connect() as connection:
            assert await connection.run_sync(differences) == []
        await check_schema(db)
    finally:
        await db.dispose()


async def test_upgrading_twice_changes_nothing(empty_database_url: str) -> None:
    first = await upgrade(empty_database_url)
    assert await upgrade(empty_database_url) == first


async def test_a_database_without_tables_asks_for_db_upgrade(empty_database_url: str) -> None:
    db = Database.connect(empty_database_url)
    try:
        assert await current_revision(db) is None
        with pytest.raises(SchemaNotReady) as raised:
            await check_schema(db)
    finally:
        await db.dispose()
    message = raised.value.messages[0]
    assert t(message.id, "vi", **message.params) == (
        "Cơ sở dữ liệu chưa được khởi tạo, hãy chạy: baocao db upgrade"
    )


async def test_an_older_schema_asks_for_db_upgrade(empty_database_url: str) -> None:
    if head_revision() == "0001":
        pytest.skip("only one revision so far")
    await upgrade(empty_database_url, "0001")
    db = Database.connect(empty_database_url)
    try:
        with pytest.raises(SchemaNotReady) as raised:
            await check_schema(db)
    finally:
        await db.dispose()
    assert raised.value.messages[0].id == "db.error.outdated"


def test_the_configuration_needs_no_ini_file_and_hides_nothing_in_interpolation() -> None:
    config = alembic_config("postgresql://user:p%40ss@localhost/db")
    assert config.config_file_name is None
    assert config.get_main_option("script_location") == "storage:migrations"
    assert config.attributes["database_url"] == "postgresql+asyncpg://user:p%40ss@localhost/db"
