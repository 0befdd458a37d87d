"""The oversight buttons' actions: short strings that name units by id (≤ 64 bytes on Telegram).

A pressed action is only a request: the unit it names is loaded and checked through `oversees`
again, and a page number is clamped to the pages there are now, so a stale or forged action can
never show more than typing would.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PREFIX = "ov:"


class Act(StrEnum):
    MISSING = "m"  # ov:m:<unit>:<page>  the units not submitted under a unit
    PROGRESS = "p"  # ov:p:<unit>:<page>  progress of a unit
    REVIEW = "r"  # ov:r:<unit>:<page>  a unit's report, section <page>
    APPROVE = "a"  # ov:a:<unit>:<version>
    RETURN = "t"  # ov:t:<unit>:<version>  asks for the reason
    SWITCH = "u"  # ov:u:<unit>  work in one of my units
    REMOVE = "x"  # ov:x:<unit>:<member>  asks to confirm
    REMOVE_YES = "X"  # ov:X:<unit>:<member>
    LEAVE_YES = "L"  # ov:L:<unit>
    CANCEL = "n"  # ov:n


@dataclass(frozen=True)
class Pressed:
    act: Act
    unit_id: int = 0
    number: int = 0  # a page, a version or a member id, by act


def action(act: Act, unit_id: int = 0, number: int | None = None) -> str:
    """The action string of a button."""
    if act is Act.CANCEL:
        return PREFIX + act.value
    if number is None:
        return f"{PREFIX}{act.value}:{unit_id}"
    return f"{PREFIX}{act.value}:{unit_id}:{number}"


def is_oversight(action_text: str | None) -> bool:
    return action_text is not None and action_text.startswith(PREFIX)


def parse(action_text: str) -> Pressed | None:
    """The pressed action, or None for one that is not well formed (forged or from another version)."""
    parts = action_text.removeprefix(PREFIX).split(":")
    try:
        act = Act(parts[0])
        numbers = [int(part) for part in parts[1:]]
    except ValueError:
        return None
    if act is Act.CANCEL:
        return Pressed(act) if not numbers else None
    if not 1 <= len(numbers) <= 2 or any(n < 0 or n > 2**62 for n in numbers):
        return None
    return Pressed(act, numbers[0], numbers[1] if len(numbers) == 2 else 0)
