"""What a supervisor reads about a subtree: who is done, who is late, how far each unit got, who to call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, insert

from dialogs.builtin import get_outline
from dialogs.progress import Progress
from storage.campaigns import CampaignSummary, all_campaigns, create_campaign
from storage.db import Database
from storage.models import Identity, Member, Membership, Submission
from storage.oversight import (
    Contact,
    Counts,
    MissingGroup,
    MissingUnit,
    find_unit,
    latest_campaign_for,
    missing_page,
    missing_units,
    progress_report,
)
from storage.units import UnitRow, UnitView, import_units, unit_by_code

NOW = datetime(2018, 7, 1, 2, 0, tzinfo=UTC)
TODAY = date(2018, 7, 1)  # the communes' deadline (30/6) has passed, the districts' (30/7) has not
OUTLINE = get_outline("ct30-20nam", 1)
ALL_SECTIONS = [section.id for section in OUTLINE.sections]
BEFORE_ANY = Progress.of(OUTLINE, {}).required_count

# A province with two districts of communes, a district with no commune under it (so it reports as
# a grassroots unit itself), and a commune right under the province (as since 2025); and another
# province, outside the campaign.
UNITS = [
    UnitRow(2, "QT", "Tỉnh ủy Quảng Trị", "tinh", None),
    UnitRow(3, "QT-HL", "Huyện ủy Hải Lăng", "huyen", "QT"),
    UnitRow(4, "HL-HB", "Đảng ủy xã Hải Ba", "xa", "QT-HL"),
    UnitRow(5, "HL-HA", "Đảng ủy xã Hải An", "xa", "QT-HL"),
    UnitRow(6, "HL-HC", "Đảng ủy xã Hải Chánh", "xa", "QT-HL"),
    UnitRow(7, "QT-GL", "Huyện ủy Gio Linh", "huyen", "QT"),
    UnitRow(8, "GL-GM", "Đảng ủy xã Gio Mỹ", "xa", "QT-GL"),
    UnitRow(9, "QT-CC", "Huyện ủy Cồn Cỏ", "huyen", "QT"),
    UnitRow(10, "QT-ĐK", "Đảng ủy xã Đakrông", "xa", "QT"),
    UnitRow(11, "QB", "Tỉnh ủy Quảng Bình", "tinh", None),
    UnitRow(12, "QB-01", "Đảng ủy xã Quảng Bình 1", "xa", "QB"),
]


@dataclass(frozen=True)
class World:
    db: Database
    campaign: CampaignSummary
    units: dict[str, UnitView]


async def unit(db: Database, code: str) -> UnitView:
    async with db.session() as session:
        found = await unit_by_code(session, code)
    assert found is not None
    return found


async def build_world(db: Database) -> World:
    """The province above in a campaign on ct30-20nam v1, with its communes at every stage:
    Hải An submitted, Gio Mỹ approved, Hải Ba working (3 answered), Hải Chánh returned, Đakrông
    opened the report and answered nothing, Cồn Cỏ never opened it."""
    await import_units(db, UNITS)
    units = {row.code: await unit(db, row.code) for row in UNITS}
    async with db.session() as session, session.begin():
        campaign_id = await create_campaign(
            session,
            "ct30-20nam",
            1,
            "Tổng kết 20 năm Chỉ thị 30",
            "QT",
            {"xa": date(2018, 6, 30), "huyen": date(2018, 7, 30)},
            now=NOW,
        )

        def submission(
            code: str, status: str, answered: int, sections: list[str] | None, **more: object
        ) -> dict:
            return {
                "campaign_id": campaign_id,
                "unit_id": units[code].id,
                "status": status,
                "version": 1,
                "answered_count": answered,
                "required_count": 30 if answered else 0,
                "sections_answered": sections,
                "last_activity_at": NOW,
                **more,
            }

        await session.execute(
            insert(Submission),
            [
                submission("HL-HA", "submitted", 30, ALL_SECTIONS, submitted_version=1),
                submission("GL-GM", "approved", 30, ALL_SECTIONS, submitted_version=1),
                submission("HL-HB", "draft", 3, ALL_SECTIONS[:1]),
                submission(
                    "HL-HC",
                    "returned",
                    25,
                    ALL_SECTIONS[:2],
                    submitted_version=1,
                    returned_comment="Bổ sung số liệu.",
                ),
                submission("QT-ĐK", "draft", 0, None),
            ],
        )
        people = {}
        for name in ("Chị Lan", "Anh Minh", "Ông Tỉnh"):
            people[name] = await session.scalar(
                insert(Member).values(display_name=name, created_at=NOW).returning(Member.id)
            )
        await session.execute(
            insert(Identity),
            [
                {"member_id": people["Chị Lan"], "channel": "telegram", "external_id": "1"},
                {"member_id": people["Chị Lan"], "channel": "console", "external_id": "lan"},
                {"member_id": people["Anh Minh"], "channel": "zalo_bot", "external_id": "2"},
                {"member_id": people["Ông Tỉnh"], "channel": "telegram", "external_id": "3"},
            ],
        )
        await session.execute(
            insert(Membership),
            [
                {
                    "member_id": people["Chị Lan"],
                    "unit_id": units["HL-HB"].id,
                    "role": "reporter",
                    "created_at": NOW,
                },
                {
                    "member_id": people["Anh Minh"],
                    "unit_id": units["HL-HC"].id,
                    "role": "reporter",
                    "created_at": NOW,
                },
                {
                    "member_id": people["Ông Tỉnh"],
                    "unit_id": units["QT"].id,
                    "role": "supervisor",
                    "created_at": NOW,
                },
            ],
        )
        campaign = next(c for c in await all_campaigns(session) if c.id == campaign_id)
    return World(db, campaign, units)


@pytest.fixture
async def world(database: Database) -> World:
    return await build_world(database)


def counts(c: Counts) -> tuple[str, int, int, int, int, int, int]:
    """(code, total, submitted, in progress, not started, returned, overdue)."""
    return (c.code, c.total, c.submitted, c.in_progress, c.not_started, c.returned, c.overdue)


# --- tiến độ ---------------------------------------------------------------------------------------


async def test_the_province_counts_its_grassroots_units_per_district_and_per_section(world: World) -> None:
    async with world.db.session() as session:
        report = await progress_report(session, world.campaign, world.units["QT"], TODAY)
    # Grassroots: the five communes and Cồn Cỏ (no commune under it). Provinces and districts with
    # communes are not counted; Quảng Bình's commune is outside the subtree.
    assert counts(report.unit) == ("QT", 6, 2, 1, 2, 1, 3)
    assert report.campaign_id == world.campaign.id
    assert [counts(child) for child in report.children] == [
        ("QT-CC", 1, 0, 0, 1, 0, 0),  # a district: its deadline (30/7) has not passed
        ("QT-GL", 1, 1, 0, 0, 0, 0),
        ("QT-HL", 3, 1, 1, 0, 1, 2),
        ("QT-ĐK", 1, 0, 0, 1, 0, 1),  # opened, nothing answered: not started, and late
    ]
    assert [(s.id, s.answered_units) for s in report.sections] == [
        (ALL_SECTIONS[0], 4),
        (ALL_SECTIONS[1], 3),
        *((section, 2) for section in ALL_SECTIONS[2:]),
    ]
    assert report.sections[0].title == OUTLINE.sections[0].title


async def test_a_district_sees_its_communes_and_a_commune_itself_alone(world: World) -> None:
    async with world.db.session() as session:
        district = await progress_report(session, world.campaign, world.units["QT-HL"], TODAY)
        commune = await progress_report(session, world.campaign, world.units["HL-HB"], TODAY)
    assert [counts(child) for child in district.children] == [
        ("HL-HA", 1, 1, 0, 0, 0, 0),
        ("HL-HB", 1, 0, 1, 0, 0, 1),
        ("HL-HC", 1, 0, 0, 0, 1, 1),
    ]
    assert counts(district.unit) == ("QT-HL", 3, 1, 1, 0, 1, 2)
    assert counts(commune.unit) == ("HL-HB", 1, 0, 1, 0, 0, 1)
    assert commune.children == ()
    assert [s.answered_units for s in commune.sections] == [1] + [0] * (len(ALL_SECTIONS) - 1)


async def test_before_the_deadline_nobody_is_overdue(world: World) -> None:
    async with world.db.session() as session:
        report = await progress_report(session, world.campaign, world.units["QT"], date(2018, 6, 30))
        late = await progress_report(session, world.campaign, world.units["QT"], date(2018, 8, 1))
    assert report.unit.overdue == 0
    assert late.unit.overdue == 4  # Cồn Cỏ's district deadline has passed too


# --- ai chưa nộp -----------------------------------------------------------------------------------


async def test_the_province_sees_districts_with_counts_and_communes_under_it_as_units(world: World) -> None:
    async with world.db.session() as session:
        page = await missing_page(session, world.campaign, world.units["QT"], TODAY)
    assert (page.under, page.total_missing, page.page, page.pages) == (world.units["QT"], 4, 0, 1)
    cc, hl, dk = page.rows
    # Gio Linh is left out: everything under it is in.
    assert hl == MissingGroup(
        world.units["QT-HL"].id, "QT-HL", "Huyện ủy Hải Lăng", missing=2, total=3, overdue=2
    )
    assert isinstance(cc, MissingUnit) and isinstance(dk, MissingUnit)
    assert (cc.code, cc.status, cc.answered, cc.required, cc.overdue, cc.due_on) == (
        "QT-CC",
        "not_started",
        0,
        BEFORE_ANY,
        False,
        date(2018, 7, 30),
    )
    assert (cc.last_activity, cc.contacts, cc.parent_code, cc.level) == (None, (), "QT", "huyen")
    assert (dk.code, dk.status, dk.required, dk.overdue, dk.last_activity) == (
        "QT-ĐK",
        "not_started",
        BEFORE_ANY,
        True,
        NOW,
    )


async def test_drilling_into_a_district_lists_its_communes_with_progress_and_contacts(world: World) -> None:
    async with world.db.session() as session:
        page = await missing_page(session, world.campaign, world.units["QT-HL"], TODAY)
    assert page.total_missing == 2
    hb, hc = page.rows
    assert isinstance(hb, MissingUnit) and isinstance(hc, MissingUnit)
    assert (hb.code, hb.name, hb.status, hb.answered, hb.required, hb.overdue) == (
        "HL-HB",
        "Đảng ủy xã Hải Ba",
        "in_progress",
        3,
        30,
        True,
    )
    # One contact per member, on the channel they joined from first.
    assert hb.contacts == (Contact("Chị Lan", "reporter", "telegram"),)
    assert hb.returned_comment is None
    assert (hc.status, hc.answered, hc.returned_comment) == ("returned", 25, "Bổ sung số liệu.")
    assert hc.contacts == (Contact("Anh Minh", "reporter", "zalo_bot"),)


async def test_pages_split_the_rows_and_a_stale_page_gives_the_nearest_one(world: World) -> None:
    async with world.db.session() as session:
        first = await missing_page(session, world.campaign, world.units["QT"], TODAY, page_size=2)
        second = await missing_page(session, world.campaign, world.units["QT"], TODAY, page=1, page_size=2)
        stale = await missing_page(session, world.campaign, world.units["QT"], TODAY, page=7, page_size=2)
        before = await missing_page(session, world.campaign, world.units["QT"], TODAY, page=-1, page_size=2)
    assert [row.code for row in first.rows] == ["QT-CC", "QT-HL"]
    assert [row.code for row in second.rows] == ["QT-ĐK"]
    assert (first.pages, second.page, stale.page, before.page) == (2, 1, 1, 0)
    assert stale.rows == second.rows and before.rows == first.rows
    assert first.total_missing == second.total_missing == 4


async def test_a_subtree_with_everything_in_has_nothing_missing(world: World) -> None:
    async with world.db.session() as session:
        page = await missing_page(session, world.campaign, world.units["QT-GL"], TODAY)
        itself = await missing_page(session, world.campaign, world.units["HL-HA"], TODAY)
        late = await missing_page(session, world.campaign, world.units["HL-HB"], TODAY)
    assert (page.rows, page.total_missing, page.pages) == ((), 0, 1)
    assert itself.rows == ()
    # A commune asked about on its own lists itself while it has not submitted.
    assert [row.code for row in late.rows] == ["HL-HB"]


async def test_every_missing_grassroots_unit_of_the_subtree_for_the_terminal(world: World) -> None:
    async with world.db.session() as session:
        found = await missing_units(session, world.campaign, world.units["QT"], TODAY)
        district = await missing_units(session, world.campaign, world.units["QT-GL"], TODAY)
    assert [(m.parent_code, m.code, m.status) for m in found] == [
        ("QT", "QT-CC", "not_started"),
        ("QT", "QT-ĐK", "not_started"),
        ("QT-HL", "HL-HB", "in_progress"),
        ("QT-HL", "HL-HC", "returned"),
    ]
    assert district == []


# --- finding a unit and its campaign ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["QT-HL", "qt-hl", "Qt - Hl", " ＱＴ－ＨＬ "])
async def test_a_code_is_found_as_people_type_it(world: World, typed: str) -> None:
    async with world.db.session() as session:
        assert await find_unit(session, typed) == world.units["QT-HL"]


async def test_a_code_without_diacritics_finds_the_unit_with_them(world: World) -> None:
    async with world.db.session() as session:
        assert await find_unit(session, "qt-dk") == world.units["QT-ĐK"]
        assert await find_unit(session, "QT-ĐK") == world.units["QT-ĐK"]


async def test_an_unknown_empty_or_ambiguous_code_finds_nothing(world: World) -> None:
    await import_units(world.db, [UnitRow(2, "Qt-Hl", "Trùng mã", "xa", "QT-HL")])
    async with world.db.session() as session:
        assert await find_unit(session, "QT-XX") is None
        assert await find_unit(session, "   ") is None
        assert await find_unit(session, "") is None
        # "qt-hl" reads as both QT-HL and Qt-Hl: neither is guessed; each is found by its exact code.
        assert await find_unit(session, "qt-hl") is None
        assert await find_unit(session, "QT-HL") == world.units["QT-HL"]
        assert (await find_unit(session, "Qt-Hl")) is not None


async def test_the_latest_campaign_covering_a_unit(world: World) -> None:
    async with world.db.session() as session, session.begin():
        newer = await create_campaign(
            session, "ct30-20nam", 2, "Đợt bổ sung", "QT-HL", {"xa": date(2018, 9, 30)}, now=NOW
        )
    async with world.db.session() as session:
        in_district = await latest_campaign_for(session, world.units["HL-HB"])
        elsewhere = await latest_campaign_for(session, world.units["GL-GM"])
        outside = await latest_campaign_for(session, world.units["QB-01"])
    assert in_district is not None and in_district.id == newer
    assert elsewhere is not None and elsewhere.id == world.campaign.id
    assert outside is None


async def test_a_country_sized_question_is_one_grouped_query_plus_the_page_s_units(world: World) -> None:
    statements: list[str] = []

    def seen(conn, cursor, statement, *_: object) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(world.db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with world.db.session() as session:
            await progress_report(session, world.campaign, world.units["QT"], TODAY)
            progress = len(statements)
            await missing_page(session, world.campaign, world.units["QT"], TODAY)
            page = len(statements) - progress
    finally:
        event.remove(world.db.engine.sync_engine, "before_cursor_execute", seen)
    # No answer is read: the counts every turn keeps on the submission are enough.
    assert not any("answers" in statement for statement in statements)
    assert progress == 1
    # The grouped counts, then the communes on the page, their contacts, their undelivered reminders.
    assert page == 4
