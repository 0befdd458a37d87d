"""Gathering a compilation from the database: the reporting units in tree order with the answers of
their submitted version, the groups of the annex, the header from the campaign and the unit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from dialogs.events import Answer
from documents.totals import rows
from storage.compiled import gather, header_for, place_of, set_header
from storage.db import Database
from storage.models import Answer as AnswerRow
from storage.models import Submission, SubmissionDocument
from tests.storage.test_oversight import NOW, World, build_world

LATER = datetime(2018, 7, 20, 3, 0, tzinfo=UTC)


async def answered_world(db: Database) -> World:
    """The oversight world, with answers: Hải An (submitted) 5 meetings, Gio Mỹ (approved) 7 and
    "chưa có số liệu" for the people, Hải Chánh (returned) 9 that must not count."""
    world = await build_world(db)
    async with db.session() as session, session.begin():
        ids = {
            code: await session.scalar(
                select(Submission.id).where(
                    Submission.unit_id == world.units[code].id, Submission.campaign_id == world.campaign.id
                )
            )
            for code in ("HL-HA", "GL-GM", "HL-HC", "HL-HB")
        }
        await session.execute(
            update(Submission).where(Submission.id.in_([ids["HL-HA"], ids["GL-GM"]])).values(submitted_at=NOW)
        )

        def answer(code: str, question: str, value: object) -> dict:
            return {"submission_id": ids[code], "question_id": question, "value": value, "updated_at": NOW}

        await session.execute(
            insert(AnswerRow),
            [
                answer("HL-HA", "so_hoi_nghi_tt", 5),
                answer("HL-HA", "tt_tuyen_truyen", "Hải An tuyên truyền qua loa truyền thanh."),
                answer("GL-GM", "so_hoi_nghi_tt", 7),
                answer("GL-GM", "luot_nguoi_tham_du", {"unknown": True}),
                answer("GL-GM", "tt_tuyen_truyen", "Gio Mỹ họp thôn."),
                answer("HL-HC", "so_hoi_nghi_tt", 9),
                answer("HL-HB", "so_hoi_nghi_tt", 11),
            ],
        )
        await session.execute(
            insert(SubmissionDocument).values(
                submission_id=ids["HL-HA"],
                version=1,
                number="12-BC/ĐU",
                signed_on="2018-06-28",
                signer_title="Bí thư",
                signer_name="Lê Văn A",
                drafter_name="Trần B",
                drafter_phone="0912345678",
            )
        )
    return world


async def test_a_province_gathers_its_grassroots_units_in_tree_order(database: Database) -> None:
    world = await answered_world(database)
    seen: list[tuple[int, int]] = []
    async with database.session() as session:
        compiled = await gather(
            session, world.campaign, world.units["QT"], LATER, progress=lambda d, t: seen.append((d, t))
        )
    assert [(u.code, u.parent_code, u.status) for u in compiled.units] == [
        ("QT-CC", "QT", "none"),
        ("GL-GM", "QT-GL", "approved"),
        ("HL-HA", "QT-HL", "submitted"),
        ("HL-HB", "QT-HL", "draft"),
        ("HL-HC", "QT-HL", "returned"),
        ("QT-ĐK", "QT", "draft"),
    ]
    by_code = {u.code: u for u in compiled.units}
    assert by_code["HL-HA"].answers["so_hoi_nghi_tt"] == Answer(5)
    assert by_code["HL-HA"].document is not None and by_code["HL-HA"].document.number == "12-BC/ĐU"
    assert by_code["HL-HA"].submitted_at == NOW and by_code["HL-HA"].version == 1
    # A draft or a returned report: its status, never its answers.
    assert by_code["HL-HC"].answers == {} and by_code["HL-HB"].answers == {}
    assert [u.code for u in compiled.missing] == ["QT-CC", "HL-HB", "HL-HC", "QT-ĐK"]
    assert [(g.code, g.units) for g in compiled.groups] == [
        ("QT-CC", ("QT-CC",)),
        ("QT-GL", ("GL-GM",)),
        ("QT-HL", ("HL-HA", "HL-HB", "HL-HC")),
        ("QT-ĐK", ("QT-ĐK",)),
    ]
    groups, overall = rows(compiled)
    assert overall.totals["so_hoi_nghi_tt"].value == 12  # 5 + 7; the returned 9 and the draft 11 are not in
    assert overall.totals["luot_nguoi_tham_du"].unknown == 1
    assert [g.totals["so_hoi_nghi_tt"].value for g in groups] == [0, 7, 5, 0]
    assert seen[-1] == (6, 6)
    assert compiled.campaign_title == "Tổng kết 20 năm Chỉ thị 30" and compiled.generated_at == LATER
    # Quảng Bình is outside.
    assert "QB-01" not in by_code


async def test_a_district_groups_each_commune_and_a_commune_is_its_own_group(database: Database) -> None:
    world = await answered_world(database)
    async with database.session() as session:
        district = await gather(session, world.campaign, world.units["QT-HL"], LATER)
        commune = await gather(session, world.campaign, world.units["HL-HA"], LATER)
    assert [(g.code, g.units) for g in district.groups] == [
        ("HL-HA", ("HL-HA",)),
        ("HL-HB", ("HL-HB",)),
        ("HL-HC", ("HL-HC",)),
    ]
    assert [u.code for u in commune.units] == ["HL-HA"]
    assert [(g.code, g.units) for g in commune.groups] == [("HL-HA", ("HL-HA",))]


async def test_children_compiles_the_units_right_under(database: Database) -> None:
    world = await answered_world(database)
    async with database.session() as session:
        compiled = await gather(session, world.campaign, world.units["QT"], LATER, source="children")
    assert [(u.code, u.status) for u in compiled.units] == [
        ("QT-CC", "none"),
        ("QT-GL", "none"),
        ("QT-HL", "none"),
        ("QT-ĐK", "draft"),
    ]
    assert [(g.code, g.units) for g in compiled.groups][2] == ("QT-HL", ("QT-HL",))


async def test_the_header_defaults_from_the_unit_and_is_set_per_campaign(database: Database) -> None:
    world = await build_world(database)
    district = world.units["QT-HL"]
    async with database.session() as session:
        header = await header_for(session, world.campaign.id, district)
    assert header.committee == "HUYỆN ỦY HẢI LĂNG"
    assert header.place == "Hải Lăng"
    assert header.on_behalf == "T/M BAN THƯỜNG VỤ"
    assert header.recipients == ("- Ban Thường vụ Tỉnh ủy Quảng Trị (b/c),", "- Lưu Văn phòng.")
    async with database.session() as session, session.begin():
        assert await set_header(
            session,
            world.campaign.id,
            {"committee": "ĐẢNG BỘ HUYỆN HẢI LĂNG", "number": "Số 85-BC/HU", "signer_title": "PHÓ BÍ THƯ"},
            ["- Tỉnh ủy (b/c),", "- Lưu."],
        )
        assert not await set_header(session, 999, {"place": "X"}, None)
    async with database.session() as session:
        header = await header_for(session, world.campaign.id, district)
    assert (header.committee, header.number, header.signer_title, header.place) == (
        "ĐẢNG BỘ HUYỆN HẢI LĂNG",
        "Số 85-BC/HU",
        "PHÓ BÍ THƯ",
        "Hải Lăng",
    )
    assert header.recipients == ("- Tỉnh ủy (b/c),", "- Lưu.")
    async with database.session() as session, session.begin():
        await set_header(session, world.campaign.id, {"committee": ""}, None)
    async with database.session() as session:
        assert (await header_for(session, world.campaign.id, district)).committee == "HUYỆN ỦY HẢI LĂNG"


def test_place_of_a_unit_name() -> None:
    assert place_of("Đảng ủy xã Hải Ba") == "Hải Ba"
    assert place_of("Tỉnh ủy Quảng Trị") == "Quảng Trị"
    assert place_of("Cơ quan X") == "Cơ quan X"


async def test_the_default_is_the_childrens_reports_once_one_of_them_is_in(database: Database) -> None:
    from bot.compiling import read

    world = await answered_world(database)
    province = world.units["QT"]
    async with database.session() as session:
        before, _ = await read(session, world.campaign, province, LATER, LATER.date())
    assert len(before.units) == 6  # no district has reported: every grassroots unit
    async with database.session() as session, session.begin():
        await session.execute(
            insert(Submission).values(
                campaign_id=world.campaign.id,
                unit_id=world.units["QT-HL"].id,
                status="submitted",
                version=2,
                submitted_version=2,
                submitted_at=LATER,
            )
        )
        await session.execute(
            insert(AnswerRow).values(
                submission_id=select(Submission.id)
                .where(Submission.unit_id == world.units["QT-HL"].id)
                .scalar_subquery(),
                question_id="so_hoi_nghi_tt",
                value=20,
                updated_at=LATER,
            )
        )
    async with database.session() as session:
        after, counts = await read(session, world.campaign, province, LATER, LATER.date())
        grassroots, _ = await read(
            session, world.campaign, province, LATER, LATER.date(), source="grassroots"
        )
    assert [(u.code, u.status) for u in after.reported] == [("QT-HL", "submitted")]
    assert after.reported[0].answers == {"so_hoi_nghi_tt": Answer(20)} and after.reported[0].version == 2
    assert [c.code for c in counts] == ["QT-CC", "QT-GL", "QT-HL", "QT-ĐK"]
    assert len(grassroots.units) == 6
