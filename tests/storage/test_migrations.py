"""Migrations create exactly the tables of storage/models.py, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, bindparam, text
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
from storage.models import Base, UTCDateTime
from storage.turns import answer_history


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


async def test_revisions_written_before_0003_keep_their_whole_values(empty_database_url: str) -> None:
    await upgrade(empty_database_url, "0002")
    db = Database.connect(empty_database_url)
    now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    at = bindparam("now", type_=UTCDateTime())
    statements = [
        text(
            "INSERT INTO units (id, code, name, level, parent_id, path, depth) "
            "VALUES (1, 'X', 'Xã', 'xa', NULL, '/1/', 0)"
        ),
        text(
            "INSERT INTO campaigns (id, outline_id, outline_version, title, root_unit_id, created_at) "
            "VALUES (1, 'ct30-20nam', 1, 'Tổng kết', 1, :now)"
        ).bindparams(at),
        text(
            "INSERT INTO submissions (id, campaign_id, unit_id, status, version, answered_count) "
            "VALUES (1, 1, 1, 'draft', 1, 1)"
        ),
    ]
    revision = text(
        "INSERT INTO answer_revisions (submission_id, question_id, submission_version, value, skipped, "
        "created_at) VALUES (1, 'q1', 1, :value, false, :now)"
    ).bindparams(bindparam("value", type_=JSON()), at)
    try:
        async with db.engine.begin() as connection:
            for statement in statements:
                await connection.execute(statement, {"now": now})
            for value in ("Có.", "Có. Hai lần."):  # the old way: each revision holds the whole answer
                await connection.execute(revision, {"value": value, "now": now})
    finally:
        await db.dispose()
    assert await upgrade(empty_database_url) == head_revision()
    db = Database.connect(empty_database_url)
    try:
        async with db.session() as session:
            history = await answer_history(session, 1, "q1")
    finally:
        await db.dispose()
    assert [revision["value"] for revision in history] == ["Có.", "Có. Hai lần."]
