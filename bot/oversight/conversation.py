"""The supervisor's conversation: each typed command or pressed button loaded, checked, answered.

Every unit named — typed, pressed, or forged into a button — is checked through
`bot.access.oversees` (with the campaign, where one is read) before anything about it is read or
changed; a unit outside the scope gets one sentence that names nothing of it. Storage does the
reading and the guarded writes; `pages` turns what it read into replies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import oversees, supervised
from bot.oversight import pages
from bot.oversight.actions import Act, Pressed, parse
from bot.oversight.state import OversightState, Reading
from bot.router import Oversight, OversightView, SwitchMembership
from dialogs import text as tx
from dialogs.events import Msg, Reply
from storage import oversight as views
from storage.campaigns import CampaignSummary
from storage.db import Refused
from storage.invites import create_invite
from storage.members import (
    MembershipView,
    MemberView,
    chats_of_unit,
    leave_unit,
    remove_membership,
    set_current_unit,
    set_oversight_state,
    unit_members,
)
from storage.submissions import SubmissionChanged, approve_submission, return_submission
from storage.units import UnitView, code_key, unit_by_id

_CANCEL_WORDS = frozenset({"/huy", "huy", "huy bo", "thoi", "/cancel", "cancel", "khong tra lai"})
_ROLE_WORDS = {
    "baocao": "reporter", "bao cao": "reporter", "reporter": "reporter", "cb": "reporter",
    "theodoi": "supervisor", "theo doi": "supervisor", "supervisor": "supervisor",
}  # fmt: skip
_INVITE_USES, _INVITE_DAYS = 1, 30  # as `baocao invite`


@dataclass(frozen=True)
class Asker:
    """Who is asking, from where, and when."""

    member: MemberView
    channel: str
    chat_id: str
    locale: str
    now: datetime
    zone: tzinfo | None = None
    bot_username: str | None = None  # Telegram: invite codes come with a deep link
    secret: str | None = None  # BAOCAO_SECRET_KEY: invite codes are made under it (None: none made)

    @property
    def today(self) -> date:
        return pages.local_day(self.now, self.zone)

    @property
    def state(self) -> OversightState:
        return OversightState.from_json(self.member.oversight_state)


@dataclass(frozen=True)
class Said:
    """What the conversation answers: replies to the asker, notices to others (as channel, chat,
    locale, replies)."""

    replies: tuple[Reply, ...]
    notices: tuple[tuple[str, str, str, tuple[Reply, ...]], ...] = field(default=())


def _say(message_id: str, **params: object) -> Said:
    return Said((Reply((Msg(message_id, params),)),))  # type: ignore[arg-type]


def _refused(messages: Sequence[Msg]) -> Said:
    return Said((Reply(tuple(messages)),))


class _Stop(Exception):
    """A sentence to answer with instead of going on (unknown unit, outside the scope, …)."""

    def __init__(self, said: Said) -> None:
        self.said = said


# --- entry points -------------------------------------------------------------------------------


async def on_intent(session: AsyncSession, asker: Asker, intent: Oversight | SwitchMembership) -> Said:
    """A typed command."""
    try:
        if isinstance(intent, SwitchMembership):
            return await _switch_or_open(session, asker, intent.unit_code)
        argument = intent.argument.strip()
        match intent.view:
            case OversightView.MISSING:
                unit, page = await _unit_and_page(session, asker, argument)
                return await _missing(session, asker, unit, page)
            case OversightView.PROGRESS:
                unit, page = await _unit_and_page(session, asker, argument)
                return await _progress(session, asker, unit, page)
            case OversightView.APPROVE:
                unit, version = await _deciding(session, asker, argument)
                return await _approve(session, asker, unit, version)
            case OversightView.RETURN:
                return await _typed_return(session, asker, argument)
            case OversightView.MEMBERS:
                unit, _ = await _unit_and_page(session, asker, argument)
                return pages_said(pages.members_reply(unit, await unit_members(session, unit.id)))
            case OversightView.REMOVE:
                return await _typed_remove(session, asker, argument)
            case OversightView.INVITE:
                return await _invite(session, asker, argument)
            case OversightView.LEAVE:
                return await _leave(session, asker, argument)
    except _Stop as stop:
        return stop.said
    raise ValueError(intent)


async def on_action(session: AsyncSession, asker: Asker, action_text: str) -> Said:
    """A pressed button (or forged callback data): re-checked from scratch."""
    pressed = parse(action_text)
    if pressed is None:
        return _say("oversight.stale")
    if asker.state.awaiting_reason:
        await _keep(session, asker, replace(asker.state, awaiting_reason=False))
    try:
        return await _pressed(session, asker, pressed)
    except _Stop as stop:
        return stop.said


async def on_pending(session: AsyncSession, asker: Asker, text: str) -> Said | None:
    """The message after "trả lại": its reason. None: nothing is pending, or the member moved on to
    another command (the return is dropped) — route the message as usual."""
    state = asker.state
    if not state.awaiting_reason or state.reading is None:
        return None
    folded = tx.fold(text)
    if folded in _CANCEL_WORDS or text.strip().lower() in _CANCEL_WORDS:
        await _keep(session, asker, replace(state, awaiting_reason=False))
        unit = await unit_by_id(session, state.reading.unit_id)
        return _say("oversight.return.cancelled", unit=unit.name if unit else "")
    if text.startswith("/"):
        await _keep(session, asker, replace(state, awaiting_reason=False))
        return None
    if not any(ch.isalnum() for ch in text):
        return _say("oversight.return.empty_reason")
    try:
        unit = await _unit_by_id(session, asker, state.reading.unit_id)
        said = await _return(session, asker, unit, state.reading.version, text)
    except _Stop as stop:
        said = stop.said
    await _keep(session, asker, replace(state, awaiting_reason=False))
    return said


def pages_said(reply: Reply) -> Said:
    return Said((reply,))


# --- units: typed, pressed, checked ---------------------------------------------------------------


def _home(asker: Asker) -> MembershipView:
    """The unit a supervisor looks from when they name none: the current one if they supervise it."""
    mine = supervised(asker.member)
    if not mine:
        raise _Stop(_say("oversight.no_supervision"))
    return mine[0]


async def _typed_unit(session: AsyncSession, asker: Asker, typed: str) -> UnitView:
    unit = await views.find_unit(session, typed)
    if unit is None:
        raise _Stop(_say("oversight.unit.unknown", code=pages.short(typed, 40)))
    if oversees(asker.member, unit) is None:
        raise _Stop(_say("oversight.unit.outside"))
    return unit


async def _unit_by_id(session: AsyncSession, asker: Asker, unit_id: int) -> UnitView:
    unit = await unit_by_id(session, unit_id)
    if unit is None:
        raise _Stop(_say("oversight.stale"))
    if oversees(asker.member, unit) is None:
        raise _Stop(_say("oversight.unit.outside"))
    return unit


async def _unit_and_page(session: AsyncSession, asker: Asker, argument: str) -> tuple[UnitView, int]:
    """ "/chuanop", "/chuanop H1", "/chuanop H1 2" (pages counted from 1 when typed)."""
    words = argument.split()
    page = 0
    if len(words) >= 2 and words[-1].isdigit():
        page = max(int(words.pop()) - 1, 0)
    if not words:
        home = _home(asker)
        unit = await unit_by_id(session, home.unit_id)
        assert unit is not None
        return unit, page
    return await _typed_unit(session, asker, " ".join(words)), page


async def _campaign(session: AsyncSession, asker: Asker, unit: UnitView) -> CampaignSummary:
    campaign = await views.latest_campaign_for(session, unit)
    if campaign is None:
        raise _Stop(_say("oversight.no_campaign", unit=unit.name))
    if oversees(asker.member, unit, campaign) is None:
        raise _Stop(_say("oversight.unit.outside"))
    return campaign


async def unit_and_campaign(
    session: AsyncSession, asker: Asker, typed: str
) -> tuple[UnitView, CampaignSummary] | Said:
    """The unit a command names (typed, else the asker's own) and its newest campaign, both checked
    through `oversees`; or the one sentence why not ("tổng hợp" asks this too)."""
    try:
        if typed:
            unit = await _typed_unit(session, asker, typed)
        else:
            found = await unit_by_id(session, _home(asker).unit_id)
            assert found is not None
            unit = found
        return unit, await _campaign(session, asker, unit)
    except _Stop as stop:
        return stop.said


def _top(asker: Asker, unit: UnitView) -> int:
    granted = oversees(asker.member, unit)
    return granted.unit_id if isinstance(granted, MembershipView) else unit.id


# --- the pages ------------------------------------------------------------------------------------


async def _missing(session: AsyncSession, asker: Asker, unit: UnitView, page: int) -> Said:
    campaign = await _campaign(session, asker, unit)
    found = await views.missing_page(
        session, campaign, unit, asker.today, page=page, page_size=pages.missing_page_size(asker.channel)
    )
    reply = pages.missing_reply(
        found, campaign.title, asker.today, asker.zone, top_unit_id=_top(asker, unit), asked_page=page
    )
    return pages_said(reply)


async def _progress(session: AsyncSession, asker: Asker, unit: UnitView, page: int) -> Said:
    campaign = await _campaign(session, asker, unit)
    report = await views.progress_report(session, campaign, unit, asker.today)
    outline = views.campaign_outline(campaign)
    return pages_said(pages.progress_reply(report, unit.name, campaign.title, outline, page))


async def _review(session: AsyncSession, asker: Asker, unit: UnitView, section: int) -> Said:
    campaign = await _campaign(session, asker, unit)
    view = await views.review_view(session, campaign.id, unit.id)
    if view is None:
        return _say("oversight.review.none", unit=unit.name, campaign=campaign.title)
    read_version = changes = None
    if section == 0 and view.submitted_version is not None:
        member_id = asker.member.member_id
        read_version = await views.last_read_version(session, member_id, view.submission_id)
        if read_version is not None and read_version < view.submitted_version:
            changes = await views.changes_since(
                session, view.submission_id, read_version, view.submitted_version
            )
        else:
            read_version = None
        await views.mark_read(session, member_id, view.submission_id, view.submitted_version, asker.now)
    await _keep(session, asker, OversightState(Reading(unit.id, view.version)))
    outline = views.campaign_outline(campaign)
    reply = pages.review_reply(
        view,
        outline,
        campaign.title,
        section,
        locale=asker.locale,
        read_version=read_version,
        changes=changes,
    )
    return pages_said(reply)


async def _switch_or_open(session: AsyncSession, asker: Asker, typed: str | None) -> Said:
    member = asker.member
    if typed is None:
        return pages_said(pages.units_reply(member.memberships, member.current))
    words = typed.split()
    section = 0
    if len(words) >= 2 and words[-1].isdigit():
        section = max(int(words.pop()) - 1, 0)
    wanted = code_key(" ".join(words))
    mine = next((m for m in member.memberships if code_key(m.unit_code) == wanted), None)
    if mine is not None and section == 0 and (mine.role == "reporter" or not _is_current(member, mine)):
        return await _switch(session, asker, mine)
    unit = await _typed_unit(session, asker, " ".join(words))
    return await _review(session, asker, unit, section)


def _is_current(member: MemberView, membership: MembershipView) -> bool:
    current = member.current
    return current is not None and current.unit_id == membership.unit_id


async def _switch(session: AsyncSession, asker: Asker, membership: MembershipView) -> Said:
    await set_current_unit(session, asker.member.member_id, membership.unit_id)
    return _say(
        "oversight.units.switched", unit=membership.unit_name, role=Msg(f"service.role.{membership.role}")
    )


# --- deciding -------------------------------------------------------------------------------------


async def _deciding(session: AsyncSession, asker: Asker, argument: str) -> tuple[UnitView, int | None]:
    """The unit a typed /duyet or /tralai is about (named, else the report being read) and the
    version the supervisor saw (None: named without reading it first, the latest)."""
    reading = asker.state.reading
    if argument:
        unit = await _typed_unit(session, asker, argument)
        version = reading.version if reading is not None and reading.unit_id == unit.id else None
        return unit, version
    if reading is None:
        raise _Stop(_say("oversight.decide.which"))
    return await _unit_by_id(session, asker, reading.unit_id), reading.version


async def _submitted(
    session: AsyncSession, asker: Asker, unit: UnitView, version: int | None
) -> tuple[CampaignSummary, views.ReviewView, int]:
    """The unit's report, if it can be decided on at `version` (None: the latest); else a sentence."""
    campaign = await _campaign(session, asker, unit)
    view = await views.review_view(session, campaign.id, unit.id)
    if view is None or view.submitted_version is None:
        raise _Stop(_say("oversight.decide.not_submitted", unit=unit.name))
    expected = view.version if version is None else version
    if view.status in ("draft", "returned") and expected >= view.version:
        # The version being corrected now: nothing of it is submitted yet.
        raise _Stop(_say("oversight.decide.not_resubmitted", unit=unit.name, version=view.version))
    why = {
        "draft": "submissions.error.reopened",
        "returned": "submissions.error.already_returned",
        "approved": "submissions.error.already_approved",
    }.get(view.status)
    if why is None and expected != view.version:
        why = "submissions.error.newer"
    if why is not None:
        raise _Stop(_say(why, expected=expected, version=view.version))
    return campaign, view, expected


async def _approve(session: AsyncSession, asker: Asker, unit: UnitView, version: int | None) -> Said:
    campaign, view, expected = await _submitted(session, asker, unit, version)
    try:
        await approve_submission(
            session,
            view.submission_id,
            expected_version=expected,
            by_member_id=asker.member.member_id,
            now=asker.now,
        )
    except SubmissionChanged as changed:
        return _refused(changed.messages)
    notice = Msg(
        "oversight.notice.approved", {"campaign": campaign.title, "unit": unit.name, "version": expected}
    )
    notices = await _notices(session, asker, unit, notice)
    said = _say("oversight.approve.done", unit=unit.name, version=expected)
    return replace(said, notices=notices)


async def _typed_return(session: AsyncSession, asker: Asker, argument: str) -> Said:
    """ "/tralai" (the report being read), "/tralai X1", or "/tralai X1 the reason" at once."""
    words = argument.split()
    unit: UnitView | None = None
    reason = ""
    if words:
        unit = await views.find_unit(session, words[0])
        if unit is not None:
            reason = " ".join(words[1:])
        elif asker.state.reading is None:
            raise _Stop(_say("oversight.unit.unknown", code=pages.short(words[0], 40)))
        else:
            reason = argument  # the reason for the report being read
    if unit is None:
        unit, version = await _deciding(session, asker, "")
    else:
        if oversees(asker.member, unit) is None:
            raise _Stop(_say("oversight.unit.outside"))
        reading = asker.state.reading
        version = reading.version if reading is not None and reading.unit_id == unit.id else None
    if reason:
        return await _return(session, asker, unit, version, reason)
    _, view, expected = await _submitted(session, asker, unit, version)
    await _keep(session, asker, OversightState(Reading(unit.id, expected), awaiting_reason=True))
    return _say("oversight.return.ask_reason", unit=unit.name, version=expected)


async def _return(
    session: AsyncSession, asker: Asker, unit: UnitView, version: int | None, reason: str
) -> Said:
    campaign, view, expected = await _submitted(session, asker, unit, version)
    reason = tx.clean(reason)
    try:
        await return_submission(
            session,
            view.submission_id,
            expected_version=expected,
            by_member_id=asker.member.member_id,
            comment=reason,
            now=asker.now,
        )
    except Refused as refused:
        return _refused(refused.messages)
    notice = Msg(
        "oversight.notice.returned",
        {"campaign": campaign.title, "unit": unit.name, "version": expected, "reason": reason},
    )
    notices = await _notices(session, asker, unit, notice)
    shown = pages.short(reason, pages.REASON_CHARS)
    if notices:
        said = _say(
            "oversight.return.done", unit=unit.name, version=expected, reason=shown, count=len(notices)
        )
    else:
        said = _say("oversight.return.done_nobody", unit=unit.name, version=expected, reason=shown)
    return replace(said, notices=notices)


async def _notices(
    session: AsyncSession, asker: Asker, unit: UnitView, message: Msg
) -> tuple[tuple[str, str, str, tuple[Reply, ...]], ...]:
    """The message for every chat of the unit's members (the asker's own chat excepted)."""
    chats = await chats_of_unit(session, unit.id, role=None)
    seen: set[tuple[str, str]] = set()
    found = []
    for channel, chat_id, locale in chats:
        if (channel, chat_id) in seen or (channel, chat_id) == (asker.channel, asker.chat_id):
            continue
        seen.add((channel, chat_id))
        found.append((channel, chat_id, locale or "vi", (Reply((message,)),)))
    return tuple(found)


# --- members, invites, leaving --------------------------------------------------------------------


async def _typed_remove(session: AsyncSession, asker: Asker, argument: str) -> Said:
    words = argument.split()
    if len(words) < 2 or not words[-1].isdigit():
        return _say("oversight.remove.usage")
    unit = await _typed_unit(session, asker, " ".join(words[:-1]))
    return await _remove(session, asker, unit, int(words[-1]), confirmed=True)


async def _remove(
    session: AsyncSession, asker: Asker, unit: UnitView, member_id: int, *, confirmed: bool
) -> Said:
    member = next((m for m in await unit_members(session, unit.id) if m.member_id == member_id), None)
    if member is None:
        return _say("oversight.remove.not_member")
    if not confirmed:
        return pages_said(pages.confirm_remove(unit, member))
    removed = await remove_membership(
        session, member_id=member_id, unit_id=unit.id, by_member_id=asker.member.member_id, now=asker.now
    )
    if not removed:
        return _say("oversight.remove.not_member")
    return _say("oversight.remove.done", name=member.display_name or str(member_id), unit=unit.name)


async def _invite(session: AsyncSession, asker: Asker, argument: str) -> Said:
    """ "/moi X1 baocao 5 30": a code for a unit of the subtree; role, uses and days optional."""
    words = argument.split()
    home = supervised(asker.member)
    example = home[0].unit_code if home else "X1"
    if not words:
        return _say("oversight.invite.usage", example=example)
    role, numbers, code_words = "reporter", [], []
    for index, word in enumerate(words):
        if word.isdigit():
            numbers.append(int(word))
        elif tx.fold(word) in _ROLE_WORDS and index > 0:
            role = _ROLE_WORDS[tx.fold(word)]
        elif not numbers:
            code_words.append(word)
        else:
            return _say("oversight.invite.usage", example=example)
    if not code_words or len(numbers) > 2:
        return _say("oversight.invite.usage", example=example)
    unit = await _typed_unit(session, asker, " ".join(code_words))
    uses = numbers[0] if numbers else _INVITE_USES
    days = numbers[1] if len(numbers) > 1 else _INVITE_DAYS
    if not asker.secret:
        return _say("service.invite.no_secret")
    try:
        code = await create_invite(
            session,
            unit.code,
            role,
            uses=uses,
            days=days,
            now=asker.now,
            secret=asker.secret,
            created_by=asker.member.member_id,
        )
    except Refused as refused:
        return _refused(refused.messages)
    body = [
        Msg(
            "oversight.invite.done",
            {
                "unit": unit.name,
                "role": Msg(f"service.role.{role}"),
                "code": code,
                "uses": uses,
                "expires": asker.now + timedelta(days=days),
            },
        )
    ]
    if asker.channel == "telegram" and asker.bot_username:
        link = f"https://t.me/{asker.bot_username}?start={code}"
        body.append(Msg("oversight.invite.link", {"link": link}))
    return Said((Reply(tuple(body)),))


async def _leave(session: AsyncSession, asker: Asker, argument: str) -> Said:
    member = asker.member
    if not argument:
        current = member.current
        if current is None:
            return _say("oversight.leave.not_member")
        return pages_said(pages.confirm_leave(current))
    wanted = code_key(argument)
    mine = next((m for m in member.memberships if code_key(m.unit_code) == wanted), None)
    if mine is None:
        return _say("oversight.leave.not_member")
    return await _left(session, asker, mine)


async def _left(session: AsyncSession, asker: Asker, membership: MembershipView) -> Said:
    left = await leave_unit(
        session, member_id=asker.member.member_id, unit_id=membership.unit_id, now=asker.now
    )
    if not left:
        return _say("oversight.leave.not_member")
    return _say("oversight.leave.done", unit=membership.unit_name)


# --- buttons --------------------------------------------------------------------------------------


async def _pressed(session: AsyncSession, asker: Asker, pressed: Pressed) -> Said:
    match pressed.act:
        case Act.CANCEL:
            return _say("oversight.cancelled")
        case Act.SWITCH | Act.LEAVE_YES:
            mine = next((m for m in asker.member.memberships if m.unit_id == pressed.unit_id), None)
            if mine is None:
                # Not (or no longer) one of my units: a stale or forged button.
                return _say("oversight.stale")
            if pressed.act is Act.SWITCH:
                return await _switch(session, asker, mine)
            return await _left(session, asker, mine)
    unit = await _unit_by_id(session, asker, pressed.unit_id)
    match pressed.act:
        case Act.MISSING:
            return await _missing(session, asker, unit, pressed.number)
        case Act.PROGRESS:
            return await _progress(session, asker, unit, pressed.number)
        case Act.REVIEW:
            return await _review(session, asker, unit, pressed.number)
        case Act.APPROVE:
            return await _approve(session, asker, unit, pressed.number)
        case Act.RETURN:
            _, view, expected = await _submitted(session, asker, unit, pressed.number)
            await _keep(session, asker, OversightState(Reading(unit.id, expected), awaiting_reason=True))
            return _say("oversight.return.ask_reason", unit=unit.name, version=expected)
        case Act.REMOVE | Act.REMOVE_YES:
            return await _remove(
                session, asker, unit, pressed.number, confirmed=pressed.act is Act.REMOVE_YES
            )
    return _say("oversight.stale")


async def _keep(session: AsyncSession, asker: Asker, state: OversightState) -> None:
    raw = state.to_json()
    if raw != asker.member.oversight_state:
        await set_oversight_state(session, asker.member.member_id, raw)
