"""`baocao rollup`: a unit's own report drafted from the reports of the units right under it, from
the terminal, as the operator; prints what it filled and what is left to answer by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from bot.cli.admin import _open, _run
from bot.cli.common import fail, setup_logging
from bot.cli.oversight import _CAMPAIGN_HELP, _UNIT_HELP, _asked, _campaign_id
from bot.config import Settings
from bot.i18n import t, translate
from dialogs.plan import Item


def register(app: typer.Typer) -> None:
    app.command("rollup")(rollup)


def rollup(
    unit: Annotated[str, typer.Option("--unit", help=_UNIT_HELP)],
    campaign: Annotated[str | None, typer.Option("--campaign", help=_CAMPAIGN_HELP)] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Điền cả khi báo cáo đã có câu trả lời (ghi đè các câu bản nháp điền được)."
        ),
    ] = False,
) -> None:
    """Tạo bản nháp báo cáo của một đơn vị từ báo cáo các đơn vị trực thuộc đã nộp."""
    setup_logging()
    _run(_rollup(Settings(), unit, _campaign_id(campaign), force))


async def _rollup(settings: Settings, code: str, campaign_id: int | None, force: bool) -> None:
    from dialogs import messages as ui
    from dialogs.plan import plan_of
    from storage.oversight import campaign_outline
    from storage.rollup import ReportClosed, draft_for, has_children, own_report, write_draft

    db = await _open(settings)
    now = datetime.now(UTC)
    try:
        async with db.session() as session, session.begin():
            asked = await _asked(session, code, campaign_id)
            unit, campaign = asked.unit, asked.campaign
            if unit.level not in campaign.levels:
                fail("rollup.cli.no_own_report", unit=unit.name, campaign=str(campaign.id))
            if not await has_children(session, unit.id):
                fail("rollup.cli.no_children", unit=unit.name)
            own = await own_report(session, campaign.id, unit.id)
            if own.status in ("submitted", "approved"):
                fail("rollup.cli.submitted", unit=unit.name)
            given = sum(1 for answer in own.answers.values() if not answer.skipped)
            if given and not force:
                fail("rollup.cli.has_answers", unit=unit.name, count=given)
            draft = await draft_for(session, campaign, unit, own.answers, now, replace=force)
            if draft is None:
                fail("rollup.cli.no_children", unit=unit.name)
            if not draft.filled:
                fail("rollup.cli.nothing", unit=unit.name, reported=draft.reported, units=draft.units)
            try:
                await write_draft(session, campaign, unit.id, own, draft, now)
            except ReportClosed:
                fail("rollup.cli.submitted", unit=unit.name)
    finally:
        await db.dispose()

    plan = plan_of(campaign_outline(campaign))
    typer.echo(
        t(
            "rollup.cli.filled",
            "vi",
            unit=unit.name,
            count=len(draft.filled),
            reported=draft.reported,
            units=draft.units,
        )
    )
    for filled in draft.filled:
        item = plan.by_id[filled.question_id]
        if isinstance(filled.answer.value, str):
            value = t("rollup.cli.units", "vi", units=filled.units)
        else:
            value = t(
                "rollup.cli.sum", "vi", value=translate(ui.value(item, filled.answer)), units=filled.units
            )
        typer.echo(_line(item, value))
    left = [h for h in draft.by_hand if h.reason != "waiting"]
    if left:
        typer.echo(t("rollup.cli.left", "vi", count=len(left)))
        for by_hand in left:
            item = plan.by_id[by_hand.question_id]
            why = t(f"rollup.why.{by_hand.reason}", "vi", units=by_hand.units)
            typer.echo(_line(item, why))
    waiting = sum(1 for h in draft.by_hand if h.reason == "waiting")
    if waiting:
        typer.echo(t("rollup.cli.waiting", "vi", count=waiting))
    if draft.reported < draft.units:
        typer.echo(t("rollup.filled.partial", "vi", missing=draft.units - draft.reported))


def _line(item: Item, value: str) -> str:
    """ "Câu 7  Số văn bản…: 12", or the label alone where it starts with the plan's number ("1.2. …")."""
    from dialogs.messages import has_plan_number

    if has_plan_number(item):
        return t("rollup.cli.line_named", "vi", label=item.question.label, value=value)
    return t("rollup.cli.line", "vi", number=item.name, label=item.question.label, value=value)
