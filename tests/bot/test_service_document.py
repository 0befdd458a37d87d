"""Through the service and the database: the deadline of the member's level, and a submission stored
with its document details (issue 7, items 8 and 10)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import bot.service
from bot.service import ReportService
from storage.db import Database
from storage.models import Submission, SubmissionDocument
from tests.bot.conftest import Cadre
from tests.bot.test_service_routing import ONE_QUESTION
from tests.dialogs.conftest import DOCUMENT
from tests.secret import SECRET


@pytest.fixture(autouse=True)
def one_question(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.service, "get_outline", lambda *args, **kwargs: ONE_QUESTION)


def days_to(deadline: date) -> str:
    """The days left as the bot writes them in Vietnamese ("1.305")."""
    return f"{(deadline - datetime.now(ZoneInfo('Asia/Ho_Chi_Minh')).date()).days:,}".replace(",", ".")


async def test_joining_and_starting_show_the_deadline_of_the_members_level(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    cadre = Cadre(ReportService(database, secret=SECRET), "1001")
    left = f"Hạn nộp: 30/06/2030 (còn {days_to(date(2030, 6, 30))} ngày)"
    welcome = await cadre.says(codes["X1"])
    assert "Chào mừng" in welcome and left in welcome
    assert left in await cadre.says("/baocao")


async def test_a_district_sees_its_own_levels_deadline(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    district = Cadre(ReportService(database, secret=SECRET), "1002")
    assert f"Hạn nộp: 30/07/2030 (còn {days_to(date(2030, 7, 30))} ngày)" in await district.says(codes["H"])


async def test_a_submission_is_stored_with_its_document_and_offered_again(world) -> None:  # type: ignore[no-untyped-def]
    database: Database
    database, codes = world
    cadre = Cadre(ReportService(database, secret=SECRET), "1003")
    await cadre.says(codes["X1"])
    for text in ("/baocao", "Tốt.", "tiếp", "nộp", "có", *DOCUMENT):
        await cadre.says(text)
    async with database.session() as session:
        assert (await session.execute(select(Submission.status))).scalar_one() == "draft"
        assert (await session.execute(select(SubmissionDocument))).first() is None
    receipt = await cadre.says("bỏ qua")
    assert "Văn bản: số 12-BC/ĐU, ngày 18/06/2018" in receipt and "Mã biên nhận: BN-" in receipt
    async with database.session() as session:
        stored = (await session.execute(select(SubmissionDocument))).scalar_one()
        assert (stored.version, stored.number, stored.signed_on) == (1, "12-BC/ĐU", "2018-06-18")
        assert (stored.signer_title, stored.signer_name) == ("T/M Đảng ủy, Bí thư", "Nguyễn Văn An")
        assert (stored.drafter_name, stored.drafter_phone) == ("Lê Thị Bình", "0912345678")
        assert stored.attachment is None

    # A correction, resubmitted keeping the same details: version 2 gets its own row.
    for text in ("sửa 1", "Tốt hơn.", "tiếp", "nộp"):
        await cadre.says(text)
    assert "Lần 1 đã nộp với thông tin văn bản sau:" in await cadre.says("có")
    assert "Lần nộp: 2" in await cadre.says("có")
    async with database.session() as session:
        rows = (await session.execute(select(SubmissionDocument.version, SubmissionDocument.number))).all()
    assert sorted(tuple(row) for row in rows) == [(1, "12-BC/ĐU"), (2, "12-BC/ĐU")]
