"""The province sets up a campaign over its subtree; each unit sees the campaigns that cover it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.i18n import t
from storage.campaigns import CampaignRefused, campaigns_for_unit, create_campaign
from storage.db import Database
from storage.units import UnitRow, UnknownUnit, import_units, unit_by_code

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
DUE = {"xa": date(2018, 6, 30), "huyen": date(2018, 7, 31)}


@pytest.fixture
async def db(database: Database) -> Database:
    await import_units(
        database,
        [
            UnitRow(2, "T", "Tỉnh Mẫu", "tinh", None),
            UnitRow(3, "H1", "Huyện Một", "huyen", "T"),
            UnitRow(4, "X1", "Xã Một", "xa", "H1"),
            UnitRow(5, "H2", "Huyện Hai", "huyen", "T"),
            UnitRow(6, "X2", "Xã Hai", "xa", "H2"),
            UnitRow(7, "CQ", "Sở Nội vụ", "coquan", "T"),
        ],
    )
    return database


async def create(db: Database, root: str = "T", deadlines: dict[str, date] = DUE, **kw: object) -> int:
    async with db.session() as session, session.begin():
        return await create_campaign(
            session,
            "ct30-20nam",
            1,
            str(kw.get("title", "Tổng kết 20 năm Chỉ thị 30")),
            root,
            deadlines,
            now=kw.get("now", NOW),  # type: ignore[arg-type]
        )


async def seen_from(db: Database, code: str) -> list[tuple[int, str, date | None]]:
    async with db.session() as session:
        unit = await unit_by_code(session, code)
        assert unit is not None
        return [(c.id, c.level, c.due_on) for c in await campaigns_for_unit(session, unit.id)]


async def test_a_commune_sees_the_campaign_of_its_province_with_its_own_deadline(db: Database) -> None:
    campaign = await create(db)
    assert await seen_from(db, "X1") == [(campaign, "xa", date(2018, 6, 30))]
    assert await seen_from(db, "H2") == [(campaign, "huyen", date(2018, 7, 31))]
    # A level without a deadline still sees the campaign (the province oversees it).
    assert await seen_from(db, "T") == [(campaign, "tinh", None)]


async def test_a_district_campaign_covers_only_its_own_communes_and_newest_comes_first(db: Database) -> None:
    province = await create(db)
    district = await create(db, root="H1", deadlines={"xa": date(2018, 6, 15)}, now=NOW + timedelta(days=1))
    assert await seen_from(db, "X1") == [
        (district, "xa", date(2018, 6, 15)),
        (province, "xa", date(2018, 6, 30)),
    ]
    assert await seen_from(db, "X2") == [(province, "xa", date(2018, 6, 30))]


async def test_a_level_not_under_the_root_is_refused_and_the_levels_there_are_listed(db: Database) -> None:
    with pytest.raises(CampaignRefused) as raised:
        await create(db, root="H1", deadlines={"xa": date(2018, 6, 30), "coquan": date(2018, 6, 30)})
    message = raised.value.messages[0]
    assert t(message.id, "vi", **message.params) == (
        "Không có đơn vị cấp «coquan» nào thuộc H1; các cấp có: huyen, xa."
    )
    assert await seen_from(db, "X1") == []


async def test_the_root_must_exist_and_the_title_and_a_deadline_are_required(db: Database) -> None:
    with pytest.raises(UnknownUnit):
        await create(db, root="NOPE")
    with pytest.raises(CampaignRefused):
        await create(db, title="   ")
    with pytest.raises(CampaignRefused):
        await create(db, deadlines={})


async def test_levels_are_matched_without_regard_to_case(db: Database) -> None:
    campaign = await create(db, deadlines={"XA": date(2018, 6, 30)})
    assert await seen_from(db, "X2") == [(campaign, "xa", date(2018, 6, 30))]


async def test_an_unknown_unit_has_no_campaigns(db: Database) -> None:
    await create(db)
    async with db.session() as session:
        assert await campaigns_for_unit(session, 999_999) == []


async def test_a_title_and_levels_go_through_the_one_text_rule(db: Database) -> None:
    title = "Tổng kết\u202e 20 năm\n\tChỉ thị\u200b 30"
    campaign_id = await create(db, title=title, deadlines={" XA\u200b": date(2018, 6, 30)})
    assert await seen_from(db, "X1") == [(campaign_id, "xa", date(2018, 6, 30))]
    async with db.session() as session:
        unit = await unit_by_code(session, "X1")
        assert unit is not None
        [campaign] = await campaigns_for_unit(session, unit.id)
    assert campaign.title == "Tổng kết 20 năm Chỉ thị 30"
