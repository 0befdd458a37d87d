"""`baocao rollup`: the operator drafts a district's own report from its communes' reports and reads
what was filled and what is left; refused where it would overwrite or has nothing to stand on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from storage.db import Database
from storage.models import Answer as AnswerRow
from storage.models import AnswerRevision, Submission
from tests.cli.test_admin_cli import assert_one_line_error, baocao, run_all
from tests.compile.test_gather import answered_world


async def test_the_operator_drafts_a_district_and_reads_what_was_filled(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    world = await answered_world(database)
    made = baocao(database_url, tmp_path, "rollup", "--unit", "qt-hl")
    assert made.code == 0, made
    assert made.out[0] == (
        "Đã tạo bản nháp báo cáo của Huyện ủy Hải Lăng: điền 2 câu từ báo cáo của 1/3 đơn vị "
        "trực thuộc đã nộp."
    )
    shown = "\n".join(made.out)
    # Hải An is the one commune in (Hải Chánh's was returned, Hải Ba's is a draft): its 5, its narrative.
    assert made.out[1].startswith("  1.1. Công tác tuyên truyền") and made.out[1].endswith("?: 1 đơn vị")
    assert made.out[2].startswith("  Câu 2  Số hội nghị") and made.out[2].endswith(
        ": 5 hội nghị, buổi (1 đơn vị)"
    )
    assert "Cần tự trả lời" in shown and "chưa đơn vị nào trả lời" in shown
    assert (
        made.out[-1] == "⚠️ Còn 2 đơn vị chưa nộp: số liệu chỉ cộng từ các đơn vị đã nộp. "
        "Anh/chị kiểm tra lại trước khi nộp."
    )

    async with database.session() as session:
        district = await session.scalar(
            select(Submission).where(
                Submission.unit_id == world.units["QT-HL"].id, Submission.campaign_id == world.campaign.id
            )
        )
        assert district is not None and district.status == "draft" and district.answered_count == 2
        answers = dict(
            (
                await session.execute(
                    select(AnswerRow.question_id, AnswerRow.value).where(
                        AnswerRow.submission_id == district.id
                    )
                )
            ).all()  # type: ignore[arg-type]
        )
        assert answers == {
            "so_hoi_nghi_tt": 5,
            "tt_tuyen_truyen": "Đảng ủy xã Hải An: Hải An tuyên truyền qua loa truyền thanh.",
        }
        authors = (
            await session.scalars(
                select(AnswerRevision.member_id).where(AnswerRevision.submission_id == district.id)
            )
        ).all()
        assert authors == [None, None]  # the operator

    again, province, commune, forced, unknown = run_all(
        database_url,
        tmp_path,
        [
            ["rollup", "--unit", "QT-HL"],
            ["rollup", "--unit", "QT"],
            ["rollup", "--unit", "HL-HA"],
            ["rollup", "--unit", "QT-HL", "--force"],
            ["rollup", "--unit", "QT-XX"],
        ],
    )
    assert_one_line_error(
        again,
        "Báo cáo của Huyện ủy Hải Lăng đã có 2 câu trả lời. "
        "Thêm --force để điền lại các câu bản nháp điền được.",
    )
    assert_one_line_error(
        province,
        f"Đợt {world.campaign.id} không có hạn nộp cho cấp của Tỉnh ủy Quảng Trị, nên Tỉnh ủy Quảng Trị "
        "không có báo cáo riêng để tạo bản nháp.",
    )
    assert_one_line_error(commune, "Đảng ủy xã Hải An không có đơn vị trực thuộc để tạo bản nháp.")
    assert forced.code == 0, forced
    assert unknown.code == 1 and len(unknown.err) == 1 and unknown.out == []

    # Once the district has submitted, not even --force writes over its report.
    async with database.session() as session, session.begin():
        await session.execute(
            update(Submission).where(Submission.id == district.id).values(status="submitted")
        )
    assert_one_line_error(
        baocao(database_url, tmp_path, "rollup", "--unit", "QT-HL", "--force"),
        "Báo cáo của Huyện ủy Hải Lăng đã nộp; không tạo bản nháp đè lên báo cáo đã nộp.",
    )


async def test_a_grassroots_unit_has_nothing_to_draft_from(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    await answered_world(database)
    assert_one_line_error(
        baocao(database_url, tmp_path, "rollup", "--unit", "HL-HB"),
        "Đảng ủy xã Hải Ba không có đơn vị trực thuộc để tạo bản nháp.",
    )
