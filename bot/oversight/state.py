"""What a supervisor's conversation keeps between two messages (members.oversight_state, JSON).

Two things: the report being read (so that a bare /duyet or /tralai knows which unit and which
version the supervisor saw) and a return waiting for its reason, the next message.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Reading:
    """The report a supervisor opened last: the unit, and the version shown."""

    unit_id: int
    version: int


@dataclass(frozen=True)
class OversightState:
    reading: Reading | None = None
    # A return asked for: the next typed message is its reason (unit and version as in `reading`).
    awaiting_reason: bool = False

    def to_json(self) -> str | None:
        if self.reading is None:
            return None
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | None) -> OversightState:
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            reading = data.get("reading")
            return cls(
                Reading(int(reading["unit_id"]), int(reading["version"])) if reading else None,
                bool(data.get("awaiting_reason")),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls()  # a state written by another version: start afresh
