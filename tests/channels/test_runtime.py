"""The runtime: one database per process, channels registered in it, rendering for any channel."""

from __future__ import annotations

import io

import httpx
import pytest
from sqlalchemy import select

from bot.app import runtime
from bot.channels.terminal import CHANNEL as TERMINAL
from bot.channels.terminal import TerminalSender
from bot.config import Settings
from bot.service import Outbound
from bot.web import NoSecretKey, create_app
from dialogs.events import Button, Msg, Reply
from storage.models import OutboxMessage
from storage.transaction import turn_transaction
from tests.secret import SECRET


def settings_for(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url, outbox_poll_seconds=0.05)  # type: ignore[call-arg]


async def test_the_service_the_outbox_and_the_web_app_share_the_one_database(database_url: str) -> None:
    settings = settings_for(database_url)
    async with runtime(settings, with_telegram=False) as running:
        assert running.service.db is running.db and running.outbox.db is running.db
        app = create_app(settings, running=running)
        async with app.router.lifespan_context(app):
            assert app.state.runtime is running
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
                assert (await http.get("/healthz")).json() == {"status": "ok", "channels": {}}
                assert (await http.post("/telegram/webhook")).status_code == 404, "Telegram not registered"


async def test_the_web_app_alone_builds_its_runtime_for_its_lifetime(database_url: str) -> None:
    app = create_app(settings_for(database_url))
    async with app.router.lifespan_context(app):
        assert "telegram" not in app.state.runtime.channels, "no token: no Telegram"
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            assert (await http.get("/healthz")).status_code == 200


async def test_replies_for_a_telegram_member_render_in_a_process_that_does_not_send_to_telegram(
    database_url: str,
) -> None:
    """A scheduler or compiler renders for members of every channel: capabilities are static."""
    async with runtime(settings_for(database_url), with_telegram=False) as running:
        assert "telegram" not in running.channels
        assert running.channels.capabilities("telegram").buttons
        reply = Reply(
            body=(Msg("service.language_set"),), buttons=((Button(Msg("Câu tiếp"), "n:x", "tiep"),),)
        )
        queued = running.outbox.within("telegram")
        async with turn_transaction(running.db) as scope:
            await queued(scope.connection, Outbound("42", "vi", (reply,)))
        running.outbox.dispatch(queued)
        async with running.db.session() as session:
            [row] = (await session.execute(select(OutboxMessage))).scalars()
    assert row.channel == "telegram" and row.status == "pending", "queued for a Telegram process to send"
    assert row.buttons == [[["Câu tiếp", "n:x"]]], "rendered with Telegram's buttons, not typed options"


async def test_the_terminal_is_a_sender_registered_in_the_runtime(database_url: str) -> None:
    out = io.StringIO()
    sender = TerminalSender(out, interactive=False)
    async with runtime(
        settings_for(database_url), with_telegram=False, senders={TERMINAL: sender}
    ) as running:
        assert running.channels[TERMINAL].sender is sender
        assert not running.channels.capabilities(TERMINAL).buttons
        with pytest.raises(KeyError):
            running.channels.capabilities("zalo_carrier_pigeon")


async def test_replies_show_local_time_in_the_configured_timezone(database_url: str) -> None:
    """BAOCAO_TIMEZONE decides how the receipt's time reads, for every channel the outbox renders."""
    from datetime import UTC, datetime

    moment = datetime(2018, 6, 20, 2, 5, tzinfo=UTC)
    reply = Reply(
        body=(Msg("engine.submit.receipt", {"time": moment, "unit": "Xã Một", "version": 1, "code": "AB12"}),)
    )
    shown: dict[str, str] = {}
    for zone in ("Asia/Ho_Chi_Minh", "UTC"):
        settings = Settings(_env_file=None, database_url=database_url, timezone=zone)  # type: ignore[call-arg]
        async with runtime(settings, with_telegram=False) as running:
            queued = running.outbox.within("telegram")
            async with turn_transaction(running.db) as scope:
                await queued(scope.connection, Outbound("42", "vi", (reply,)))
            async with running.db.session() as session:
                rows = (
                    await session.execute(select(OutboxMessage.body).order_by(OutboxMessage.id))
                ).scalars()
                shown[zone] = list(rows)[-1]
    assert "09:05 20/06/2018" in shown["Asia/Ho_Chi_Minh"]
    assert "02:05 20/06/2018" in shown["UTC"]


@pytest.mark.parametrize("key", [None, "", "short-key"])
def test_the_web_app_alone_will_not_take_telegrams_updates_without_a_secret_key(key: str | None) -> None:
    settings = Settings(_env_file=None, telegram_token="1:a", secret_key=key)  # type: ignore[call-arg]
    with pytest.raises(NoSecretKey, match="BAOCAO_SECRET_KEY"):
        create_app(settings)
    assert create_app(Settings(_env_file=None, telegram_token="1:a", secret_key=SECRET))  # type: ignore[call-arg]
