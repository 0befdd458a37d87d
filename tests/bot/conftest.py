"""A small unit tree with a campaign and invite codes, and a member typing through the service."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.i18n import translate
from bot.service import Inbound, Outbound, ReportService
from dialogs.events import Incoming
from storage.campaigns import create_campaign
from storage.invites import create_invite
from storage.units import UnitRow, import_units
from tests.secret import SECRET

UNITS = [
    UnitRow(line=2, code="T", name="Tỉnh Mẫu", level="tinh", parent_code=None),
    UnitRow(line=3, code="H", name="Huyện Mẫu", level="huyen", parent_code="T"),
    UnitRow(line=4, code="X1", name="Xã Một", level="xa", parent_code="H"),
    UnitRow(line=5, code="X2", name="Xã Hai", level="xa", parent_code="H"),
]


def text_of(outbound: Outbound | None) -> str:
    assert outbound is not None
    return "\n\n".join(translate(msg, outbound.locale) for reply in outbound.replies for msg in reply.body)


class Cadre:
    """A member typing into the bot through the service, as a channel would deliver it."""

    def __init__(self, service: ReportService, user_id: str, channel: str = "telegram") -> None:
        self.service, self.user_id, self.channel = service, user_id, channel
        self.update = 0

    async def send(
        self, text: str = "", action: str | None = None, update_id: str | None = None
    ) -> Outbound | None:
        self.update += 1
        inbound = Inbound(
            channel=self.channel,
            user_id=self.user_id,
            chat_id=self.user_id,
            incoming=Incoming(text=text, action=action),
            update_id=update_id or f"{self.user_id}-{self.update}",
        )
        return await self.service.handle(inbound)

    async def says(self, text: str) -> str:
        return text_of(await self.send(text))

    async def says_action(self, action: str) -> str:
        """Presses a button with this action (or forges one)."""
        return text_of(await self.send(action=action))


@pytest.fixture
async def world(database):  # type: ignore[no-untyped-def]
    await import_units(database, UNITS)
    now = datetime.now(UTC)
    async with database.session() as session, session.begin():
        await create_campaign(
            session,
            "ct30-20nam",
            1,
            "Tổng kết 20 năm Chỉ thị 30",
            "T",
            # The province's own report goes to the Centre outside this campaign: no deadline for "tinh".
            {"xa": date(2030, 6, 30), "huyen": date(2030, 7, 30)},
        )
        codes = {
            "X1": await create_invite(session, "X1", "reporter", uses=2, days=30, now=now, secret=SECRET),
            "X2": await create_invite(session, "X2", "reporter", uses=1, days=30, now=now, secret=SECRET),
            "H": await create_invite(session, "H", "supervisor", uses=5, days=30, now=now, secret=SECRET),
            "T": await create_invite(session, "T", "supervisor", uses=5, days=30, now=now, secret=SECRET),
        }
    return database, codes
