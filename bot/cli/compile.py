"""`baocao compile`: a unit's compiled report as DOCX, XLSX or PNG from the terminal; and
`baocao campaign set`: the header of a campaign's compiled reports (committee, số, place, signer).

The operator sees every unit (`bot.access.OPERATOR`) but goes through `oversees` like everyone
else (bot/cli/oversight.py `_asked`): a campaign that does not cover the unit is refused.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.admin import _open, _run
from bot.cli.common import fail, setup_logging
from bot.cli.oversight import _CAMPAIGN_HELP, _UNIT_HELP, _asked, _campaign_id
from bot.config import Settings
from bot.i18n import t


class Format(StrEnum):
    docx = "docx"
    xlsx = "xlsx"
    png = "png"


class From(StrEnum):
    grassroots = "grassroots"
    children = "children"


def register(app: typer.Typer) -> None:
    app.command("compile")(compile_)
    # `baocao campaign set` joins the `campaign` group made in bot/cli/admin.py.
    for group in app.registered_groups:
        if group.name == "campaign" and group.typer_instance is not None:
            group.typer_instance.command("set")(campaign_set)


def compile_(
    unit: Annotated[str, typer.Option("--unit", help=_UNIT_HELP)],
    fmt: Annotated[
        Format, typer.Option("--format", help="docx (báo cáo), xlsx (số liệu) hoặc png (biểu đồ).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Tệp ghi ra.")],
    campaign: Annotated[str | None, typer.Option("--campaign", help=_CAMPAIGN_HELP)] = None,
    source: Annotated[
        From | None,
        typer.Option(
            "--from",
            help="grassroots: từ mọi đơn vị cơ sở; children: từ báo cáo của các đơn vị trực thuộc "
            "(mặc định khi đã có đơn vị trực thuộc nộp báo cáo của mình).",
        ),
    ] = None,
) -> None:
    """Tổng hợp báo cáo của một đơn vị và các đơn vị cấp dưới thành tệp Word, Excel hoặc biểu đồ PNG."""
    setup_logging()
    _run(_compile(Settings(), unit, _campaign_id(campaign), fmt.value, out, source.value if source else None))


def _writable(out: Path) -> None:
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        fail("compile.cli.unwritable", path=str(out))
    if out.exists() and not os.access(out, os.W_OK):
        fail("compile.cli.unwritable", path=str(out))


async def _compile(
    settings: Settings, code: str, campaign_id: int | None, fmt: str, out: Path, source: str | None
) -> None:
    from bot.compiling import read, write

    _writable(out)
    db = await _open(settings)
    now = datetime.now(UTC)
    bar = _Bar()
    try:
        async with db.session() as session:
            asked = await _asked(session, code, campaign_id)
            with bar:
                compilation, counts = await read(
                    session,
                    asked.campaign,
                    asked.unit,
                    now,
                    now.astimezone(settings.zone).date(),
                    source=source,  # type: ignore[arg-type]
                    progress=bar.reading,
                )
                content = await asyncio.to_thread(write, fmt, compilation, counts, bar.writing, settings.zone)
    finally:
        await db.dispose()
    try:
        out.write_bytes(content)
    except OSError:
        fail("compile.cli.unwritable", path=str(out))
    typer.echo(
        t(
            "compile.cli.written",
            "vi",
            path=str(out),
            unit=asked.unit.name,
            reported=len(compilation.reported),
            total=len(compilation.units),
            size=len(content),
        )
    )


class _Bar:
    """A rich progress bar on stderr when it is a terminal; nothing when piped."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.bar = None
        self.task = None

    def __enter__(self) -> _Bar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(t("compile.cli.reading", "vi"), total=None)
        return self

    def reading(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total)

    def writing(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(
                self.task, description=t("compile.cli.writing", "vi"), completed=done, total=total
            )

    def __exit__(self, *_: object) -> None:
        if self.bar is not None:
            self.bar.stop()


# --- campaign set ------------------------------------------------------------------------------------


def campaign_set(
    campaign: Annotated[str, typer.Option("--campaign", help="Mã đợt báo cáo.")],
    committee: Annotated[
        str | None, typer.Option("--committee", help="Cơ quan ban hành, ví dụ “HUYỆN ỦY HẢI LĂNG”.")
    ] = None,
    superior: Annotated[
        str | None, typer.Option("--superior", help="Dòng trên tên cơ quan, ví dụ “ĐẢNG BỘ TỈNH QUẢNG TRỊ”.")
    ] = None,
    number: Annotated[str | None, typer.Option("--number", help="Số, ký hiệu, ví dụ “Số 85-BC/HU”.")] = None,
    place: Annotated[str | None, typer.Option("--place", help="Địa danh, ví dụ “Hải Lăng”.")] = None,
    signer_title: Annotated[str | None, typer.Option("--signer-title", help="Chức vụ người ký.")] = None,
    on_behalf: Annotated[
        str | None, typer.Option("--on-behalf", help="Thẩm quyền ký, ví dụ “T/M BAN THƯỜNG VỤ”.")
    ] = None,
    basis: Annotated[str | None, typer.Option("--basis", help="Căn cứ: kế hoạch, hướng dẫn.")] = None,
    recipient: Annotated[
        list[str] | None, typer.Option("--recipient", help="Một dòng “Nơi nhận”; lặp lại cho mỗi dòng.")
    ] = None,
) -> None:
    """Đặt phần đầu và phần ký của báo cáo tổng hợp của một đợt (chuỗi rỗng: trở về mặc định)."""
    setup_logging()
    fields = {
        name: value
        for name, value in (
            ("committee", committee),
            ("superior", superior),
            ("number", number),
            ("place", place),
            ("signer_title", signer_title),
            ("on_behalf", on_behalf),
            ("basis", basis),
        )
        if value is not None
    }
    _run(_campaign_set(Settings(), _campaign_id(campaign), fields, recipient))


async def _campaign_set(
    settings: Settings, campaign_id: int | None, fields: dict[str, str], recipients: list[str] | None
) -> None:
    from storage.compiled import set_header

    assert campaign_id is not None
    db = await _open(settings)
    try:
        async with db.session() as session, session.begin():
            found = await set_header(session, campaign_id, fields, recipients)
    finally:
        await db.dispose()
    if not found:
        fail("admin.oversight.unknown_campaign", campaign=str(campaign_id))
    typer.echo(
        t(
            "compile.cli.header_set",
            "vi",
            campaign=str(campaign_id),
            count=len(fields) + bool(recipients is not None),
        )
    )
