"""The outlines shipped with the bot, in dialogs/outlines/*.yaml."""

from __future__ import annotations

from functools import cache
from importlib import resources

from dialogs.loader import OutlineInvalid, load_outline
from dialogs.outline import Outline

_PACKAGE = "dialogs"
_FOLDER = "outlines"


@cache
def _all_versions() -> dict[tuple[str, int], Outline]:
    """Every built-in outline by (id, version); a broken file fails loudly, it is a bug in the release."""
    outlines: dict[tuple[str, int], Outline] = {}
    folder = resources.files(_PACKAGE) / _FOLDER
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        text = entry.read_text(encoding="utf-8")
        try:
            outline = load_outline(text)
        except OutlineInvalid as error:
            raise ValueError(f"built-in outline {entry.name} is invalid: {error.errors}") from error
        key = (outline.id, outline.version)
        if key in outlines:
            raise ValueError(f"built-in outline {outline.id} version {outline.version} is defined twice")
        outlines[key] = outline
    return outlines


def builtin_outlines() -> dict[str, Outline]:
    """The latest version of every built-in outline, by id."""
    latest: dict[str, Outline] = {}
    for (outline_id, version), outline in sorted(_all_versions().items()):
        if outline_id not in latest or latest[outline_id].version < version:
            latest[outline_id] = outline
    return latest


def get_outline(outline_id: str, version: int | None = None) -> Outline:
    """A built-in outline, its latest version unless `version` is given; KeyError if there is none."""
    if version is None:
        return builtin_outlines()[outline_id]
    return _all_versions()[(outline_id, version)]
