"""Operator commands: `baocao db upgrade`, `units import`, `campaign create`, `invite`, `audit`."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Coroutine, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from bot.cli.common import fail, log, require_secret, run_async, setup_logging
from bot.config import Settings
from bot.i18n import t

if TYPE_CHECKING:
    from storage.db import Database, Refused

# Every command but `db upgrade` checks that the tables exist at the newest revision and otherwise
# says to run `baocao db upgrade`: they never migrate by themselves, so that a production schema
# changes only when the operator asks for it.

# Above this many units the import shows a progress bar (on a terminal only).
_PROGRESS_FROM = 2_000


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
    db_app.command("upgrade")(db_upgrade)
    app.add_typer(db_app, name="db")

    units_app = typer.Typer(help="Cây đơn vị.", no_args_is_help=True)
    units_app.command("import")(units_import)
    app.add_typer(units_app, name="units")

    campaign_app = typer.Typer(help="Đợt báo cáo.", no_args_is_help=True)
    campaign_app.command("create")(campaign_create)
    app.add_typer(campaign_app, name="campaign")

    app.command("invite")(invite)
    app.command("audit")(audit)


# --- db upgrade ----------------------------------------------------------------------------------


def db_upgrade() -> None:
    """Tạo hoặc nâng cấp các bảng của cơ sở dữ liệu (BAOCAO_DATABASE_URL) lên phiên bản mới nhất."""
    setup_logging()
    _run(_db_upgrade(Settings()))


async def _db_upgrade(settings: Settings) -> None:
    from storage.migrate import upgrade

    db = _connect(settings)
    try:
        before = await _revision(db, settings)
    finally:
        await db.dispose()
    after = await upgrade(settings.database.url)
    url = _safe_url(settings.database.url)
    if before == after:
        typer.echo(t("admin.db.current", "vi", url=url, revision=str(after)))
    else:
        typer.echo(t("admin.db.upgraded", "vi", url=url, revision=str(after)))


# --- units import --------------------------------------------------------------------------------


def units_import(
    file: Annotated[Path, typer.Argument(help="Tệp .csv (UTF-8, dấu phẩy hoặc chấm phẩy) hoặc .xlsx.")],
) -> None:
    """Nhập cây đơn vị từ tệp có các cột code, name, level, parent_code.

    Đơn vị đã có (cùng mã) được cập nhật tên, cấp và cấp trên; đơn vị mới được thêm. Nếu có dòng
    nào sai, mọi dòng sai được liệt kê và không đơn vị nào được nhập. Cần chạy «baocao db upgrade» trước.
    """
    setup_logging()
    _run(_units_import(Settings(), file))


async def _units_import(settings: Settings, file: Path) -> None:
    from storage.units import UnitsFileInvalid, import_units, read_units_file

    try:
        rows = read_units_file(file)
    except UnitsFileInvalid as error:
        _refuse(error)
    db = await _open(settings)
    try:
        with _ProgressBar(len(rows)) as progress:
            result = await import_units(db, rows, progress=progress)
    except UnitsFileInvalid as error:
        for message in error.messages:
            typer.echo(t(message.id, "vi", **message.params), err=True)
        fail("admin.units.nothing_imported", errors=len(error.messages))
    finally:
        await db.dispose()
    typer.echo(
        t(
            "admin.units.imported",
            "vi",
            total=len(rows),
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    )


class _ProgressBar:
    """A progress bar on stderr for a big import, when stderr is a terminal; otherwise nothing."""

    def __init__(self, total: int) -> None:
        self.enabled = total >= _PROGRESS_FROM and sys.stderr.isatty()

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task(t("admin.units.progress", "vi"), total=None)

        def advance(done: int, total: int) -> None:
            self.bar.update(task, completed=done, total=total)

        return advance

    def __exit__(self, *_: object) -> None:
        if self.enabled:
            self.bar.stop()


# --- campaign create -----------------------------------------------------------------------------


def campaign_create(
    outline: Annotated[str, typer.Option("--outline", help="Mã dàn ý (xem «baocao outline list»).")],
    title: Annotated[str, typer.Option("--title", help="Tên đợt báo cáo.")],
    root: Annotated[
        str, typer.Option("--root", help="Mã đơn vị gốc: đợt báo cáo gồm đơn vị này và cấp dưới.")
    ],
    deadline: Annotated[
        list[str],
        typer.Option(
            "--deadline", help="Hạn nộp của một cấp, CẤP=NĂM-THÁNG-NGÀY, ví dụ xa=2018-06-30; lặp lại."
        ),
    ],
) -> None:
    """Tạo một đợt báo cáo; in mã đợt ở dòng cuối. Cần chạy «baocao db upgrade» trước."""
    setup_logging()
    deadlines = _parse_deadlines(deadline)
    _run(_campaign_create(Settings(), outline, title, root, deadlines))


def parse_day(text: str) -> date | None:
    """A date written 2018-06-30 or 30/06/2018, or None."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            year, month, day = (int(part) for part in text.split("-"))
            return date(year, month, day)
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            day, month, year = (int(part) for part in text.split("/"))
            return date(year, month, day)
    except ValueError:
        return None
    return None


