"""The deadline of the member's level, as a cadre reads it: "Hạn nộp: 30/06/2018 (còn 5 ngày)"."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from dialogs.events import Context, Msg

# Days are counted in the local date where the report is made (Settings.timezone reaches the engine
# as Context.zone); a deadline "30/6" ends at midnight there, not in UTC seven hours later.
HOME = ZoneInfo("Asia/Ho_Chi_Minh")


def days_left(deadline: date, now: datetime, zone: tzinfo | None = None) -> int:
    """Whole days from today (the local date in `zone`) to the deadline: negative when overdue."""
    return (deadline - now.astimezone(zone or HOME).date()).days


def deadline_msg(deadline: date, now: datetime, zone: tzinfo | None = None) -> Msg:
    """The deadline with the days left, "hôm nay", or the days overdue."""
    days = days_left(deadline, now, zone)
    if days > 0:
        return Msg("engine.deadline.left", {"date": deadline, "days": days})
    if days == 0:
        return Msg("engine.deadline.today", {"date": deadline})
    return Msg("engine.deadline.overdue", {"date": deadline, "days": -days})


def deadline_line(ctx: Context) -> Msg | None:
    """The deadline of the member's level in this report, None if the campaign gives it none."""
    if ctx.deadline is None:
        return None
    return deadline_msg(ctx.deadline, ctx.now, ctx.zone)
