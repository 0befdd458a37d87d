"""Oversight from the terminal, for the operator and for scripts: `baocao progress`, `baocao missing`.

The operator sees every unit (`bot.access.OPERATOR`), but goes through `oversees` like everyone
else, so a campaign that does not cover the unit is refused here as it is in chat. `--json` prints
shapes kept stable for scripts (see issue 8, item 8); without it, rich tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.admin import _open, _run
from bot.cli.common import fail, setup_logging
from bot.config import Settings
from bot.i18n import format_time, t

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.campaigns import CampaignSummary
    from storage.oversight import MissingUnit, ProgressReport
    from storage.units import UnitView

_UNIT_HELP = "Mã đơn vị (gõ chữ thường hay không dấu cũng được)."
_CAMPAIGN_HELP = "Mã đợt báo cáo; mặc định là đợt mới nhất bao gồm đơn vị."
_JSON_HELP = "In JSON (cho script) thay cho bảng."


def register(app: typer.Typer) -> None:
    app.command("progress")(progress)
    app.command("missing")(missing)


def progress(
    unit: Annotated[str, typer.Option("--unit", help=_UNIT_HELP)],
    campaign: Annotated[str | None, typer.Option("--campaign", help=_CAMPAIGN_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Tiến độ của một đơn vị: số đơn vị cơ sở đã nộp, đang làm, chưa bắt đầu, bị trả lại, quá hạn;
    theo từng đơn vị trực thuộc và theo từng mục của đề cương."""
    setup_logging()
    _run(_progress(Settings(), unit, _campaign_id(campaign), as_json))


