"""`baocao outline list|show|validate`: the report outlines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import fail
from bot.i18n import t, translate

outline_app = typer.Typer(help="Dàn ý báo cáo: liệt kê, xem, kiểm tra tệp YAML.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(outline_app, name="outline")


@outline_app.command("list")
def list_outlines() -> None:
    """Liệt kê các dàn ý có sẵn."""
    from dialogs.builtin import builtin_outlines

    for outline in builtin_outlines().values():
        typer.echo(
            t(
                "outline.list_row",
                "vi",
                id=outline.id,
                version=outline.version,
                questions=outline.question_count,
                title=outline.title.get("vi"),
            )
        )


@outline_app.command("show")
def show(
    outline_id: Annotated[str, typer.Argument(metavar="ID", help="Mã dàn ý, ví dụ ct30-20nam.")],
    as_json: Annotated[bool, typer.Option("--json", help="In dàn ý đã chuẩn hóa dưới dạng JSON.")] = False,
    version: Annotated[int | None, typer.Option("--version", help="Phiên bản (mặc định: mới nhất).")] = None,
) -> None:
    """In một dàn ý."""
    from dialogs.builtin import get_outline
    from dialogs.loader import outline_to_dict

    try:
        outline = get_outline(outline_id, version)
    except KeyError:
        fail("outline.unknown", id=outline_id)
    if as_json:
        typer.echo(json.dumps(outline_to_dict(outline), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{outline.title.get('vi')} ({outline.id} v{outline.version})")
    for section in outline.sections:
        typer.echo(f"\n{section.title.get('vi')}")
        for question in section.questions:
            if question.is_answerable:
                typer.echo(
                    f"  {outline.number(question.id):>3}. [{question.type}] {question.label.get('vi')}"
                )


@outline_app.command("validate")
def validate(file: Annotated[Path, typer.Argument(help="Tệp YAML của dàn ý.")]) -> None:
    """Kiểm tra một tệp dàn ý; liệt kê mọi lỗi kèm dòng, cột."""
    from dialogs.loader import load_outline_file, validate_outline_file

    errors = validate_outline_file(file)
    if errors:
        typer.echo(t("outline.invalid", "vi", count=len(errors), file=str(file)), err=True)
        for error in errors:
            typer.echo("  " + translate(error.as_msg(), "vi"), err=True)
        raise typer.Exit(1)
    outline = load_outline_file(file)
    typer.echo(
        t(
            "outline.valid",
            "vi",
            id=outline.id,
            version=outline.version,
            sections=len(outline.sections),
            questions=outline.question_count,
        )
    )
