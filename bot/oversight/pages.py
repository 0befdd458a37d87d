"""The supervisor's pages as replies, from the storage views: pure, no I/O, every text a catalog id.

Each page is one reply that fits one message of any channel (Zalo: 2,000 characters): lists are
paged (`MISSING_PAGE_SIZE`, `CHILDREN_PAGE_SIZE`), names and comments shortened, and each button
also carries what to type on a channel without buttons (a slash command naming the unit's code).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from bot.i18n import DISPLAY_TZ, channel_name, translate
from bot.oversight.actions import Act, action
from bot.reminders.messages import undelivered_line
from dialogs import messages as ui
from dialogs.events import Answer, Button, Msg, Reply
from dialogs.outline import Outline
from dialogs.plan import Item, plan_of
from dialogs.progress import Progress, has_value
from storage.members import MembershipView
from storage.oversight import MissingGroup

if TYPE_CHECKING:
    from storage.members import UnitMember
    from storage.oversight import (
        Change,
        Contact,
        MissingPage,
        MissingUnit,
        ProgressReport,
        ReviewView,
    )
    from storage.units import UnitView

# Units with the longest names, codes, contacts and a return comment, and what to type for each, still
# fit one message of 2,000 characters (Zalo); Telegram (4,096) and the terminal take twice as many.
MISSING_PAGE_SIZE = 4
_LONGER_PAGES = {"telegram": 8, "console": 8}
CHILDREN_PAGE_SIZE = 10
NAME_CHARS = 48
TITLE_CHARS = 60
COMMENT_CHARS = 70  # in a list of units
REASON_CHARS = 600  # a return reason shown on its own
REVIEW_PAGE_CHARS = 1_300  # answers on one page of a report (with its header, under 2,000)
ANSWER_CHARS = 1_000  # of one very long answer
CONTACTS_SHOWN = 2
CHANGES_SHOWN = 12


def missing_page_size(channel: str) -> int:
    """How many units a page of "ai chưa nộp" lists on `channel`."""
    return _LONGER_PAGES.get(channel, MISSING_PAGE_SIZE)


def short(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at a word, with "…" if cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"


def local_day(moment: datetime, zone: tzinfo | None) -> date:
    return moment.astimezone(zone or DISPLAY_TZ).date()


def activity(last: datetime | None, today: date, zone: tzinfo | None) -> Msg:
    """ "hoạt động gần nhất 3 ngày trước", counted in local days."""
    if last is None:
        return Msg("oversight.activity.never")
    days = (today - local_day(last, zone)).days
    if days <= 0:
        return Msg("oversight.activity.today")
    if days == 1:
        return Msg("oversight.activity.yesterday")
    return Msg("oversight.activity.days", {"days": days})


def contact(who: Contact, limit: int | None = 24) -> Msg:
    """One contact as chat and the operator's table show it: name (cut to `limit` characters, None:
    whole) and channel."""
    channel = channel_name(who.channel)
    if not who.name:
        # An account that gave no name (the terminal, a Zalo user who hid it): say who they are there.
        return Msg("oversight.contact.unnamed", {"channel": channel})
    name = who.name if limit is None else short(who.name, limit)
    return Msg("oversight.contact", {"name": name, "channel": channel})


def contacts(found: Sequence[Contact]) -> Msg:
    if not found:
        return Msg("oversight.contacts.none")
    shown = tuple(contact(c) for c in found[:CONTACTS_SHOWN])
    joined = (
        Msg("oversight.contacts.two", {"first": shown[0], "second": shown[1]}) if len(shown) > 1 else shown[0]
    )
    if len(found) > CONTACTS_SHOWN:
        return Msg("oversight.contacts.more", {"shown": joined, "more": len(found) - CONTACTS_SHOWN})
    return joined


def _due(unit: MissingUnit) -> Msg:
    if unit.due_on is None:
        return Msg("oversight.due.none")
    return Msg("oversight.due.overdue" if unit.overdue else "oversight.due.on", {"date": unit.due_on})


# --- "ai chưa nộp" ----------------------------------------------------------------------------------


def missing_reply(
    page: MissingPage,
    campaign_title: str,
    today: date,
    zone: tzinfo | None,
    *,
    top_unit_id: int,
    asked_page: int | None = None,
) -> Reply:
    """One page of the units not submitted under `page.under`, grouped by the level just below.

    `top_unit_id`: the unit the supervisor oversees from (no "up" above it); `asked_page`: the page a
    button asked for, told when the list has changed and that page is gone.
    """
    under = page.under
    body: list[Msg] = []
    if asked_page is not None and asked_page != page.page:
        body.append(Msg("oversight.page.stale", {"page": asked_page + 1, "shown": page.page + 1}))
    if page.total_missing == 0:
        body.append(
            Msg(
                "oversight.missing.none",
                {"unit": short(under.name, TITLE_CHARS), "campaign": short(campaign_title, TITLE_CHARS)},
            )
        )
    else:
        body.append(
            Msg(
                "oversight.missing.header",
                {
                    "unit": short(under.name, TITLE_CHARS),
                    "campaign": short(campaign_title, TITLE_CHARS),
                    "missing": page.total_missing,
                    "page": page.page + 1,
                    "pages": max(page.pages, 1),
                },
            )
        )
    rows: list[tuple[Button, ...]] = []
    for row in page.rows:
        if isinstance(row, MissingGroup):
            body.append(_group_line(row))
            rows.append(
                (_button(Act.MISSING, row.unit_id, 0, "oversight.button.open", row.code, "/chuanop"),)
            )
        else:
            body.extend(_unit_lines(row, today, zone))
            rows.append((_button(Act.REVIEW, row.unit_id, 0, "oversight.button.review", row.code, "/donvi"),))
    if page.rows:
        body.append(Msg("oversight.missing.how"))
    nav = _paging(Act.MISSING, under.id, under.code, page.page, page.pages, "/chuanop")
    if under.id != top_unit_id and under.parent_id is not None:
        nav.append(Button(Msg("oversight.button.up"), action(Act.MISSING, under.parent_id, 0), "/chuanop"))
    if nav:
        rows.append(tuple(nav))
    return Reply(tuple(body), tuple(rows))


def _group_line(group: MissingGroup) -> Msg:
    params = {
        "name": short(group.name, NAME_CHARS),
        "code": group.code,
        "missing": group.missing,
        "total": group.total,
    }
    if group.overdue:
        return Msg("oversight.missing.group_overdue", {**params, "overdue": group.overdue})
    return Msg("oversight.missing.group", params)


def _unit_lines(unit: MissingUnit, today: date, zone: tzinfo | None) -> list[Msg]:
    lines = [
        Msg(
            "oversight.missing.unit",
            {
                "name": short(unit.name, NAME_CHARS),
                "code": unit.code,
                "status": Msg(f"oversight.status.{unit.status}"),
                "answered": unit.answered,
                "required": unit.required,
                "due": _due(unit),
                "activity": activity(unit.last_activity, today, zone),
                "contacts": contacts(unit.contacts),
            },
        )
    ]
    if unit.status == "returned" and unit.returned_comment:
        lines.append(
            Msg("oversight.missing.returned", {"comment": short(unit.returned_comment, COMMENT_CHARS)})
        )
    if unit.undelivered:
        lines.append(undelivered_line(unit.undelivered))
    return lines


def _button(act: Act, unit_id: int, number: int, label: str, code: str, command: str) -> Button:
    return Button(Msg(label, {"code": code}), action(act, unit_id, number), f"{command} {code}")


def _paging(act: Act, unit_id: int, code: str, page: int, pages: int, command: str) -> list[Button]:
    """Previous and next page buttons, where there are such pages (typed: "/chuanop H1 3")."""
    buttons: list[Button] = []
    for shown, label in ((page - 1, "oversight.button.previous"), (page + 1, "oversight.button.next")):
        if 0 <= shown < pages:
            buttons.append(Button(Msg(label), action(act, unit_id, shown), f"{command} {code} {shown + 1}"))
    return buttons


# --- "tiến độ" --------------------------------------------------------------------------------------


def progress_reply(
    report: ProgressReport, unit_name: str, campaign_title: str, outline: Outline, page: int = 0
) -> Reply:
    """The counts of a subtree, per child unit (paged), and per section of the outline."""
    counts = report.unit
    body: list[Msg] = [
        Msg("oversight.progress.header", {"unit": unit_name, "campaign": campaign_title}),
        _counts(counts),
    ]
    children = report.children
    pages = max(1, -(-len(children) // CHILDREN_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = children[page * CHILDREN_PAGE_SIZE : (page + 1) * CHILDREN_PAGE_SIZE]
    if shown:
        body.append(Msg("oversight.progress.children"))
        body.extend(
            Msg(
                "oversight.progress.child",
                {
                    "name": short(c.name, NAME_CHARS),
                    "code": c.code,
                    "submitted": c.submitted,
                    "total": c.total,
                    "in_progress": c.in_progress,
                    "not_started": c.not_started,
                    "returned": c.returned,
                    "overdue": c.overdue,
                },
            )
            for c in shown
        )
    if report.sections:
        numbers = {section.id: index + 1 for index, section in enumerate(outline.sections)}
        body.append(Msg("oversight.progress.sections"))
        total = counts.total
        body.extend(
            Msg(
                "oversight.progress.section",
                {
                    "number": numbers.get(s.id, index + 1),
                    "title": s.title,
                    "answered": s.answered_units,
                    "total": total,
                    "percent": round(100 * s.answered_units / total) if total else 0,
                },
            )
            for index, s in enumerate(report.sections)
        )
    nav = _paging(Act.PROGRESS, counts.unit_id, counts.code, page, pages, "/tiendo")
    return Reply(tuple(body), (tuple(nav),) if nav else ())


def _counts(counts: object) -> Msg:
    return Msg(
        "oversight.progress.counts",
        {
            name: getattr(counts, name)
            for name in ("submitted", "total", "in_progress", "not_started", "returned", "overdue")
        },
    )


# --- reading a report -------------------------------------------------------------------------------


def review_parts(view: ReviewView, outline: Outline, locale: str) -> list[tuple[int, tuple[Msg, ...]]]:
    """The report's answers cut into pages: each section on pages of its own, a section whose
    answers are long over several, so that a page fits one message of any channel."""
    plan = plan_of(outline)
    progress = Progress(plan, view.answers)
    parts: list[tuple[int, tuple[Msg, ...]]] = []
    for index, section in enumerate(outline.sections):
        lines: list[Msg] = []
        size = 0
        for question in section.questions:
            if not question.is_answerable:
                continue
            item = plan.by_id[question.id]
            line = _item_line(item, view.answers.get(item.id), progress.visible(item))
            length = len(translate(line, locale))
            if lines and size + length > REVIEW_PAGE_CHARS:
                parts.append((index, tuple(lines)))
                lines, size = [], 0
            lines.append(line)
            size += length
        parts.append((index, tuple(lines)))
    return parts


def _item_line(item: Item, answer: Answer | None, visible: bool) -> Msg:
    if not visible:
        return ui.named("engine.review.item", item, answer=Msg("engine.review.not_applicable"))
    if answer is not None and isinstance(answer.value, str) and len(answer.value) > ANSWER_CHARS:
        # A very long narrative: its beginning here; the whole of it goes with the compiled report.
        cut = replace(answer, value=short(answer.value, ANSWER_CHARS))
        shown = Msg("oversight.review.cut", {"answer": ui.review_value(item, cut), "more": len(answer.value)})
        return ui.named("engine.review.item", item, answer=shown)
    return ui.named("engine.review.item", item, answer=ui.review_value(item, answer))


def review_reply(
    view: ReviewView,
    outline: Outline,
    campaign_title: str,
    page: int,
    *,
    locale: str = "vi",
    read_version: int | None = None,
    changes: Sequence[Change] | None = None,
) -> Reply:
    """A unit's report: its status, who submitted it and when, what changed since the version the
    supervisor read (on the first page), then a page of answers; Duyệt / Trả lại if submitted."""
    plan = plan_of(outline)
    parts = review_parts(view, outline, locale) or [(0, ())]
    pages = len(parts)
    page = min(max(page, 0), pages - 1)
    section = parts[page][0]
    unit = view.unit
    body: list[Msg] = [
        Msg(
            "oversight.review.header",
            {
                "unit": unit.name,
                "code": unit.code,
                "campaign": campaign_title,
                "status": Msg(f"oversight.status.{view.status}"),
                "version": view.version,
            },
        )
    ]
    if page == 0:
        if view.submitted_at is not None:
            body.append(
                Msg("oversight.review.submitted", {"at": view.submitted_at, "by": view.submitted_by or "—"})
            )
        if view.status == "returned" and view.reviewed_at is not None:
            comment = short(view.returned_comment or "—", REASON_CHARS)
            body.append(Msg("oversight.review.returned", {"at": view.reviewed_at, "comment": comment}))
        if view.status == "approved" and view.reviewed_at is not None:
            body.append(Msg("oversight.review.approved", {"at": view.reviewed_at}))
        document = view.document
        if document is not None:
            body.append(
                Msg(
                    "oversight.review.document",
                    {
                        "number": document.number,
                        "signed_on": document.signed_on,
                        "signer_title": document.signer_title,
                        "signer_name": document.signer_name,
                    },
                )
            )
        if read_version is not None and changes is not None:
            body.extend(changes_lines(changes, outline, read_version))
    if plan.sections:
        body.append(ui.section_title(plan, section))
        body.extend(parts[page][1])
        body.append(
            Msg(
                "oversight.review.page",
                {"page": page + 1, "pages": pages, "section": section + 1, "sections": plan.sections},
            )
        )
    rows: list[tuple[Button, ...]] = []
    around = _paging(Act.REVIEW, unit.id, unit.code, page, pages, "/donvi")
    if around:
        rows.append(tuple(around))
    if view.status == "submitted":
        body.append(Msg("oversight.review.how"))
        rows.append(
            (
                Button(
                    Msg("oversight.button.approve", {"version": view.version}),
                    action(Act.APPROVE, unit.id, view.version),
                    f"/duyet {unit.code}",
                ),
                Button(
                    Msg("oversight.button.return"),
                    action(Act.RETURN, unit.id, view.version),
                    f"/tralai {unit.code}",
                ),
            )
        )
    return Reply(tuple(body), tuple(rows))


def changes_lines(changes: Sequence[Change], outline: Outline, read_version: int) -> list[Msg]:
    """What changed since the version the supervisor read: question, old → new."""
    if not changes:
        return [Msg("oversight.review.no_changes", {"version": read_version})]
    plan = plan_of(outline)
    lines = [Msg("oversight.review.changes", {"version": read_version})]
    for change in changes[:CHANGES_SHOWN]:
        item = plan.by_id.get(change.question_id)
        if item is None:
            continue
        lines.append(
            Msg(
                "oversight.review.change",
                {
                    "number": item.name,
                    "old": _change_value(item, change.old),
                    "new": _change_value(item, change.new),
                },
            )
        )
    if len(changes) > CHANGES_SHOWN:
        lines.append(Msg("oversight.review.changes_more", {"count": len(changes) - CHANGES_SHOWN}))
    return lines


def _change_value(item: object, answer: Answer | None) -> Msg:
    if answer is None:
        return Msg("oversight.review.empty_value")
    if answer.skipped or not has_value(item, answer):  # type: ignore[arg-type]
        return ui.review_value(item, answer)  # type: ignore[arg-type]
    return ui.value(item, answer, full=False)  # type: ignore[arg-type]


# --- my units, a unit's members ---------------------------------------------------------------------


def units_reply(memberships: Sequence[MembershipView], current: MembershipView | None) -> Reply:
    body: list[Msg] = [Msg("oversight.units.header")]
    rows: list[tuple[Button, ...]] = []
    for m in memberships:
        body.append(
            Msg(
                "oversight.units.row",
                {
                    "mark": "✓" if current is not None and m.unit_id == current.unit_id else "•",
                    "name": m.unit_name,
                    "code": m.unit_code,
                    "role": Msg(f"service.role.{m.role}"),
                },
            )
        )
        rows.append(
            (
                Button(
                    Msg("oversight.button.switch", {"code": m.unit_code}),
                    action(Act.SWITCH, m.unit_id),
                    f"/donvi {m.unit_code}",
                ),
            )
        )
    body.append(Msg("oversight.units.how"))
    return Reply(tuple(body), tuple(rows))


def members_reply(unit: UnitView, members: Sequence[UnitMember]) -> Reply:
    if not members:
        return Reply((Msg("oversight.members.none", {"unit": unit.name}),))
    body: list[Msg] = [Msg("oversight.members.header", {"unit": unit.name, "count": len(members)})]
    rows: list[tuple[Button, ...]] = []
    for number, m in enumerate(members, start=1):
        channels = ", ".join(channel_name(c) for c in m.channels) or "—"
        body.append(
            Msg(
                "oversight.members.row",
                {
                    "number": number,
                    "name": short(m.display_name or "—", 60),
                    "role": Msg(f"service.role.{m.role}"),
                    "channels": channels,
                    "joined": m.joined_at.date() if isinstance(m.joined_at, datetime) else m.joined_at,
                    "id": str(m.member_id),
                },
            )
        )
        rows.append(
            (
                Button(
                    Msg("oversight.button.remove", {"name": short(m.display_name or str(m.member_id), 30)}),
                    action(Act.REMOVE, unit.id, m.member_id),
                    f"/xoa {unit.code} {m.member_id}",
                ),
            )
        )
    body.append(Msg("oversight.members.how", {"code": unit.code}))
    return Reply(tuple(body), tuple(rows))


def confirm_remove(unit: UnitView, member: UnitMember) -> Reply:
    return Reply(
        (
            Msg(
                "oversight.remove.confirm",
                {"name": member.display_name or str(member.member_id), "unit": unit.name},
            ),
        ),
        (
            (
                Button(
                    Msg("oversight.button.yes_remove"),
                    action(Act.REMOVE_YES, unit.id, member.member_id),
                    f"/xoa {unit.code} {member.member_id}",
                ),
                Button(Msg("oversight.button.cancel"), action(Act.CANCEL), "/chuanop"),
            ),
        ),
    )


def confirm_leave(membership: MembershipView) -> Reply:
    return Reply(
        (Msg("oversight.leave.confirm", {"unit": membership.unit_name, "code": membership.unit_code}),),
        (
            (
                Button(
                    Msg("oversight.button.yes_leave", {"code": membership.unit_code}),
                    action(Act.LEAVE_YES, membership.unit_id),
                    f"/roikhoi {membership.unit_code}",
                ),
                Button(Msg("oversight.button.cancel"), action(Act.CANCEL), "/baocao"),
            ),
        ),
    )
