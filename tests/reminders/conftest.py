"""The province of tests/bot/oversight_world.py with reminders: a pass on a controllable clock, the
outbox rows it queued per chat."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import bot.reminders.passes
from bot.app import KNOWN_CAPABILITIES
from bot.outbox import Outbox
from bot.reminders.passes import PassReport, ReminderPass
from storage.db import Database
from storage.models import OutboxMessage, Reminder
from tests.bot.oversight_world import SMALL, Province, build_province, use_small_outline

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HCM)


def reminder_pass(database: Database, **kwargs: object) -> ReminderPass:
    outbox = Outbox(database, capabilities=KNOWN_CAPABILITIES, zone=HCM)
    return ReminderPass(database, outbox, KNOWN_CAPABILITIES, HCM, **kwargs)  # type: ignore[arg-type]


async def run_pass(database: Database, at: datetime, **kwargs: object) -> PassReport:
    return await reminder_pass(database, **kwargs).run(at)


async def queued(database: Database) -> dict[str, list[str]]:
    """The texts queued in the outbox, per chat, in order."""
    async with database.session() as session:
        statement = select(OutboxMessage.chat_id, OutboxMessage.body).order_by(OutboxMessage.id)
        rows = (await session.execute(statement)).all()
    found: dict[str, list[str]] = {}
    for chat_id, body in rows:
        found.setdefault(chat_id, []).append(body)
    return found


async def reminders(database: Database) -> list[tuple[str, str, int | None, str]]:
    async with database.session() as session:
        rows = await session.execute(
            select(Reminder.kind, Reminder.slot, Reminder.outbox_id, Reminder.outcome).order_by(Reminder.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.fixture
async def province(database: Database, monkeypatch: pytest.MonkeyPatch) -> Province:
    use_small_outline(monkeypatch)
    monkeypatch.setattr(bot.reminders.passes, "get_outline", lambda *args, **kwargs: SMALL)
    return await build_province(database)
