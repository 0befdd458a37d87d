"""When a turn needs the roll-up draft (dialogs/drafting.py): only on "/baocao" with nothing answered,
"/nhap", or the reply to the draft offered — every other turn reads nothing more than before."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.commands import Command, recognise
from dialogs.events import Incoming
from dialogs.rollup import Draft
from storage.campaigns import CampaignSummary
from storage.members import MembershipView
from storage.rollup import draft_for
from storage.turns import LoadedTurn
from storage.units import unit_by_id


def wants_draft(loaded: LoadedTurn, incoming: Incoming) -> bool:
    """Whether the engine may offer (or write) the draft in this turn."""
    if loaded.submission.status in ("submitted", "approved"):
        return False
    if loaded.state.mode == "confirm_draft":
        return True
    if incoming.action is not None:
        return incoming.action == "go" and not loaded.answers
    said = recognise(incoming.text)
    if not isinstance(said, tuple):
        return False
    return said[0] is Command.DRAFT or (said[0] is Command.START and not loaded.answers)


async def draft_if_asked(
    session: AsyncSession,
    campaign: CampaignSummary,
    membership: MembershipView,
    loaded: LoadedTurn,
    incoming: Incoming,
    now: datetime,
) -> Draft | None:
    """The draft of the member's unit from the reports under it, when this turn may use it."""
    if not wants_draft(loaded, incoming):
        return None
    unit = await unit_by_id(session, membership.unit_id)
    if unit is None:
        return None
    return await draft_for(session, campaign, unit, loaded.answers, now)
