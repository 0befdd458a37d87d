"""The district's own report, drafted from its communes' reports: offered on "/baocao", written on
yes as the official's own answers, edited and submitted upward like any report; the province's
roll-up then reads the district's edited figure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

import bot.service
import storage.oversight
from storage.compiled import gather
from storage.db import Database
from storage.models import Member, Submission, Unit
from storage.turns import answer_history
from storage.units import unit_by_code
from tests.bot.conftest import Cadre
from tests.bot.oversight_world import Province, build_province
from tests.dialogs.conftest import DOCUMENT
from tests.dialogs.rollup_outline import ROLLUP


@pytest.fixture
async def province(database: Database, monkeypatch: pytest.MonkeyPatch) -> Province:
    monkeypatch.setattr(bot.service, "get_outline", lambda *args, **kwargs: ROLLUP)
    monkeypatch.setattr(storage.oversight, "get_outline", lambda *args, **kwargs: ROLLUP)
    return await build_province(database)


async def commune_submits(cadre: Cadre, narrative: str, received: str, settled: str = "0") -> None:
    """A commune answers every question (kind: xã) and submits."""
    for text in ("/baocao", "1", narrative, "tiếp", received):
        await cadre.says(text)
    if received not in ("0", "không có"):
        await cadre.says(settled)
    for text in ("4", "2", "có", "nộp", "có", *DOCUMENT, "bỏ qua"):
        said = await cadre.says(text)
    assert "BN-" in said, said


async def two_communes(province: Province, second: str = "7") -> tuple[Cadre, Cadre]:
    first = await province.joined("x11", "X11")
    await commune_submits(first, "Làm tốt.", "5", "4")
    other = await province.joined("x12", "X12")
    await commune_submits(other, "Còn chậm.", second, "0")
    return first, other


async def district(province: Province) -> Cadre:
    cadre = province.cadre("h1")
    assert "Huyện Một" in await cadre.says(province.codes["H1"])
    return cadre


async def submission(database: Database, code: str) -> tuple[int, str]:
    async with database.session() as session:
        row = (
            await session.execute(
                select(Submission.id, Submission.status).join(Unit).where(Unit.code == code)
            )
        ).one()
    return row.id, row.status


async def test_the_district_is_offered_a_draft_and_its_edited_figure_reaches_the_province(
    province: Province,
) -> None:
    await two_communes(province)
    official = await district(province)

    offer = await official.says("/baocao")
    assert "2/2 đơn vị trực thuộc đã nộp báo cáo" in offer
    assert "Tạo bản nháp" in offer

    made = await official.says("có")
    assert "Đã điền sẵn 4 câu từ báo cáo của 2/2 đơn vị đã nộp" in made
    assert "Loại hình đơn vị — không cộng gộp được" in made
    assert "Có đề nghị khen thưởng? — không cộng gộp được" in made
    assert "Số hội nghị — chưa đơn vị nào trả lời" not in made  # both communes answered 2 + 2
    # Then the first question the official answers: the district's own kind.
    assert "Loại hình đơn vị" in made.rsplit("Câu", 1)[-1]

    shown = await official.says("xem 2")
    assert "Xã Một Một: Làm tốt." in shown and "Xã Một Hai: Còn chậm." in shown
    assert "12 đơn" in await official.says("xem 3")

    await official.says("2")  # cấp huyện: "Số thôn" (communes only) is not asked
    await official.says("sửa 3")
    assert "13" in await official.says("13")
    await official.says("có")  # co_khen
    await official.says("nộp")
    await official.says("có")
    for detail in DOCUMENT:
        await official.says(detail)
    assert "BN-" in await official.says("bỏ qua")

    submission_id, status = await submission(province.database, "H1")
    assert status == "submitted"
    async with province.database.session() as session:
        member = await session.scalar(select(Member.id).order_by(Member.id.desc()).limit(1))
        history = await answer_history(session, submission_id, "don_nhan")
        # The draft's figure and the official's edit, each with who wrote it.
        assert [(h["value"], h["member_id"]) for h in history] == [(12, member), (13, member)]
        assert await answer_history(session, submission_id, "so_thon") == []

        province_unit = await unit_by_code(session, "T")
        campaign = await storage.oversight.latest_campaign_for(session, province_unit)  # type: ignore[arg-type]
        compiled = await gather(
            session,
            campaign,
            province_unit,
            datetime.now(UTC),
            source="children",  # type: ignore[arg-type]
        )
    h1 = next(u for u in compiled.units if u.code == "H1")
    assert h1.answers["don_nhan"].value == 13
    assert h1.answers["danh_gia"].value == "Xã Một Một: Làm tốt.\n\nXã Một Hai: Còn chậm."
    assert "so_thon" not in h1.answers


async def test_saying_no_starts_an_empty_report_and_the_draft_can_be_made_later(province: Province) -> None:
    await two_communes(province)
    official = await district(province)
    assert "Tạo bản nháp" in await official.says("/baocao")
    declined = await official.says("không")
    assert "Không tạo bản nháp" in declined
    assert "Loại hình đơn vị" in declined
    submission_id, _ = await submission(province.database, "H1")
    async with province.database.session() as session:
        assert await answer_history(session, submission_id, "don_nhan") == []

    await official.says("2")  # the kind first
    offer = await official.says("tạo bản nháp")
    assert "1 câu anh/chị đã trả lời được giữ nguyên" in offer
    made = await official.says("có")
    assert "Đã điền sẵn 4 câu" in made
    assert "12 đơn" in await official.says("xem 3")


async def test_an_unknown_figure_is_left_to_enter_by_hand(province: Province) -> None:
    await commune_submits(await province.joined("x11", "X11"), "Làm tốt.", "5", "4")
    await commune_submits(await province.joined("x12", "X12"), "Còn chậm.", "chưa thống kê được")
    official = await district(province)
    await official.says("/baocao")
    made = await official.says("có")
    assert "Số đơn thư đã nhận — cần nhập tay: 1 đơn vị chưa có số liệu" in made
    shown = await official.says("xem 3")
    assert "5" not in shown.split("Số đơn thư đã nhận", 1)[1]  # nothing stored as if complete


async def test_the_offer_counts_the_communes_that_have_not_submitted(province: Province) -> None:
    await commune_submits(await province.joined("x11", "X11"), "Làm tốt.", "5", "4")
    official = await district(province)
    assert "1/2 đơn vị trực thuộc đã nộp báo cáo" in await official.says("/baocao")
    made = await official.says("có")
    assert "Còn 1 đơn vị chưa nộp" in made


async def test_no_offer_before_any_commune_submits_nor_to_a_commune(province: Province) -> None:
    official = await district(province)
    started = await official.says("/baocao")
    assert "bản nháp" not in started
    assert "Loại hình đơn vị" in started
    assert "Chưa có gì để điền" in await official.says("/nhap")
    cadre = await province.joined("x11", "X11")
    assert "bản nháp" not in await cadre.says("/baocao")
    assert "chỉ dành cho đơn vị có đơn vị trực thuộc" in await cadre.says("/nhap")


async def test_a_submitted_report_gets_no_draft(province: Province) -> None:
    cadre, _ = await two_communes(province)
    assert "đã nộp nên không tạo bản nháp" in await cadre.says("/nhap")


async def test_a_word_other_than_yes_or_no_asks_again_and_a_command_leaves_the_offer(
    province: Province,
) -> None:
    await two_communes(province)
    official = await district(province)
    await official.says("/baocao")
    assert "trả lời “có” hoặc “không”" in await official.says("để tôi xem đã")
    reviewed = await official.says("xem lại")
    assert "Tạo bản nháp" not in reviewed
    assert "Đã điền" not in await official.says("có")  # the offer was let go: "có" is no yes to it


async def test_the_offer_buttons(province: Province) -> None:
    await two_communes(province)
    official = await district(province)
    offered = await official.send("/baocao")
    assert offered is not None
    actions = [b.action for reply in offered.replies for row in reply.buttons for b in row]
    assert actions == ["dy", "dn"]
    assert "Đã điền sẵn" in await official.says_action("dy")
    # The offer is answered: pressing it again is an old button.
    assert "Đã điền sẵn" not in await official.says_action("dy")
