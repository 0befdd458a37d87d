"""What a supervisor (or the operator) reads about a subtree: who is done, who is late, what a unit sent.

The caller has ALREADY decided access (`bot.access.oversees`); nothing here decides who may see what.

Counts are of *grassroots* units: units with no unit under them. They come from the counts every
turn keeps on the submission (`answered_count`, `required_count`, `sections_answered`, written from
the one `dialogs.progress.Progress`), so no query here reads answers, and a whole country is counted
by one grouped query: each child of the unit asked about is joined to the grassroots units of its
subtree by a range of the path index (`storage.units.in_subtree`), left-joined to their submission
in the campaign by its unique key.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    Text,
    and_,
    case,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.builtin import get_outline
from dialogs.events import Answer, DocumentDetails
from dialogs.outline import Localized, Outline
from dialogs.plan import plan_of
from dialogs.progress import Progress
from dialogs.text import clean_key, clean_line
from storage.campaigns import CampaignSummary, all_campaigns
from storage.models import Answer as AnswerRow
from storage.models import (
    AnswerRevision,
    Campaign,
    Identity,
    Member,
    Membership,
    ReviewRead,
    Submission,
    SubmissionDocument,
    Unit,
)
from storage.reminders import Undelivered, undelivered
from storage.turns import DOCUMENT_COLUMNS, _attachments_from_json, document_from_row
from storage.units import UnitView, ancestor_ids, code_key

_UNITS = cast(Table, Unit.__table__)
_SUBMISSIONS = cast(Table, Submission.__table__)
_DONE = ("submitted", "approved")

# --- finding the unit and the campaign -------------------------------------------------------------


def _view(row: Any) -> UnitView:
    return UnitView(row.id, row.code, row.name, row.level, row.parent_id, row.path, row.depth)


_UNIT_COLUMNS = (Unit.id, Unit.code, Unit.name, Unit.level, Unit.parent_id, Unit.path, Unit.depth)


async def find_unit(session: AsyncSession, typed: str) -> UnitView | None:
    """The unit a person means by a typed code: the exact code, else the one unit whose code reads
    the same in upper case without diacritics, spaces or full-width forms (`units.code_key`).
    None if no unit, or several units, answer to it."""
    exact = clean_key(typed)
    if not exact:
        return None
    row = (await session.execute(select(*_UNIT_COLUMNS).where(Unit.code == exact))).one_or_none()
    if row is not None:
        return _view(row)
    key = code_key(typed)
    if not key:
        return None
    rows = (await session.execute(select(*_UNIT_COLUMNS).where(Unit.code_key == key).limit(2))).all()
    return _view(rows[0]) if len(rows) == 1 else None


async def latest_campaign_for(session: AsyncSession, unit: UnitView) -> CampaignSummary | None:
    """The newest campaign that covers the unit (rooted at it or above it), or None."""
    above = set(ancestor_ids(unit.path))
    return next((c for c in await all_campaigns(session) if c.root_unit_id in above), None)


def campaign_outline(campaign: CampaignSummary) -> Outline:
    """The outline (and version) the campaign collects."""
    return get_outline(campaign.outline_id, campaign.outline_version)


# --- counting a subtree ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """Counts of the GRASSROOTS units (units with no unit under them) of a unit's subtree.

    submitted: submitted or approved; returned: returned (and only there); in_progress: a draft with
    something answered; not_started: no submission or nothing answered; overdue: not submitted or
    approved, and the deadline of its level is before today. total = submitted + returned +
    in_progress + not_started.
    """

    unit_id: int
    code: str
    name: str
    total: int
    submitted: int
    in_progress: int
    not_started: int
    returned: int
    overdue: int

    @property
    def missing(self) -> int:
        """Not submitted (returned ones included): what "ai chưa nộp" lists."""
        return self.total - self.submitted


@dataclass(frozen=True)
class SectionCount:
    """How many grassroots units have answered one section of the outline (`Progress.sections_answered`)."""

    id: str
    title: Localized | str
    answered_units: int


@dataclass(frozen=True)
class ProgressReport:
    """ "Tiến độ" of a unit's subtree in a campaign: its counts, the same per child (in code order;
    empty when the unit is itself grassroots), and per section of the outline."""

    unit: Counts
    campaign_id: int
    children: tuple[Counts, ...]
    sections: tuple[SectionCount, ...]


@dataclass
class _Bucket:
    """One child's subtree, as the grouped query adds it up."""

    id: int
    code: str
    name: str
    level: str
    leaf: bool = False  # the child is itself a grassroots unit
    total: int = 0
    submitted: int = 0
    returned: int = 0
    in_progress: int = 0
    overdue: int = 0
    sections: Counter[str] = field(default_factory=Counter)

    def counts(self) -> Counts:
        not_started = self.total - self.submitted - self.returned - self.in_progress
        return Counts(
            self.id,
            self.code,
            self.name,
            self.total,
            self.submitted,
            self.in_progress,
            not_started,
            self.returned,
            self.overdue,
        )


