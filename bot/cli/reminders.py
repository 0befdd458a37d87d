"""`baocao campaign reminders` (a campaign's schedule), `baocao reminders` (what was sent, what comes
next) and `baocao remind` (one pass now, or at a local time; `--dry-run` sends nothing)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.admin import _open, _run
from bot.cli.common import fail, setup_logging
from bot.cli.oversight import _campaign_id
from bot.config import Settings
from bot.i18n import format_time, t

if TYPE_CHECKING:
    from bot.app import Runtime

_AT_FORMAT = "%Y-%m-%d %H:%M"


def register(app: typer.Typer) -> None:
    app.command("reminders")(reminders)
    app.command("remind")(remind)
    # `baocao campaign reminders` joins the `campaign` group made in bot/cli/admin.py.
    for group in app.registered_groups:
        if group.name == "campaign" and group.typer_instance is not None:
            group.typer_instance.command("reminders")(campaign_reminders)


# --- the schedule ------------------------------------------------------------------------------------


def campaign_reminders(
    campaign: Annotated[str, typer.Option("--campaign", help="Mã đợt báo cáo.")],
    offsets: Annotated[
        str | None,
        typer.Option("--offsets", help="Các ngày nhắc so với hạn nộp, ví dụ --offsets=-7,-3,-1,0,1,3."),
    ] = None,
    hour: Annotated[int | None, typer.Option("--hour", help="Giờ gửi (giờ địa phương, 0–23).")] = None,
    weekends: Annotated[
        bool | None,
        typer.Option("--weekends/--no-weekends", help="Gửi cả thứ Bảy, Chủ nhật (mặc định: không)."),
    ] = None,
) -> None:
    """Lịch nhắc nhở của một đợt; không có tùy chọn nào thì in lịch hiện tại."""
    setup_logging()
    from bot.reminders.schedule import parse_offsets

    parsed = None
    if offsets is not None:
        try:
            parsed = parse_offsets(offsets)
        except ValueError:
            fail("reminders.cli.bad_offsets", value=offsets)
    if hour is not None and not 0 <= hour <= 23:
        fail("reminders.cli.bad_hour", value=str(hour))
    campaign_id = _campaign_id(campaign)
    assert campaign_id is not None
    _run(_campaign_reminders(Settings(), campaign_id, parsed, hour, weekends))


async def _campaign_reminders(
    settings: Settings,
    campaign_id: int,
    offsets: tuple[int, ...] | None,
    hour: int | None,
    weekends: bool | None,
) -> None:
    from bot.reminders.passes import schedule_of
    from bot.reminders.schedule import show_offsets
    from storage.campaigns import all_campaigns
    from storage.reminders import schedules, set_schedule

    db = await _open(settings)
    try:
        async with db.session() as session, session.begin():
            if not any(c.id == campaign_id for c in await all_campaigns(session)):
                fail("admin.oversight.unknown_campaign", campaign=str(campaign_id))
            stored = (await schedules(session)).get(campaign_id)
            current = schedule_of(stored)
            changed = offsets is not None or hour is not None or weekends is not None
            if changed:
                await set_schedule(
                    session,
                    campaign_id,
                    offsets if offsets is not None else current.offsets,
                    hour if hour is not None else current.hour,
                    weekends if weekends is not None else current.weekends,
                    datetime.now(UTC),
                )
                stored = (await schedules(session)).get(campaign_id)
                current = schedule_of(stored)
    finally:
        await db.dispose()
    if changed:
        typer.echo(t("reminders.cli.saved", "vi", campaign=str(campaign_id)))
    line = t(
        "reminders.cli.schedule",
        "vi",
        campaign=str(campaign_id),
        offsets=show_offsets(current.offsets),
        hour=f"{current.hour:02d}",
        zone=settings.timezone,
        weekends=t("reminders.cli.weekends" if current.weekends else "reminders.cli.working_days", "vi"),
    )
    typer.echo(line if stored is not None else f"{line} {t('reminders.cli.default', 'vi')}")


# --- what was sent, what comes next -------------------------------------------------------------------


def reminders(campaign: Annotated[str, typer.Option("--campaign", help="Mã đợt báo cáo.")]) -> None:
    """Các nhắc nhở đã gửi trong một đợt (gửi ai, lúc nào, kết quả) và lần nhắc sắp tới của mỗi cấp."""
    setup_logging()
    campaign_id = _campaign_id(campaign)
    assert campaign_id is not None
    _run(_reminders(Settings(), campaign_id))


async def _reminders(settings: Settings, campaign_id: int) -> None:
    from bot.reminders.passes import schedule_of
    from bot.reminders.schedule import next_fire
    from storage.campaigns import all_campaigns
    from storage.reminders import history, schedules

    db = await _open(settings)
    try:
        async with db.session() as session:
            found = next((c for c in await all_campaigns(session) if c.id == campaign_id), None)
            if found is None:
                fail("admin.oversight.unknown_campaign", campaign=str(campaign_id))
            schedule = schedule_of((await schedules(session)).get(campaign_id))
            sent = await history(session, campaign_id)
    finally:
        await db.dispose()
    zone = settings.zone
    if not sent:
        typer.echo(t("reminders.cli.none_sent", "vi", campaign=str(campaign_id)))
    else:
        typer.echo(t("reminders.cli.sent_header", "vi", count=len(sent)))
        for item in reversed(sent):
            slot = item.slot.split("@")[0]
            outcome = t(f"reminders.cli.outcome.{item.outcome}", "vi")
            if item.error and item.outcome != "sent":
                outcome += f" ({item.error})"
            kind = t(f"reminders.cli.kind.{item.kind}", "vi")
            typer.echo(
                f"  {format_time(item.at, zone)}  {kind} {slot}  {item.unit_code} {item.unit_name}"
                f"  → {item.member_name or t('reminders.cli.unnamed', 'vi')} ({item.channel})  {outcome}"
            )
    typer.echo(t("reminders.cli.next_header", "vi"))
    now = datetime.now(UTC)
    # The earliest deadline first: the communes', then the districts', then the province's.
    for level, due_on in sorted(found.deadlines.items(), key=lambda item: (item[1], item[0])):
        upcoming = next_fire(due_on, schedule, now, zone)
        name = level_name(level)
        if upcoming is None:
            typer.echo(t("reminders.cli.next_none", "vi", level=name, date=due_on))
        else:
            offset = f"+{upcoming.offset}" if upcoming.offset > 0 else str(upcoming.offset)
            typer.echo(t("reminders.cli.next", "vi", level=name, date=due_on, offset=offset, at=upcoming.at))


# The level keys of the units' import (`level` column), as an official writes them. A key the
# operator chose otherwise is shown as it is.
LEVEL_NAMES = {"xa": "xã", "phuong": "phường", "huyen": "huyện", "tinh": "tỉnh"}


def level_name(level: str) -> str:
    return LEVEL_NAMES.get(level, level)


# --- one pass ----------------------------------------------------------------------------------------


def remind(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chỉ in những gì sẽ gửi, không gửi gì.")] = False,
    at: Annotated[
        str | None, typer.Option("--at", help="Chạy như vào lúc này (giờ địa phương), “YYYY-MM-DD HH:MM”.")
    ] = None,
) -> None:
    """Chạy một lượt nhắc nhở ngay (hoặc như vào lúc --at): xếp tin vào hàng đợi và gửi qua Telegram
    nếu có BAOCAO_TELEGRAM_TOKEN, nếu không thì để tiến trình serve/poll đang chạy gửi."""
    setup_logging()
    settings = Settings()
    moment = datetime.now(UTC)
    if at is not None:
        try:
            moment = datetime.strptime(at.strip(), _AT_FORMAT).replace(tzinfo=settings.zone)
        except ValueError:
            fail("reminders.cli.bad_at", value=at)
    _run(_remind(settings, moment, dry_run))


async def _remind(settings: Settings, moment: datetime, dry_run: bool) -> None:
    from bot.app import KNOWN_CAPABILITIES, runtime
    from bot.reminders.passes import ReminderPass, render_planned

    db = await _open(settings)
    try:
        if dry_run:
            report = await ReminderPass(db, None, KNOWN_CAPABILITIES, settings.zone).run(moment, dry_run=True)
            typer.echo(t("reminders.cli.dry_header", "vi", at=moment, count=len(report.planned)))
            for planned in report.planned:
                person = planned.recipient
                typer.echo(
                    t("reminders.cli.dry_item", "vi", who=person.name or t("reminders.cli.unnamed", "vi"),
                      channel=person.channel,
                      what=planned.what)
                )  # fmt: skip
                text = render_planned(planned, KNOWN_CAPABILITIES, settings.zone)
                typer.echo("    " + text.replace("\n", "\n    "))
            return
        sends = settings.telegram.token is not None and bool(settings.telegram.token.get_secret_value())
        async with runtime(settings, db=db, with_telegram=sends) as running:
            report = await running.scheduler.run_once(moment)
            typer.echo(
                t("reminders.cli.queued", "vi", at=moment, count=report.queued, reminders=report.reminders)
            )
            if not sends:
                typer.echo(t("reminders.cli.left_to_bot", "vi"))
                return
            typer.echo(t("reminders.cli.sending", "vi"), err=True)
            counts = await _until_sent(running, report.outbox_ids, max(30.0, report.queued / 20))
        typer.echo(
            t(
                "reminders.cli.sent",
                "vi",
                sent=counts["sent"],
                failed=counts["failed"],
                pending=counts["pending"],
            )
        )
    finally:
        await db.dispose()


async def _until_sent(running: Runtime, outbox_ids: list[int], timeout: float) -> dict[str, int]:
    """Wait (at most `timeout` seconds) until the rows queued are sent or failed; how they went."""
    from storage.reminders import outbox_outcomes

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with running.db.session() as session:
            found = await outbox_outcomes(session, outbox_ids)
        if found["pending"] == 0 or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.2)