def _parse_deadlines(values: list[str]) -> dict[str, date]:
    deadlines: dict[str, date] = {}
    for value in values:
        level, sep, day_text = value.partition("=")
        level = level.strip().lower()
        day = parse_day(day_text) if sep else None
        if not level or day is None:
            fail("admin.campaign.bad_deadline", value=value)
        if level in deadlines:
            fail("admin.campaign.duplicate_deadline", level=level)
        deadlines[level] = day
    return deadlines


async def _campaign_create(
    settings: Settings, outline_id: str, title: str, root_code: str, deadlines: dict[str, date]
) -> None:
    from storage.campaigns import CampaignRefused, create_campaign
    from storage.units import UnknownUnit, require_unit

    try:
        from dialogs.builtin import builtin_outlines, get_outline

        outline = get_outline(outline_id)
    except KeyError:
        fail(
            "admin.campaign.unknown_outline", outline=outline_id, known=", ".join(sorted(builtin_outlines()))
        )
    db = await _open(settings)
    try:
        async with db.session() as session, session.begin():
            root = await require_unit(session, root_code)
            campaign_id = await create_campaign(
                session, outline.id, outline.version, title, root_code, deadlines
            )
    except (UnknownUnit, CampaignRefused) as error:
        _refuse(error)
    finally:
        await db.dispose()
    due = ", ".join(f"{level} {day.strftime('%d/%m/%Y')}" for level, day in deadlines.items())
    typer.echo(
        t(
            "admin.campaign.created",
            "vi",
            title=title.strip(),
            outline=outline.id,
            version=str(outline.version),
            unit=root.name,
            code=root.code,
            deadlines=due,
        )
    )
    typer.echo(str(campaign_id))


# --- invite --------------------------------------------------------------------------------------


def invite(
    unit: Annotated[str, typer.Option("--unit", help="Mã đơn vị người được mời sẽ tham gia.")],
    role: Annotated[
        str, typer.Option("--role", help="reporter (báo cáo) hoặc supervisor (theo dõi cấp dưới).")
    ],
    uses: Annotated[int, typer.Option("--uses", help="Số người được dùng mã này.")] = 1,
    days: Annotated[int, typer.Option("--days", help="Số ngày mã còn hiệu lực.")] = 30,
) -> None:
    """Tạo mã mời vào một đơn vị; in mã ở dòng cuối. Cần chạy «baocao db upgrade» trước."""
    setup_logging()
    _run(_invite(Settings(), unit, role, uses, days))


async def _invite(settings: Settings, unit_code: str, role: str, uses: int, days: int) -> None:
    from storage.invites import InviteRefused, check_role, create_invite
    from storage.models import utcnow
    from storage.units import UnknownUnit, require_unit

    try:
        check_role(role)
    except InviteRefused as error:
        _refuse(error)
    secret = require_secret(settings)
    db = await _open(settings)
    now = utcnow()
    try:
        async with db.session() as session, session.begin():
            target = await require_unit(session, unit_code)
            code = await create_invite(session, unit_code, role, uses=uses, days=days, now=now, secret=secret)
    except (UnknownUnit, InviteRefused) as error:
        _refuse(error)
    finally:
        await db.dispose()
    role_label = t("admin.role.reporter" if role == "reporter" else "admin.role.supervisor", "vi")
    typer.echo(
        t(
            "admin.invite.created",
            "vi",
            unit=target.name,
            code=target.code,
            role=role_label,
            uses=uses,
            expires=now + timedelta(days=days),
        )
    )
    typer.echo(code)


# --- audit ---------------------------------------------------------------------------------------


def audit(
    unit: Annotated[str, typer.Option("--unit", help="Mã đơn vị: xem đơn vị này và mọi đơn vị cấp dưới.")],
    since: Annotated[
        str | None, typer.Option("--since", help="Từ ngày, NĂM-THÁNG-NGÀY hoặc NGÀY/THÁNG/NĂM.")
    ] = None,
) -> None:
    """Nhật ký: ai đã làm gì, khi nào, ở đơn vị nào (tham gia, rời, duyệt, trả lại, sửa câu trả lời...)."""
    setup_logging()
    day = None
    if since is not None:
        day = parse_day(since)
        if day is None:
            fail("admin.audit.bad_since", value=since)
    _run(_audit(Settings(), unit, day))


