"""What /healthz says of one channel: whether the platform took its token, how updates arrive, the
last one seen. Kept by the channel's client (token, webhook) and its inbound side (last event)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

Delivery = Literal["registered", "polling", "not registered"]


class ChannelHealth:
    """Mutable on purpose: one per channel per process, written as things happen, read by /healthz."""

    def __init__(self) -> None:
        self.token_valid: bool | None = None  # None: not asked yet
        self.webhook: Delivery = "not registered"
        self.last_event: datetime | None = None

    def seen(self, at: datetime | None = None) -> None:
        self.last_event = at or datetime.now(UTC)

    def as_dict(self) -> dict[str, Any]:
        return {
            "token_valid": self.token_valid,
            "webhook": self.webhook,
            "last_event": self.last_event.isoformat() if self.last_event else None,
        }
