"""What a reminder says: pure, message ids and parameters (text in locales/*/LC_MESSAGES/reminders.po).

"Báo cáo “Tổng kết …” của Xã Hải Ba: còn 12/35 câu, hạn 30/06/2018 — còn 3 ngày." with the
"Tiếp tục báo cáo" button (typed: "tiếp tục"), which resumes the report exactly where it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.i18n import channel_name
from dialogs import messages as ui
from dialogs.events import Button, Msg, Reply
from storage.reminders import LateUnit, Undelivered

DIGEST_UNITS = 25  # units listed in one digest; the rest are counted ("/chuanop" lists them all)
NAME_CHARS = 60


def short(text: str, limit: int = NAME_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def when(due_on: date, today: date) -> Msg:
    """ "còn 3 ngày", "hôm nay là hạn cuối", "đã quá hạn 2 ngày"."""
    days = (due_on - today).days
    if days > 0:
        return Msg("reminders.when.left", {"days": days})
    if days == 0:
        return Msg("reminders.when.today")
    return Msg("reminders.when.overdue", {"days": -days})


def left_of(unit: LateUnit, before_any: int) -> tuple[int, int]:
    """(questions left, questions in all) of the unit's report; `before_any`: required of a report
    not started (the outline's required questions, before any answer hides some)."""
    total = unit.required or before_any
    return max(total - unit.answered, 0), total


def due_reply(
    campaign: str, unit: LateUnit, due_on: date, today: date, before_any: int, *, by: str | None = None
) -> Reply:
    """The reminder to a unit's reporters, with the button that resumes their report."""
    left, total = left_of(unit, before_any)
    body: list[Msg] = []
    if by is not None:
        body.append(Msg("reminders.by_hand", {"unit": short(by)}))
    body.append(
        Msg(
            "reminders.due",
            {
                "campaign": short(campaign),
                "unit": short(unit.name),
                "left": left,
                "total": total,
                "date": due_on,
                "when": when(due_on, today),
            },
        )
    )
    if unit.status == "returned":
        body.append(Msg("reminders.returned"))
    body.append(Msg("reminders.resume"))
    return Reply(tuple(body), ((ui.BUTTON_RESUME,),))


def orphans_reply(campaign: str, units: Sequence[LateUnit], due_on: date, today: date) -> Reply:
    """To a supervisor: units of theirs that nobody has joined (or all left), so nobody is reminded."""
    body = [
        Msg(
            "reminders.orphans.header",
            {"campaign": short(campaign), "count": len(units), "date": due_on, "when": when(due_on, today)},
        )
    ]
    body += [Msg("reminders.orphans.unit", {"name": short(u.name), "code": u.code}) for u in units]
    body.append(Msg("reminders.orphans.how", {"code": units[0].code}))
    return Reply(tuple(body))


def digest_reply(
    campaign: str, units: Sequence[tuple[LateUnit, date]], today: date, before_any: int
) -> Reply:
    """To a supervisor, once a day: every overdue unit of theirs and how far it got."""
    body = [
        Msg("reminders.digest.header", {"campaign": short(campaign), "count": len(units), "today": today})
    ]
    for unit, due_on in units[:DIGEST_UNITS]:
        left, total = left_of(unit, before_any)
        body.append(
            Msg(
                "reminders.digest.returned" if unit.status == "returned" else "reminders.digest.unit",
                {
                    "name": short(unit.name),
                    "code": unit.code,
                    "answered": total - left,
                    "total": total,
                    "days": (today - due_on).days,
                },
            )
        )
    if len(units) > DIGEST_UNITS:
        body.append(Msg("reminders.digest.more", {"more": len(units) - DIGEST_UNITS}))
    body.append(Msg("reminders.digest.how"))
    return Reply(tuple(body))


def undelivered_reason(error: str) -> Msg:
    """Why a reminder could not be delivered, as a supervisor reads it (the platform's words vary)."""
    folded = error.lower()
    if "403" in folded or "blocked" in folded or "forbidden" in folded:
        return Msg("reminders.undelivered.blocked")
    if "48" in folded or "window" in folded or "interact" in folded:
        return Msg("reminders.undelivered.window")
    if "not found" in folded or "deactivated" in folded:
        return Msg("reminders.undelivered.gone")
    return Msg("reminders.undelivered.other")


def undelivered_line(found: Sequence[Undelivered]) -> Msg:
    """ "⚠ không gửi được nhắc nhở: Nguyễn Văn A (đã chặn bot)", for "ai chưa nộp"."""
    people = tuple(_undelivered_person(person) for person in found[:2])
    return Msg("reminders.undelivered", {"people": _join(people)})


def _undelivered_person(person: Undelivered) -> Msg:
    reason = undelivered_reason(person.error)
    if not person.name:
        # An account that gave no name: "một cán bộ chưa có tên trên Telegram (đã chặn bot)".
        where = channel_name(person.channel)
        return Msg("reminders.undelivered.unnamed", {"channel": where, "reason": reason})
    return Msg("reminders.undelivered.person", {"name": short(person.name, 24), "reason": reason})


def _join(people: tuple[Msg, ...]) -> Msg:
    if len(people) == 1:
        return people[0]
    return Msg("reminders.undelivered.two", {"first": people[0], "second": people[1]})


def confirm_button(unit_id: int, code: str) -> Button:
    return Button(Msg("reminders.button.send"), f"{ACTION}{unit_id}", f"/nhac {code} gui")


ACTION = "rm:"  # rm:<unit id>: send the reminders a /nhac confirmation offered