async def _audit(settings: Settings, unit_code: str, since: date | None) -> None:
    from datetime import datetime, time

    from rich.console import Console
    from rich.table import Table

    from storage.audit import audit_for_unit
    from storage.units import UnknownUnit, require_unit

    db = await _open(settings)
    # A day as the operator means it: from midnight where they are (BAOCAO_TIMEZONE).
    start = datetime.combine(since, time(), settings.zone) if since is not None else None
    try:
        async with db.session() as session:
            target = await require_unit(session, unit_code)
            rows = await audit_for_unit(session, target.id, start)
    except UnknownUnit as error:
        _refuse(error)
    finally:
        await db.dispose()
    if not rows:
        typer.echo(t("admin.audit.empty", "vi", unit=target.name, code=target.code))
        return
    table = Table(title=t("admin.audit.title", "vi", unit=target.name, code=target.code, count=len(rows)))
    for column in ("time", "unit", "action", "who", "what"):
        table.add_column(t(f"admin.audit.column.{column}", "vi"), overflow="fold")
    for row in rows:
        table.add_row(
            row.at.astimezone(settings.zone).strftime("%d/%m/%Y %H:%M"),
            row.unit_code,
            t(f"admin.audit.action.{row.action}", "vi"),
            row.actor
            if row.member_id is not None or row.actor != "operator"
            else t("admin.audit.operator", "vi"),
            _audit_detail(row.action, row.detail),
        )
    Console(soft_wrap=False).print(table)


def _audit_detail(action: str, detail: Mapping[str, Any]) -> str:
    """What an event changed, in a few words."""

    def role(value: object) -> str:
        return t(f"admin.role.{value}", "vi") if value in ("reporter", "supervisor") else str(value)

    match action:
        case "joined" | "left":
            return t("admin.audit.detail.role", "vi", role=role(detail.get("role")))
        case "role_changed":
            return f"{role(detail.get('from'))} → {role(detail.get('to'))}"
        case "removed":
            return t(
                "admin.audit.detail.removed", "vi", name=detail.get("name", ""), role=role(detail.get("role"))
            )
        case "join_failed":
            reason = detail.get("reason")
            return t(f"admin.audit.reason.{reason}", "vi") if reason in _REASONS else str(reason)
        case "invite_created":
            return t(
                "admin.audit.detail.invite",
                "vi",
                role=role(detail.get("role")),
                uses=str(detail.get("uses", "")),
                days=str(detail.get("days", "")),
            )
        case "returned":
            return t(
                "admin.audit.detail.returned",
                "vi",
                version=str(detail.get("version", "")),
                reason=detail.get("reason") or "",
            )
        case "answer_edited":
            return t(
                "admin.audit.detail.edited",
                "vi",
                question=str(detail.get("question", "")),
                version=str(detail.get("version", "")),
            )
        case "submitted" | "approved":
            return t("admin.audit.detail.version", "vi", version=str(detail.get("version", "")))
    return ", ".join(f"{key}={value}" for key, value in detail.items())


_REASONS = ("unknown", "expired", "used_up")


# --- shared --------------------------------------------------------------------------------------


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run a command; an unexpected error is one line naming the log file that holds its details."""
    run_async(_explained(coroutine))


async def _explained(coroutine: Coroutine[Any, Any, None]) -> None:
    try:
        await coroutine
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:  # noqa: BLE001 - an operator sees one sentence, the log keeps the rest
        log.exception("command failed")
        fail("admin.error.unexpected", error=type(error).__name__, log=_log_file())


def _log_file() -> str:
    """The file this process logs to (BAOCAO_LOG_FILE, as setup_logging opened it)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            return handler.baseFilename
    return "baocao.log"


def _refuse(error: Refused) -> NoReturn:
    """Print the reasons of a refusal, one line each, and exit with status 1."""
    for message in error.messages[:-1]:
        typer.echo(t(message.id, "vi", **message.params), err=True)
    last = error.messages[-1]
    fail(last.id, **last.params)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return url.split("@")[-1]


def _connect(settings: Settings) -> Database:
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from storage.db import Database

    try:
        return Database.connect(settings.database.url, pool_size=1)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError):
        fail("admin.error.bad_database_url", url=_safe_url(settings.database.url))


async def _unreachable(db: Database, settings: Settings, error: Exception) -> NoReturn:
    await db.dispose()
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    fail(
        "admin.error.unreachable",
        url=_safe_url(settings.database.url),
        reason=reason[0][:200] if reason else type(error).__name__,
    )


async def _revision(db: Database, settings: Settings) -> str | None:
    """The database's revision; if it cannot be reached, the command ends with one line."""
    from sqlalchemy.exc import DBAPIError

    from storage.migrate import current_revision

    try:
        return await current_revision(db)
    except (DBAPIError, OSError, TimeoutError) as error:
        await _unreachable(db, settings, error)


async def _open(settings: Settings) -> Database:
    """A database that is reachable and migrated to the newest revision, or one line and exit 1."""
    from sqlalchemy.exc import DBAPIError

    from storage.migrate import SchemaNotReady, check_schema

    db = _connect(settings)
    try:
        await check_schema(db)
    except SchemaNotReady as error:
        await db.dispose()
        _refuse(error)
    except (DBAPIError, OSError, TimeoutError) as error:
        await _unreachable(db, settings, error)
    return db
