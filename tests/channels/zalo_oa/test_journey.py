"""The whole journey on the OA: follow, the invite code, a report answered with buttons pressed (as
Zalo sends them: the member's text), submitted; a supervisor's "ai chưa nộp" and "tổng hợp", the Word
report uploaded as a file, the chart as an image and the workbook as a signed link."""

from __future__ import annotations

import pytest

from storage.models import SubmissionDocument
from tests.bot.oversight_world import build_province, use_small_outline
from tests.channels.zalo_oa.conftest import Cadre, OABot
from tests.channels.zalo_oa.fake_oa import file_event, follow_event, text_event
from tests.compile.test_chat_compile import fake_writers
from tests.dialogs.conftest import DOCUMENT


async def test_follow_join_report_submit_then_the_district_sees_and_compiles(
    oa: OABot, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_small_outline(monkeypatch)
    fake_writers(monkeypatch)
    province = await build_province(oa.runtime.db)
    commune = Cadre(oa, "7001000000000001")

    greeting = await commune.send(follow_event(commune.user_id))
    assert "mã mời" in greeting[0].text
    assert "Xã" in await commune.says(province.codes["X11"])
    first = await commune.says("/baocao")
    assert first
    await commune.says("Tốt.")
    await commune.says("tiếp")
    await commune.says("12")
    await commune.says("Không có kiến nghị.")
    asked = await commune.says("tiếp")
    assert asked
    confirm = await commune.says("nộp")
    assert "?" in confirm
    # The member presses "✅ Nộp" under the question: Zalo sends the button's payload as their text.
    yes = commune.button("✅ Nộp")
    assert yes["type"] == "oa.query.show"
    await commune.says(yes["payload"])
    for detail in DOCUMENT:
        await commune.says(detail)
    receipt = await commune.says("bỏ qua")
    assert "BN-" in receipt

    district = Cadre(oa, "7001000000000002")
    assert "Chào mừng" in await district.says(province.codes["H1"])
    missing = await district.says("ai chưa nộp")
    assert "Xã Một Hai" in missing and "Xã Một Một" not in missing  # X11 submitted, X12 not

    started = await district.says("tổng hợp")
    assert "Đang tổng hợp" in started
    await oa.runtime.compiler.wait()
    await oa.fake.until(lambda: any("/files/" in t for t in oa.fake.texts(district.user_id)))
    await oa.fake.until(lambda: len(oa.fake.uploads) == 2)
    await oa.settle()
    uploads = {(kind, name) for kind, name, _ in oa.fake.uploads}
    assert uploads == {("file", "Bao-cao-tong-hop-H1.docx"), ("image", "Tien-do-H1.png")}
    sent = oa.fake.messages(district.user_id)
    assert any(s.message.get("attachment", {}).get("type") == "file" for s in sent)
    texts = "\n".join(s.text for s in sent)
    assert "https://baocao.example.vn/files/" in texts  # the workbook, as a link
    assert "Số liệu tổng hợp của Huyện Một (Excel): https://baocao.example.vn/files/" in texts
    assert "Đã tổng hợp báo cáo của Huyện Một: 1/2 đơn vị đã nộp." in texts


async def test_typed_text_that_looks_like_a_payload_but_is_an_answer_stays_an_answer(oa: OABot) -> None:
    cadre = Cadre(oa, "7001000000000003")
    await cadre.send(text_event(cadre.user_id, oa.world.codes["X1"]))
    said = await cadre.says("ok #1")
    assert said  # answered, never an error


async def test_the_signed_paper_sent_as_a_pdf_is_kept_with_the_submission(
    oa: OABot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select

    from storage.models import Identity

    use_small_outline(monkeypatch)
    province = await build_province(oa.runtime.db)
    commune = Cadre(oa, "7001000000000004")
    await commune.says(province.codes["X12"])
    for text in ("/baocao", "Tốt.", "tiếp", "12", "Không có kiến nghị.", "tiếp", "nộp", "có", *DOCUMENT):
        await commune.says(text)
    url = "https://f21-zpc.zdn.vn/1234/bao-cao-da-ky.pdf"
    sent = await commune.send(file_event(commune.user_id, name="bao-cao-da-ky.pdf", size=182_000, url=url))
    receipt = "\n".join(s.text for s in sent)
    assert "BN-" in receipt
    async with oa.runtime.db.session() as session:
        stored = (await session.execute(select(SubmissionDocument.attachment))).scalars().all()
        seen = (
            await session.execute(
                select(Identity.last_seen_at).where(Identity.external_id == commune.user_id)
            )
        ).scalar()
    assert any(url in str(value) for value in stored)
    assert seen is not None  # "last heard from": the OA may write back for 48 hours


async def test_a_sticker_is_answered_with_what_the_bot_can_read(oa: OABot) -> None:
    cadre = Cadre(oa, "7001000000000005")
    event = text_event(cadre.user_id, "")
    event["event_name"] = "user_send_sticker"
    event["message"] = {"msg_id": "sticker-1", "attachments": [{"type": "sticker", "payload": {"id": "1"}}]}
    said = await cadre.send(event)
    assert "chưa đọc được loại tin nhắn này" in said[0].text
