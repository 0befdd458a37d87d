"""Campaigns: one report to collect from a subtree of units, with a deadline per level."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.events import Msg
from dialogs.text import clean_key, clean_line
from storage.db import Refused
from storage.models import Campaign, Deadline, Unit, utcnow
from storage.units import ancestor_ids, levels_in_subtree, require_unit

MAX_TITLE = 500


class CampaignRefused(Refused):
    """A campaign that cannot be created as asked."""


@dataclass(frozen=True)
class CampaignView:
    """A campaign as seen from one unit: `due_on` is the deadline of that unit's level, if it has one."""

    id: int
    outline_id: str
    outline_version: int
    title: str
    root_unit_id: int
    created_at: datetime
    level: str
    due_on: date | None


async def create_campaign(
    session: AsyncSession,
    outline_id: str,
    outline_version: int,
    title: str,
    root_code: str,
    deadlines: Mapping[str, date],
    now: datetime | None = None,
) -> int:
    """Create a campaign over the subtree of `root_code`; every deadline's level must occur there."""
    title = clean_line(title)
    if not title:
        raise CampaignRefused(Msg("campaigns.error.empty_title"))
    if len(title) > MAX_TITLE:
        raise CampaignRefused(Msg("campaigns.error.title_too_long", {"limit": MAX_TITLE}))
    if not deadlines:
        raise CampaignRefused(Msg("campaigns.error.no_deadline"))
    root = await require_unit(session, root_code)
    wanted = {clean_key(level).lower(): due for level, due in deadlines.items()}
    present = await levels_in_subtree(session, root.path)
    unknown = [level for level in wanted if level not in present]
    if unknown:
        raise CampaignRefused(
            *(
                Msg(
                    "campaigns.error.unknown_level",
                    {"level": level, "root": root.code, "levels": ", ".join(present)},
                )
                for level in unknown
            )
        )
    campaign_id = await session.scalar(
        insert(Campaign)
        .values(
            outline_id=outline_id,
            outline_version=outline_version,
            title=title,
            root_unit_id=root.id,
            created_at=now or utcnow(),
        )
        .returning(Campaign.id)
    )
    assert campaign_id is not None
    await session.execute(
        insert(Deadline),
        [{"campaign_id": campaign_id, "level": level, "due_on": due} for level, due in wanted.items()],
    )
    return int(campaign_id)


async def campaigns_for_unit(session: AsyncSession, unit_id: int) -> list[CampaignView]:
    """Campaigns covering the unit (rooted at it or at an ancestor), newest first."""
    unit = (await session.execute(select(Unit.path, Unit.level).where(Unit.id == unit_id))).one_or_none()
    if unit is None:
        return []
    rows = await session.execute(
        select(
            Campaign.id,
            Campaign.outline_id,
            Campaign.outline_version,
            Campaign.title,
            Campaign.root_unit_id,
            Campaign.created_at,
            Deadline.due_on,
        )
        .outerjoin(Deadline, and_(Deadline.campaign_id == Campaign.id, Deadline.level == unit.level))
        .where(Campaign.root_unit_id.in_(ancestor_ids(unit.path)))
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    )
    return [
        CampaignView(
            row.id,
            row.outline_id,
            row.outline_version,
            row.title,
            row.root_unit_id,
            row.created_at,
            unit.level,
            row.due_on,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class CampaignSummary:
    """A campaign without per-unit detail: enough to route a message to its report."""

    id: int
    outline_id: str
    outline_version: int
    title: str
    root_unit_id: int
    # The levels that owe this campaign a report (those with a deadline): a supervisor of a unit at
    # one of them also writes that unit's own report.
    levels: frozenset[str] = frozenset()
    # The deadline of each of those levels, shown to its members ("Hạn nộp: 30/06/2018 (còn 5 ngày)").
    deadlines: Mapping[str, date] = field(default_factory=dict, compare=False, hash=False)

    def deadline(self, level: str) -> date | None:
        """The deadline of a level, None if the campaign gives it none."""
        return self.deadlines.get(level)


async def all_campaigns(session: AsyncSession) -> list[CampaignSummary]:
    """Every campaign, newest first (there are a handful a year; callers cache this list)."""
    rows = await session.execute(
        select(
            Campaign.id, Campaign.outline_id, Campaign.outline_version, Campaign.title, Campaign.root_unit_id
        ).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    )
    deadlines: dict[int, dict[str, date]] = {}
    for campaign_id, level, due_on in await session.execute(
        select(Deadline.campaign_id, Deadline.level, Deadline.due_on)
    ):
        deadlines.setdefault(campaign_id, {})[level] = due_on
    return [
        CampaignSummary(
            *row, levels=frozenset(deadlines.get(row[0], ())), deadlines=deadlines.get(row[0], {})
        )
        for row in rows
    ]