def _late_levels(campaign: CampaignSummary, today: date) -> list[str]:
    return sorted(level for level, due in campaign.deadlines.items() if due < today)


def _grassroots(unit: Any) -> ColumnElement[bool]:
    """No unit under it (an index probe on units.parent_id)."""
    below = _UNITS.alias("below")
    return ~exists().where(below.c.parent_id == unit.c.id)


async def _buckets(
    session: AsyncSession,
    campaign: CampaignSummary,
    unit: UnitView,
    bucket: Any,
    where: ColumnElement[bool],
    today: date,
) -> list[_Bucket]:
    """The grassroots units under each unit of `bucket` chosen by `where` (the children of `unit`,
    or `unit` alone), counted in one grouped query."""
    u, s = _UNITS.alias("u"), _SUBMISSIONS
    # The end of the child's path range: "/1/5/" → "/1/5" + "0" ('0' is the character after '/').
    upper = func.substr(bucket.c.path, 1, func.length(bucket.c.path) - 1).op("||")(literal_column("'0'"))
    done = s.c.status.in_(_DONE)
    late_levels = _late_levels(campaign, today)
    late = u.c.level.in_(late_levels) if late_levels else false()
    sections = sql_cast(s.c.sections_answered, Text)

    def number(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    statement = (
        select(
            bucket.c.id,
            bucket.c.code,
            bucket.c.name,
            bucket.c.level,
            func.max(case((u.c.id == bucket.c.id, 1), else_=0)),
            sections,
            func.count(u.c.id),
            number(done),
            number(s.c.status == "returned"),
            number(and_(s.c.status == "draft", s.c.answered_count > 0)),
            number(and_(late, or_(s.c.id.is_(None), s.c.status.not_in(_DONE)))),
        )
        .select_from(
            bucket.join(u, and_(u.c.path >= bucket.c.path, u.c.path < upper)).outerjoin(
                s, and_(s.c.unit_id == u.c.id, s.c.campaign_id == campaign.id)
            )
        )
        # The whole subtree's range as constants too: PostgreSQL estimates a province's few thousand
        # rows from it (and probes indexes) instead of guessing from the per-child range.
        .where(where, u.c.path >= unit.path, u.c.path < unit.path[:-1] + "0", _grassroots(u))
        .group_by(bucket.c.id, bucket.c.code, bucket.c.name, bucket.c.level, sections)
    )
    found: dict[int, _Bucket] = {}
    for (
        unit_id,
        code,
        name,
        level,
        own,
        done_sections,
        total,
        submitted,
        returned,
        working,
        late_,
    ) in await session.execute(statement):
        counted = found.get(unit_id)
        if counted is None:
            counted = found[unit_id] = _Bucket(unit_id, code, name, level)
        counted.leaf = counted.leaf or bool(own)
        counted.total += int(total)
        counted.submitted += int(submitted or 0)
        counted.returned += int(returned or 0)
        counted.in_progress += int(working or 0)
        counted.overdue += int(late_ or 0)
        if done_sections:
            for section_id in _section_ids(done_sections):
                counted.sections[section_id] += int(total)
    return sorted(found.values(), key=lambda b: b.code)


def _section_ids(raw: str) -> list[str]:
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


async def _children_or_self(
    session: AsyncSession, campaign: CampaignSummary, unit: UnitView, today: date
) -> tuple[list[_Bucket], bool]:
    """Buckets per child of the unit; the unit alone (and False) if it has no child."""
    bucket = _UNITS.alias("c")
    children = await _buckets(session, campaign, unit, bucket, bucket.c.parent_id == unit.id, today)
    if children:
        return children, True
    return await _buckets(session, campaign, unit, bucket, bucket.c.id == unit.id, today), False


def _total(unit: UnitView, buckets: list[_Bucket]) -> _Bucket:
    whole = _Bucket(unit.id, unit.code, unit.name, unit.level, leaf=not buckets)
    for counted in buckets:
        whole.total += counted.total
        whole.submitted += counted.submitted
        whole.returned += counted.returned
        whole.in_progress += counted.in_progress
        whole.overdue += counted.overdue
        whole.sections.update(counted.sections)
    return whole


async def progress_report(
    session: AsyncSession, campaign: CampaignSummary, unit: UnitView, today: date
) -> ProgressReport:
    """ "Tiến độ": the unit's subtree counted, per child and per section (one grouped query)."""
    buckets, has_children = await _children_or_self(session, campaign, unit, today)
    whole = _total(unit, buckets)
    outline = campaign_outline(campaign)
    return ProgressReport(
        unit=whole.counts(),
        campaign_id=campaign.id,
        children=tuple(b.counts() for b in buckets) if has_children else (),
        sections=tuple(
            SectionCount(section.id, section.title, whole.sections[section.id])
            for section in outline.sections
        ),
    )


# --- who has not submitted -------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """A member who joined a unit: who to call about its report."""

    name: str
    role: str  # reporter | supervisor
    channel: str  # where they joined from (telegram, zalo_oa, ...); "" if no account is left


@dataclass(frozen=True)
class MissingUnit:
    """A grassroots unit that has not submitted (or was returned), with how far it got."""

    unit_id: int
    code: str
    name: str
    parent_code: str | None
    level: str
    status: str  # "not_started" | "in_progress" | "returned"
    answered: int
    required: int  # of the questions that apply (the outline's with no answers, before any)
    overdue: bool
    due_on: date | None
    last_activity: datetime | None
    contacts: tuple[Contact, ...]  # empty: nobody joined (the units most at risk)
    returned_comment: str | None
    # Members whose last reminder could not be delivered (blocked the bot, …): storage/reminders.py.
    undelivered: tuple[Undelivered, ...] = ()


@dataclass(frozen=True)
class MissingGroup:
    """A unit of the level just below, with grassroots units under it not submitted."""

    unit_id: int
    code: str
    name: str
    missing: int
    total: int
    overdue: int


@dataclass(frozen=True)
class MissingPage:
    """One page of "ai chưa nộp" under a unit: its children in code order, a child with grassroots
    units under it as a group (when some are missing), a grassroots child not submitted as a unit.
    A grassroots `under` lists itself when it has not submitted."""

    under: UnitView
    rows: tuple[MissingGroup | MissingUnit, ...]
    total_missing: int
    page: int  # 0-based, brought within 0..pages-1
    pages: int  # at least 1


async def missing_page(
    session: AsyncSession,
    campaign: CampaignSummary,
    under: UnitView,
    today: date,
    *,
    page: int = 0,
    page_size: int = 8,
) -> MissingPage:
    """ "Ai chưa nộp" under a unit, one page: one grouped query, and one for the units on the page.

    A page out of range (a stale button) gives the nearest page that exists."""
    buckets, _ = await _children_or_self(session, campaign, under, today)
    listed: list[_Bucket] = [b for b in buckets if b.total > b.submitted]
    total_missing = sum(b.total - b.submitted for b in listed)
    size = max(1, page_size)
    pages = max(1, math.ceil(len(listed) / size))
    page = min(max(page, 0), pages - 1)
    shown = listed[page * size : (page + 1) * size]
    u = _UNITS.alias("u")
    leaves = [b.id for b in shown if b.leaf]
    details = (
        {m.unit_id: m for m in await _missing(session, campaign, u, u.c.id.in_(leaves), today)}
        if leaves
        else {}
    )
    rows: list[MissingGroup | MissingUnit] = []
    for b in shown:
        if b.leaf:
            if b.id in details:
                rows.append(details[b.id])
        else:
            rows.append(MissingGroup(b.id, b.code, b.name, b.total - b.submitted, b.total, b.overdue))
    return MissingPage(under, tuple(rows), total_missing, page, pages)


async def missing_units(
    session: AsyncSession, campaign: CampaignSummary, unit: UnitView, today: date
) -> list[MissingUnit]:
    """Every grassroots unit of the subtree that has not submitted, by parent code then code."""
    u = _UNITS.alias("u")
    upper = unit.path[:-1] + "0"
    where = and_(u.c.path >= unit.path, u.c.path < upper, _grassroots(u))
    found = await _missing(session, campaign, u, where, today)
    return sorted(found, key=lambda m: (m.parent_code or "", m.code))


async def _missing(
    session: AsyncSession, campaign: CampaignSummary, u: Any, where: ColumnElement[bool], today: date
) -> list[MissingUnit]:
    """The units of `u` chosen by `where` that have not submitted, with their contacts."""
    s, parent = _SUBMISSIONS, _UNITS.alias("p")
    rows = (
        await session.execute(
            select(
                u.c.id,
                u.c.code,
                u.c.name,
                u.c.level,
                parent.c.code,
                s.c.status,
                s.c.answered_count,
                s.c.required_count,
                s.c.last_activity_at,
                s.c.returned_comment,
            )
            .select_from(
                u.outerjoin(parent, parent.c.id == u.c.parent_id).outerjoin(
                    s, and_(s.c.unit_id == u.c.id, s.c.campaign_id == campaign.id)
                )
            )
            .where(where, or_(s.c.id.is_(None), s.c.status.not_in(_DONE)))
        )
    ).all()
    if not rows:
        return []
    contacts = await _contacts(session, u, where)
    failed = await undelivered(session, campaign.id, [row[0] for row in rows])
    before_any = Progress.of(campaign_outline(campaign), {}).required_count
    found: list[MissingUnit] = []
    for unit_id, code, name, level, parent_code, status, answered, required, last, comment in rows:
        answered = int(answered or 0)
        if status == "returned":
            state = "returned"
        elif answered > 0:
            state = "in_progress"
        else:
            state = "not_started"
        due_on = campaign.deadline(level)
        found.append(
            MissingUnit(
                unit_id=unit_id,
                code=code,
                name=name,
                parent_code=parent_code,
                level=level,
                status=state,
                answered=answered,
                required=int(required) if required else before_any,
                overdue=due_on is not None and due_on < today,
                due_on=due_on,
                last_activity=last,
                contacts=tuple(contacts.get(unit_id, ())),
                returned_comment=comment if state == "returned" else None,
                undelivered=tuple(failed.get(unit_id, ())),
            )
        )
    return found


async def _contacts(session: AsyncSession, u: Any, where: ColumnElement[bool]) -> dict[int, list[Contact]]:
    """The members who joined each unit of `u` chosen by `where`, in the order they joined."""
    rows = await session.execute(
        select(Membership.unit_id, Member.id, Member.display_name, Membership.role, Identity.channel)
        .select_from(u)
        .join(Membership, Membership.unit_id == u.c.id)
        .join(Member, Member.id == Membership.member_id)
        .outerjoin(Identity, Identity.member_id == Member.id)
        .where(where)
        .order_by(Membership.unit_id, Membership.created_at, Membership.id, Identity.id)
    )
    contacts: dict[int, list[Contact]] = {}
    seen: set[tuple[int, int]] = set()
    for unit_id, member_id, name, role, channel in rows:
        if (unit_id, member_id) in seen:
            continue  # a member with accounts on several channels: the first one
        seen.add((unit_id, member_id))
        contacts.setdefault(unit_id, []).append(Contact(clean_line(name or ""), role, channel or ""))
    return contacts


# --- reading a unit's submission -------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewView:
    """A unit's submission as its supervisor reads it."""

    submission_id: int
    unit: UnitView
    campaign_id: int
    status: str  # draft | submitted | returned | approved
    version: int  # the version being worked on (or submitted)
    submitted_version: int | None
    submitted_at: datetime | None
    submitted_by: str | None  # display name
    reviewed_by: str | None
    reviewed_at: datetime | None
    returned_comment: str | None
    answers: Mapping[str, Answer]
    document: DocumentDetails | None  # of the submitted version


async def review_view(session: AsyncSession, campaign_id: int, unit_id: int) -> ReviewView | None:
    """The unit's submission in the campaign with its current answers; None if it has none."""
    row = (
        await session.execute(
            select(
                Submission.id,
                Submission.status,
                Submission.version,
                Submission.submitted_version,
                Submission.submitted_at,
                Submission.submitted_by,
                Submission.reviewed_by,
                Submission.reviewed_at,
                Submission.returned_comment,
                *(column.label(f"unit_{column.key}") for column in _UNIT_COLUMNS),
            )
            .join(Unit, Unit.id == Submission.unit_id)
            .where(Submission.campaign_id == campaign_id, Submission.unit_id == unit_id)
        )
    ).one_or_none()
    if row is None:
        return None
    submission_id = row[0]
    people = {row.submitted_by, row.reviewed_by} - {None}
    names: dict[int, str] = {}
    if people:
        names = {
            member_id: clean_line(name or "")
            for member_id, name in await session.execute(
                select(Member.id, Member.display_name).where(Member.id.in_(people))
            )
        }
    answers = {
        question_id: Answer(value=value, skipped=bool(skipped), attachments=_attachments_from_json(files))
        for question_id, value, skipped, files in await session.execute(
            select(AnswerRow.question_id, AnswerRow.value, AnswerRow.skipped, AnswerRow.attachments).where(
                AnswerRow.submission_id == submission_id
            )
        )
    }
    document = None
    if row.submitted_version is not None:
        found = (
            await session.execute(
                select(*DOCUMENT_COLUMNS).where(
                    SubmissionDocument.submission_id == submission_id,
                    SubmissionDocument.version == row.submitted_version,
                )
            )
        ).one_or_none()
        document = document_from_row(found) if found is not None else None
    return ReviewView(
        submission_id=submission_id,
        unit=UnitView(*row[-len(_UNIT_COLUMNS) :]),
        campaign_id=campaign_id,
        status=row.status,
        version=row.version,
        submitted_version=row.submitted_version,
        submitted_at=row.submitted_at,
        submitted_by=names.get(row.submitted_by) if row.submitted_by is not None else None,
        reviewed_by=names.get(row.reviewed_by) if row.reviewed_by is not None else None,
        reviewed_at=row.reviewed_at,
        returned_comment=row.returned_comment,
        answers=answers,
        document=document,
    )


@dataclass(frozen=True)
class Change:
    """One answer that differs between two versions (None: no answer in that version)."""

    question_id: str
    old: Answer | None
    new: Answer | None


async def changes_since(
    session: AsyncSession, submission_id: int, read_version: int, current_version: int
) -> list[Change]:
    """The answers whose value at the end of `current_version` differs from the one at the end of
    `read_version`, in outline order, rebuilt from the answer revisions (append parts joined)."""
    rows = await session.execute(
        select(
            AnswerRevision.question_id,
            AnswerRevision.submission_version,
            AnswerRevision.kind,
            AnswerRevision.value,
            AnswerRevision.skipped,
            AnswerRevision.attachments,
        )
        .where(
            AnswerRevision.submission_id == submission_id,
            AnswerRevision.submission_version <= current_version,
        )
        .order_by(AnswerRevision.id)
    )
    then: dict[str, Answer] = {}
    now: dict[str, Answer] = {}
    for question_id, version, kind, part, skipped, files in rows:
        before = now.get(question_id)
        value = part
        if (
            kind == "append"
            and before is not None
            and isinstance(before.value, str)
            and isinstance(part, str)
        ):
            value = before.value + part
        answer = Answer(value=value, skipped=bool(skipped), attachments=_attachments_from_json(files))
        now[question_id] = answer
        if version <= read_version:
            then[question_id] = answer
    changed = [q for q in {**then, **now} if then.get(q) != now.get(q)]
    if not changed:
        return []
    order = await _outline_order(session, submission_id)
    changed.sort(key=lambda q: (order.get(q, len(order)), q))
    return [Change(q, then.get(q), now.get(q)) for q in changed]


async def _outline_order(session: AsyncSession, submission_id: int) -> dict[str, int]:
    found = (
        await session.execute(
            select(Campaign.outline_id, Campaign.outline_version)
            .join(Submission, Submission.campaign_id == Campaign.id)
            .where(Submission.id == submission_id)
        )
    ).one_or_none()
    if found is None:
        return {}
    try:
        outline = get_outline(found[0], found[1])
    except KeyError:
        return {}
    return {item.id: item.pos for item in plan_of(outline).items}


async def last_read_version(session: AsyncSession, member_id: int, submission_id: int) -> int | None:
    """The version of the submission the member last read, None if never."""
    version = await session.scalar(
        select(ReviewRead.version).where(
            ReviewRead.member_id == member_id, ReviewRead.submission_id == submission_id
        )
    )
    return int(version) if version is not None else None


async def mark_read(
    session: AsyncSession, member_id: int, submission_id: int, version: int, now: datetime
) -> None:
    """Remember that the member has read this version of the submission (the next read shows what
    changed since)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(ReviewRead).values(
        member_id=member_id, submission_id=submission_id, version=version, read_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["member_id", "submission_id"],
            set_={"version": statement.excluded.version, "read_at": statement.excluded.read_at},
        )
    )
