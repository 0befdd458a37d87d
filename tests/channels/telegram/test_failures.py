"""Real database failures in the middle of a turn: a dropped connection, a value the database refuses."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, text

import bot.service
from bot.channels.polling import GIVE_UP_AFTER, NotApplied
from bot.outbox import QueuedReplies
from storage.hot import Sql
from storage.models import Answer
from tests.channels.telegram.conftest import Bot, Cadre
from tests.channels.telegram.fake_bot_api import text_update

RETRY_WORDS = "gửi lại"


async def joined(bot: Bot, user_id: int = 101) -> Cadre:
    cadre = Cadre(bot, user_id)
    assert "Chào mừng" in await cadre.says(f"/start {bot.world.codes['X1']}")
    await cadre.says("/baocao")
    return cadre


async def stored(bot: Bot) -> dict[str, Any]:
    async with bot.runtime.db.session() as session:
        return {row.question_id: row.value for row in (await session.execute(select(Answer))).scalars()}


def break_turns_saying(monkeypatch: pytest.MonkeyPatch, words: str, breaking: Any, times: int) -> list[int]:
    """The turn storing an answer with `words` runs `breaking(executor)` before saving, `times` times."""
    real_save = bot.service.save_turn
    left = [times]

    async def save_turn(conn: Any, **kwargs: Any) -> Any:
        if left[0] and words in repr(kwargs["effects"]):
            left[0] -= 1
            await breaking(conn)
        return await real_save(conn, **kwargs)

    monkeypatch.setattr(bot.service, "save_turn", save_turn)
    return left


async def test_a_postgresql_connection_dropped_mid_turn_is_delivered_again_and_applied_once(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    if bot.runtime.db.is_sqlite:
        pytest.skip("PostgreSQL: a server connection to drop")
    cadre = await joined(bot)

    async def drop_this_connection(conn: Any) -> None:
        # The turn's own backend, ended from outside as a server restart or a proxy would.
        [(pid,)] = await conn.fetch(Sql("SELECT pg_backend_pid()"), {})
        async with bot.runtime.db.engine.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await other.commit()

    # Dropped as many times as a bug would be allowed: a dropped connection must not count.
    left = break_turns_saying(monkeypatch, "hội nghị", drop_this_connection, GIVE_UP_AFTER + 1)
    raw = text_update(cadre.user_id, "Đã tổ chức 3 hội nghị", update_id=bot.api.next_update_id())
    for _ in range(GIVE_UP_AFTER + 1):
        with pytest.raises(NotApplied):
            await cadre.deliver(dict(raw))
    assert left == [0] and "tt_tuyen_truyen" not in await stored(bot)
    await cadre.deliver(dict(raw))  # Telegram delivers it again once more: the database is back
    await cadre.deliver(dict(raw))  # and a late duplicate changes nothing
    replies = [call.params["text"] for call in await cadre.replies()]
    assert len(replies) == 1 and RETRY_WORDS not in replies[0], "one reply, never 'send it again'"
    assert (await stored(bot))["tt_tuyen_truyen"] == "Đã tổ chức 3 hội nghị", "applied once"


async def test_a_sqlite_lock_held_past_the_timeout_is_delivered_again_without_counting(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not bot.runtime.db.is_sqlite:
        pytest.skip("SQLite: its driver's own OperationalError")
    cadre = await joined(bot)

    async def locked(conn: Any) -> None:
        import sqlite3

        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = 5  # type: ignore[attr-defined] # SQLITE_BUSY, as the driver sets it
        raise error

    break_turns_saying(monkeypatch, "hội nghị", locked, GIVE_UP_AFTER + 1)
    raw = text_update(cadre.user_id, "Đã tổ chức 3 hội nghị", update_id=bot.api.next_update_id())
    for _ in range(GIVE_UP_AFTER + 1):
        with pytest.raises(NotApplied):
            await cadre.deliver(dict(raw))
    await cadre.deliver(dict(raw))
    replies = [call.params["text"] for call in await cadre.replies()]
    assert len(replies) == 1 and RETRY_WORDS not in replies[0]
    assert (await stored(bot))["tt_tuyen_truyen"] == "Đã tổ chức 3 hội nghị"


@pytest.mark.parametrize("via", ["driver", "sqlalchemy"])
async def test_a_value_the_database_refuses_is_reported_once_and_polling_moves_on(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, via: str
) -> None:
    cadre = await joined(bot)
    # A data error raised by the database itself: text where a number goes on PostgreSQL, malformed
    # JSON on SQLite. Trying it again gives the same error every time. It reaches the runner straight
    # from the driver (the hot path) or wrapped by SQLAlchemy (the rest of a turn).
    refused = "SELECT json('{')" if bot.runtime.db.is_sqlite else "SELECT CAST('mười hai' AS integer)"
    marked: list[bool] = []

    async def refuse(conn: Any) -> None:
        if via == "driver":
            await conn.fetch(Sql(refused), {})
        marked.append(True)

    class RefusingReplies(QueuedReplies):
        async def __call__(self, session: Any, outbound: Any) -> None:
            if marked:
                marked.clear()
                await session.execute(text(refused))
            await super().__call__(session, outbound)

    outbox = bot.runtime.outbox
    monkeypatch.setattr(outbox, "within", lambda channel: RefusingReplies(outbox, channel))
    break_turns_saying(monkeypatch, "hỏng", refuse, times=100)
    api = bot.api
    bad = api.push_update(text_update(cadre.user_id, "Câu trả lời hỏng"))
    stop = asyncio.Event()
    polling = asyncio.create_task(bot.runtime.telegram.poll(stop, timeout=1))
    try:
        await api.until(lambda: api.confirmed_below > bad, timeout=20)
        after = api.push_update(text_update(cadre.user_id, "Câu trả lời đúng"))
        await api.until(lambda: api.confirmed_below > after, timeout=20)
    finally:
        stop.set()
        await polling
    said = [call.params["text"] for call in await cadre.replies()]
    assert sum(RETRY_WORDS in words for words in said) == 1, "the member is told once"
    assert (await stored(bot))["tt_tuyen_truyen"] == "Câu trả lời đúng", "the next message went through"
    offsets = [int(call.params.get("offset", 0)) for call in api.calls_of("getUpdates")]
    assert offsets.count(bad) == GIVE_UP_AFTER - 1, "fetched again after each failed try, then let go"
    assert offsets[-1] > after
