"""A unit's report to work on (units, a campaign, a cadre, a supervisor) and cadre turns on fresh data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert

from dialogs.events import DialogState, Effect
from storage.campaigns import create_campaign
from storage.db import Database
from storage.models import Member
from storage.transaction import turn_transaction
from storage.turns import LoadedTurn, load_turn, save_turn
from storage.units import UnitRow, import_units, unit_by_code

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Report:
    """One unit's report in one campaign, with a cadre who writes it and a supervisor who reviews it."""

    db: Database
    campaign_id: int
    unit_id: int
    cadre: int
    supervisor: int


async def make_report(database: Database) -> Report:
    """Units H > X, a campaign over them, and two members."""
    await import_units(
        database, [UnitRow(2, "H", "Huyện Mẫu", "huyen", None), UnitRow(3, "X", "Xã Mẫu", "xa", "H")]
    )
    async with database.session() as session, session.begin():
        campaign_id = await create_campaign(
            session, "ct30-20nam", 1, "Tổng kết", "H", {"xa": date(2018, 6, 30)}
        )
        unit = await unit_by_code(session, "X")
        assert unit is not None
        members = [
            await session.scalar(
                insert(Member).values(display_name=name, created_at=NOW).returning(Member.id)
            )
            for name in ("Chị Lan", "Anh Minh")
        ]
    return Report(database, campaign_id, unit.id, int(members[0] or 0), int(members[1] or 0))


async def load(report: Report, db: Database | None = None) -> LoadedTurn:
    async with turn_transaction(db or report.db) as scope:
        return await load_turn(
            await scope.executor(), report.cadre, report.campaign_id, report.unit_id, "Xã Mẫu", NOW
        )


async def turn(report: Report, effects: Sequence[Effect], db: Database | None = None) -> None:
    """One cadre turn on fresh data: load, then write the effects."""
    async with turn_transaction(db or report.db) as scope:
        run = await scope.executor()
        loaded = await load_turn(run, report.cadre, report.campaign_id, report.unit_id, "Xã Mẫu", NOW)
        await save_turn(
            run,
            member_id=report.cadre,
            campaign_id=report.campaign_id,
            loaded=loaded,
            state=DialogState(),
            effects=effects,
            now=NOW,
        )
