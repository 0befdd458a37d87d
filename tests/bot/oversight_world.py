"""A province, two districts and three communes on a two-section outline, with invite codes for all.

T (Tỉnh Mẫu) > H1 (Huyện Một) > X11 (Xã Một Một), X12 (Xã Một Hai); T > H2 (Huyện Hai) > X21 (Xã Hai Một).
The campaign's outline is `SMALL`, for the cadres' dialog and for the supervisors' pages alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

import bot.service
import storage.oversight
from bot.i18n import translate
from bot.service import Outbound, ReportService
from dialogs.loader import load_outline
from storage.campaigns import create_campaign
from storage.db import Database
from storage.invites import create_invite
from storage.units import UnitRow, import_units
from tests.bot.conftest import Cadre
from tests.dialogs.conftest import DOCUMENT
from tests.secret import SECRET

SMALL = load_outline(
    """
format: 1
id: ct30-20nam
version: 1
title: {vi: Báo cáo nhỏ, en: Small report}
languages: [vi, en]
sections:
  - id: chung
    title: {vi: Đánh giá chung, en: General}
    questions:
      - id: danh_gia
        type: text
        label: {vi: Đánh giá chung, en: Overall assessment}
      - id: so_hoi_nghi
        type: integer
        label: {vi: Số hội nghị đã tổ chức, en: Conferences held}
  - id: kien_nghi
    title: {vi: Kiến nghị, en: Proposals}
    questions:
      - id: kien_nghi
        type: text
        label: {vi: Kiến nghị, en: Proposals}
"""
)

UNITS = [
    UnitRow(line=2, code="T", name="Tỉnh Mẫu", level="tinh", parent_code=None),
    UnitRow(line=3, code="H1", name="Huyện Một", level="huyen", parent_code="T"),
    UnitRow(line=4, code="X11", name="Xã Một Một", level="xa", parent_code="H1"),
    UnitRow(line=5, code="X12", name="Xã Một Hai", level="xa", parent_code="H1"),
    UnitRow(line=6, code="H2", name="Huyện Hai", level="huyen", parent_code="T"),
    UnitRow(line=7, code="X21", name="Xã Hai Một", level="xa", parent_code="H2"),
]
NAMES = {row.code: row.name for row in UNITS}


def use_small_outline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The campaign collects SMALL: in the cadres' dialog and in the supervisors' pages."""
    monkeypatch.setattr(bot.service, "get_outline", lambda *args, **kwargs: SMALL)
    monkeypatch.setattr(storage.oversight, "get_outline", lambda *args, **kwargs: SMALL)


@dataclass
class Province:
    database: Database
    service: ReportService
    codes: dict[str, str]  # unit code -> invite code (reporter for communes, supervisor above)

    def cadre(self, user_id: str, channel: str = "console") -> Cadre:
        return Cadre(self.service, user_id, channel)

    async def joined(self, user_id: str, unit: str, channel: str = "console") -> Cadre:
        cadre = self.cadre(user_id, channel)
        assert "Chào mừng" in await cadre.says(self.codes[unit])
        return cadre


async def build_province(database: Database, *, with_campaign: bool = True) -> Province:
    await import_units(database, UNITS)
    now = datetime.now(UTC)
    async with database.session() as session, session.begin():
        if with_campaign:
            deadlines = {"xa": date(2030, 6, 30), "huyen": date(2030, 7, 30)}
            await create_campaign(session, "ct30-20nam", 1, "Tổng kết Chỉ thị 30", "T", deadlines)
        codes = {}
        for row in UNITS:
            role = "reporter" if row.level == "xa" else "supervisor"
            codes[row.code] = await create_invite(
                session, row.code, role, uses=5, days=30, now=now, secret=SECRET
            )
    return Province(database, ReportService(database, secret=SECRET), codes)


@pytest.fixture
async def province(database: Database, monkeypatch: pytest.MonkeyPatch) -> Province:
    use_small_outline(monkeypatch)
    return await build_province(database)


def texts(outbound: Outbound | None) -> str:
    assert outbound is not None
    return "\n\n".join(translate(msg, outbound.locale) for reply in outbound.replies for msg in reply.body)


async def submit(cadre: Cadre, assessment: str = "Tốt.", conferences: str = "12") -> str:
    """A commune's cadre answers the three questions and submits, with the document's details."""
    await cadre.says("/baocao")
    await cadre.says(assessment)
    await cadre.says("tiếp")
    await cadre.says(conferences)
    await cadre.says("Không có kiến nghị.")
    await cadre.says("tiếp")
    await cadre.says("nộp")
    await cadre.says("có")
    for detail in DOCUMENT:
        await cadre.says(detail)
    return await cadre.says("bỏ qua")