def missing(
    unit: Annotated[str, typer.Option("--unit", help=_UNIT_HELP)],
    campaign: Annotated[str | None, typer.Option("--campaign", help=_CAMPAIGN_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Các đơn vị cơ sở chưa nộp (kể cả bị trả lại) dưới một đơn vị: đã trả lời bao nhiêu, quá hạn
    chưa, hoạt động cuối lúc nào, liên hệ ai."""
    setup_logging()
    _run(_missing(Settings(), unit, _campaign_id(campaign), as_json))


def _campaign_id(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        fail("admin.oversight.bad_campaign_id", value=value)
    return int(text)


@dataclass(frozen=True)
class _Asked:
    unit: UnitView
    campaign: CampaignSummary


async def _asked(session: AsyncSession, code: str, campaign_id: int | None) -> _Asked:
    """The unit and campaign asked about, checked as every oversight query is; else one sentence."""
    from bot.access import OPERATOR, oversees
    from storage.campaigns import all_campaigns
    from storage.oversight import find_unit, latest_campaign_for

    unit = await find_unit(session, code)
    if unit is None:
        fail("admin.oversight.unknown_unit", code=code.strip())
    if campaign_id is None:
        campaign = await latest_campaign_for(session, unit)
        if campaign is None:
            fail("admin.oversight.no_campaign", unit=unit.name, code=unit.code)
    else:
        campaign = next((c for c in await all_campaigns(session) if c.id == campaign_id), None)
        if campaign is None:
            fail("admin.oversight.unknown_campaign", campaign=str(campaign_id))
    if oversees(OPERATOR, unit, campaign) is None:
        fail(
            "admin.oversight.not_covered",
            campaign=str(campaign.id),
            title=campaign.title,
            unit=unit.name,
            code=unit.code,
        )
    return _Asked(unit, campaign)


def _today(settings: Settings) -> Any:
    return datetime.now(settings.zone).date()


# --- progress ----------------------------------------------------------------------------------------


async def _progress(settings: Settings, code: str, campaign_id: int | None, as_json: bool) -> None:
    from storage.oversight import progress_report

    db = await _open(settings)
    try:
        async with db.session() as session:
            asked = await _asked(session, code, campaign_id)
            report = await progress_report(session, asked.campaign, asked.unit, _today(settings))
    finally:
        await db.dispose()
    if as_json:
        typer.echo(json.dumps(progress_json(asked.unit, report), ensure_ascii=False, indent=2))
    else:
        _progress_tables(asked, report)


_COUNTS = ("total", "submitted", "in_progress", "not_started", "returned", "overdue")


def progress_json(unit: UnitView, report: ProgressReport) -> dict[str, Any]:
    """The stable JSON of `baocao progress`."""
    return {
        "unit": unit.code,
        "campaign": report.campaign_id,
        **{name: getattr(report.unit, name) for name in _COUNTS},
        "children": [
            {"code": child.code, "name": child.name, **{name: getattr(child, name) for name in _COUNTS}}
            for child in report.children
        ],
        "sections": [
            {"id": section.id, "title": _text(section.title), "answered_units": section.answered_units}
            for section in report.sections
        ],
    }


def _text(title: object) -> str:
    get = getattr(title, "get", None)
    return get("vi") if callable(get) else str(title)


def _progress_tables(asked: _Asked, report: ProgressReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    counts = report.unit
    console.print(
        t(
            "admin.progress.title",
            "vi",
            title=asked.campaign.title,
            campaign=str(asked.campaign.id),
            unit=asked.unit.name,
            code=asked.unit.code,
        )
    )
    console.print(t("admin.progress.summary", "vi", **{name: getattr(counts, name) for name in _COUNTS}))
    if report.children:
        table = Table(show_lines=False)
        table.add_column(t("admin.table.code", "vi"))
        table.add_column(t("admin.table.unit", "vi"))
        for name in _COUNTS:
            table.add_column(t(f"admin.table.{name}", "vi"), justify="right")
        for child in report.children:
            table.add_row(child.code, child.name, *(_number(getattr(child, name)) for name in _COUNTS))
        console.print(table)
    sections = Table()
    sections.add_column(t("admin.table.section", "vi"))
    sections.add_column(t("admin.table.answered_units", "vi"), justify="right")
    sections.add_column(t("admin.table.share", "vi"), justify="right")
    for section in report.sections:
        share = f"{100 * section.answered_units / counts.total:.0f}%" if counts.total else "–"
        sections.add_row(_text(section.title), _number(section.answered_units), share)
    console.print(sections)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")  # Vietnamese grouping: 1.234


# --- missing -----------------------------------------------------------------------------------------


async def _missing(settings: Settings, code: str, campaign_id: int | None, as_json: bool) -> None:
    from storage.oversight import missing_units

    db = await _open(settings)
    try:
        async with db.session() as session:
            asked = await _asked(session, code, campaign_id)
            units = await missing_units(session, asked.campaign, asked.unit, _today(settings))
    finally:
        await db.dispose()
    if as_json:
        typer.echo(json.dumps(missing_json(asked.unit, asked.campaign, units), ensure_ascii=False, indent=2))
    else:
        _missing_table(asked, units, settings)


def missing_json(unit: UnitView, campaign: CampaignSummary, units: list[MissingUnit]) -> dict[str, Any]:
    """The stable JSON of `baocao missing`."""
    return {
        "unit": unit.code,
        "campaign": campaign.id,
        "units": [
            {
                "code": m.code,
                "name": m.name,
                "parent_code": m.parent_code,
                "status": m.status,
                "answered": m.answered,
                "required": m.required,
                "overdue": m.overdue,
                "last_activity": m.last_activity.isoformat() if m.last_activity else None,
                "contacts": [contact.name for contact in m.contacts],
                # Members the last reminder could not reach (blocked the bot, Zalo's window closed).
                "undelivered": [
                    {"name": u.name, "channel": u.channel, "reason": u.error} for u in m.undelivered
                ],
            }
            for m in units
        ],
    }


def _missing_table(asked: _Asked, units: list[MissingUnit], settings: Settings) -> None:
    from rich.console import Console
    from rich.table import Table

    from bot.i18n import translate
    from bot.oversight.pages import contact
    from bot.reminders.messages import undelivered_line

    console = Console(highlight=False)
    names = {"unit": asked.unit.name, "code": asked.unit.code, "title": asked.campaign.title}
    if not units:
        console.print(t("admin.missing.none", "vi", campaign=str(asked.campaign.id), **names))
        return
    console.print(t("admin.missing.title", "vi", count=len(units), campaign=str(asked.campaign.id), **names))
    table = Table()
    for column in ("code", "unit", "parent", "status", "answered", "overdue", "last_activity", "contacts"):
        # On a narrow terminal the codes stay whole (they are what is typed next) and the rest wraps,
        # folding a long word rather than cutting it off with "…".
        code = column in ("code", "parent")
        table.add_column(t(f"admin.table.{column}", "vi"), no_wrap=code, overflow="fold")
    for m in units:
        # As chat shows them: a member who gave no name is "một cán bộ chưa có tên (terminal)".
        named = (translate(contact(c, limit=None), "vi") for c in m.contacts)  # the table wraps
        contacts = ", ".join(named) or t("admin.missing.nobody", "vi")
        table.add_row(
            m.code,
            m.name,
            m.parent_code or "",
            t(f"admin.status.{m.status}", "vi"),
            f"{m.answered}/{m.required}",
            t("admin.missing.overdue" if m.overdue else "admin.missing.in_time", "vi"),
            format_time(m.last_activity, settings.zone) if m.last_activity else "–",
            contacts,
        )
    console.print(table)
    # Whom the last reminder could not reach, under the table (a cell would wrap it out of reading).
    for m in units:
        if m.undelivered:
            console.print(f"{m.code}: {translate(undelivered_line(m.undelivered), 'vi')}")
