"""What a compiled report is made from, read in a few queries: the units of a subtree in tree order
with their submitted answers, the groups of the annex table, the header; and the compiled files
kept for a signed download link (bot/files.py).

The caller has ALREADY decided access (`bot.access.oversees`). Nothing here writes a document:
`documents/` turns the `Compilation` into files, off the event loop.

A submitted (or approved) submission's CURRENT answers are its submitted version: an edit reopens
it as a draft. A draft or a returned report is listed with its status, without answers.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.events import Answer
from dialogs.text import clean_line
from documents.model import Compilation, Group, Header, UnitReport
from storage.campaigns import CampaignSummary
from storage.models import Answer as AnswerRow
from storage.models import Campaign, CompiledFile, Submission, SubmissionDocument, Unit
from storage.oversight import campaign_outline
from storage.turns import DOCUMENT_COLUMNS, _attachments_from_json, document_from_row
from storage.units import UnitView, in_subtree

Progress = Callable[[int, int], None]  # (units done, units in all)
Source = Literal["grassroots", "children"]
_DONE = ("submitted", "approved")
_PARTITION = 1000  # answers turned into values between two yields to the event loop

# --- the header ------------------------------------------------------------------------------------

# The fields `baocao campaign set` stores, as (option, column): empty text unsets one.
HEADER_FIELDS: Mapping[str, str] = {
    "committee": "header_committee",
    "superior": "header_superior",
    "number": "header_number",
    "place": "header_place",
    "on_behalf": "header_on_behalf",
    "signer_title": "header_signer_title",
    "basis": "header_basis",
}
_LIMITS = {"header_number": 64, "header_place": 120, "header_on_behalf": 120, "header_signer_title": 120}

# "Huyện ủy Hải Lăng" → "Hải Lăng": the place a committee signs in, when none is set.
_COMMITTEE_WORDS = re.compile(
    r"^(ban thường vụ\s+)?(đảng ủy|đảng uỷ|huyện ủy|huyện uỷ|tỉnh ủy|tỉnh uỷ|thành ủy|thành uỷ|thị ủy|thị uỷ|"
    r"quận ủy|quận uỷ|chi bộ|đảng bộ)\s+(xã|phường|thị trấn|huyện|tỉnh|thành phố|thị xã|quận)?\s*",
    re.IGNORECASE,
)


def place_of(unit_name: str) -> str:
    """The place part of a unit's name ("Đảng ủy xã Hải Ba" → "Hải Ba"); the name if none is found."""
    name = clean_line(unit_name)
    stripped = _COMMITTEE_WORDS.sub("", name, count=1).strip()
    return stripped or name


async def set_header(
    session: AsyncSession, campaign_id: int, fields: Mapping[str, str], recipients: Sequence[str] | None
) -> bool:
    """Store header fields of a campaign (an empty text unsets one; `recipients` [] unsets them).
    False if there is no such campaign."""
    values: dict[str, Any] = {}
    for name, text in fields.items():
        column = HEADER_FIELDS[name]
        cleaned = clean_line(text)[: _LIMITS.get(column, 255 if column != "header_basis" else 500)]
        values[column] = cleaned or None
    if recipients is not None:
        lines = [clean_line(line) for line in recipients if clean_line(line)]
        values["header_recipients"] = lines or None
    if not values:
        return await session.scalar(select(Campaign.id).where(Campaign.id == campaign_id)) is not None
    result = await session.execute(update(Campaign).where(Campaign.id == campaign_id).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def header_for(session: AsyncSession, campaign_id: int, unit: UnitView) -> Header:
    """The campaign's header fields, each unset one defaulted from the compiled unit."""
    row = (
        await session.execute(
            select(
                Campaign.title,
                *(getattr(Campaign, column) for column in HEADER_FIELDS.values()),
                Campaign.header_recipients,
            ).where(Campaign.id == campaign_id)
        )
    ).one()
    title, committee, superior, number, place, on_behalf, signer_title, basis, recipients = row
    parent = None
    if unit.parent_id is not None:
        parent = await session.scalar(select(Unit.name).where(Unit.id == unit.parent_id))
    default = Header(committee="")
    if not recipients:
        recipients = [f"- Ban Thường vụ {parent} (b/c)," if parent else "- Như trên,", "- Lưu Văn phòng."]
    return Header(
        committee=committee or unit.name.upper(),
        superior=superior or "",
        number=number or default.number,
        place=place or place_of(unit.name),
        on_behalf=on_behalf or default.on_behalf,
        signer_title=signer_title or "",
        recipients=tuple(str(line) for line in recipients),
        basis=basis or "",
    )


# --- gathering -------------------------------------------------------------------------------------


async def children_reported(session: AsyncSession, campaign: CampaignSummary, unit: UnitView) -> bool:
    """Whether a unit right under `unit` has its own report in (submitted or approved): then the
    default compile is a roll-up of the children's reports (`source="children"`)."""
    found = await session.scalar(
        select(Submission.id)
        .join(Unit, Unit.id == Submission.unit_id)
        .where(
            Unit.parent_id == unit.id,
            Submission.campaign_id == campaign.id,
            Submission.status.in_(_DONE),
        )
        .limit(1)
    )
    return found is not None


async def subtree_size(session: AsyncSession, unit: UnitView) -> int:
    """How many units a compile of `unit` walks (itself and every unit under it): one count."""
    return int(await session.scalar(select(func.count()).select_from(Unit).where(in_subtree(unit.path))) or 0)


@dataclass(frozen=True)
class _Node:
    id: int
    code: str
    name: str
    parent_id: int | None


def _tree_order(nodes: Mapping[int, _Node], root: int) -> list[_Node]:
    """The subtree depth first, children in code order (as every oversight list orders them)."""
    children: dict[int, list[_Node]] = {}
    for node in nodes.values():
        if node.parent_id is not None and node.parent_id in nodes:
            children.setdefault(node.parent_id, []).append(node)
    for kids in children.values():
        kids.sort(key=lambda n: n.code)
    ordered: list[_Node] = []
    stack = [nodes[root]]
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(node.id, [])))
    return ordered


async def gather(
    session: AsyncSession,
    campaign: CampaignSummary,
    unit: UnitView,
    now: datetime,
    *,
    source: Source = "grassroots",
    progress: Progress | None = None,
) -> Compilation:
    """The compilation of `unit`'s subtree in `campaign`: four queries whatever the size.

    `source="grassroots"`: every unit with no unit under it; `"children"`: the reports of the units
    right under `unit` (their own, rolled-up reports). Groups are the children of `unit`, each with
    the reporting units under it; a unit with no child is its own single group.
    """
    rows = await session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.parent_id).where(in_subtree(unit.path))
    )
    nodes = {row.id: _Node(row.id, row.code, row.name, row.parent_id) for row in rows}
    ordered = _tree_order(nodes, unit.id)
    has_children = {n.parent_id for n in ordered if n.parent_id is not None}
    children = [n for n in ordered if n.parent_id == unit.id]
    if source == "children" and children:
        reporting = children
    else:
        reporting = [n for n in ordered if n.id not in has_children]
    wanted = {n.id for n in reporting}

    # Each reporting unit's submission in the campaign (one query over the subtree's range).
    submissions: dict[int, Any] = {}
    for row in await session.execute(
        select(
            Submission.id,
            Submission.unit_id,
            Submission.status,
            Submission.version,
            Submission.submitted_version,
            Submission.submitted_at,
        )
        .join(Unit, Unit.id == Submission.unit_id)
        .where(Submission.campaign_id == campaign.id, in_subtree(unit.path))
    ):
        if row.unit_id in wanted:
            submissions[row.unit_id] = row
    done = {row.id: row for row in submissions.values() if row.status in _DONE}
    # A roll-up reads the children's own reports only, not every commune's answers under them.
    only = (Submission.unit_id.in_(sorted(wanted)),) if source == "children" and children else ()

    # The answers of every report that is in (one query), and the document of its submitted version.
    answers: dict[int, dict[str, Answer]] = {}
    if done:
        # Streamed in partitions, yielding between them: a province's 50,000 answers are read while
        # other members' turns go on, never in one long stretch of the event loop.
        streamed = await session.stream(
            select(
                AnswerRow.submission_id,
                AnswerRow.question_id,
                AnswerRow.value,
                AnswerRow.skipped,
                AnswerRow.attachments,
            )
            .join(Submission, Submission.id == AnswerRow.submission_id)
            .join(Unit, Unit.id == Submission.unit_id)
            .where(
                Submission.campaign_id == campaign.id,
                Submission.status.in_(_DONE),
                in_subtree(unit.path),
                *only,
            )
            .execution_options(yield_per=_PARTITION)
        )
        async for partition in streamed.partitions(_PARTITION):
            for submission_id, question_id, value, skipped, files in partition:
                if submission_id in done:
                    answers.setdefault(submission_id, {})[question_id] = Answer(
                        value=value, skipped=bool(skipped), attachments=_attachments_from_json(files)
                    )
            await asyncio.sleep(0)
    documents: dict[int, Any] = {}
    if done:
        for row in await session.execute(
            select(SubmissionDocument.submission_id, *DOCUMENT_COLUMNS)
            .join(
                Submission,
                and_(
                    Submission.id == SubmissionDocument.submission_id,
                    Submission.submitted_version == SubmissionDocument.version,
                ),
            )
            .join(Unit, Unit.id == Submission.unit_id)
            .where(
                Submission.campaign_id == campaign.id,
                Submission.status.in_(_DONE),
                in_subtree(unit.path),
            )
        ):
            if row[0] in done:
                documents[row[0]] = document_from_row(row[1:])

    reports: list[UnitReport] = []
    total = len(reporting)
    step = max(1, total // 50)
    for index, node in enumerate(reporting, 1):
        found = submissions.get(node.id)
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        parent_code = parent.code if parent is not None else None
        if found is None:
            reports.append(UnitReport(node.code, node.name, parent_code, "none", None, None))
        elif found.status in _DONE:
            reports.append(
                UnitReport(
                    node.code,
                    node.name,
                    parent_code,
                    found.status,
                    found.submitted_version or found.version,
                    found.submitted_at,
                    answers.get(found.id, {}),
                    documents.get(found.id),
                )
            )
        else:
            reports.append(UnitReport(node.code, node.name, parent_code, found.status, found.version, None))
        if progress is not None and (index % step == 0 or index == total):
            progress(index, total)

    groups = _groups(ordered, nodes, unit, children, wanted)
    return Compilation(
        outline=campaign_outline(campaign),
        campaign_id=campaign.id,
        campaign_title=campaign.title,
        unit_code=unit.code,
        unit_name=unit.name,
        header=await header_for(session, campaign.id, unit),
        units=tuple(reports),
        groups=groups,
        generated_at=now,
    )


def _groups(
    ordered: list[_Node], nodes: Mapping[int, _Node], unit: UnitView, children: list[_Node], wanted: set[int]
) -> tuple[Group, ...]:
    """A group per child of the compiled unit with the reporting units under it (itself, if it reports)."""
    if not children:
        return (Group(unit.code, unit.name, tuple(n.code for n in ordered if n.id in wanted)),)
    top: dict[int, int] = {}  # unit id → the child of the compiled unit it is under

    def child_of(node: _Node) -> int | None:
        seen = []
        current: _Node | None = node
        while current is not None and current.parent_id != unit.id:
            if current.id in top:
                break
            seen.append(current.id)
            current = nodes.get(current.parent_id) if current.parent_id is not None else None
        if current is None:
            return None
        found = top.get(current.id, current.id)
        for unit_id in seen:
            top[unit_id] = found
        top[current.id] = found
        return found

    members: dict[int, list[str]] = {child.id: [] for child in children}
    for node in ordered:
        if node.id in wanted and node.id != unit.id:
            owner = child_of(node)
            if owner is not None:
                members[owner].append(node.code)
    return tuple(Group(child.code, child.name, tuple(members[child.id])) for child in children)


# --- files kept for a signed link ------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    id: int
    filename: str
    content_type: str
    content: bytes
    expires_at: datetime


async def store_file(
    session: AsyncSession, filename: str, content_type: str, content: bytes, now: datetime, expires: datetime
) -> int:
    """Keep a file until `expires`; its id (to sign into a link)."""
    file_id = await session.scalar(
        insert(CompiledFile)
        .values(
            filename=filename, content_type=content_type, content=content, created_at=now, expires_at=expires
        )
        .returning(CompiledFile.id)
    )
    assert file_id is not None
    return int(file_id)


async def load_file(session: AsyncSession, file_id: int) -> StoredFile | None:
    row = (
        await session.execute(
            select(
                CompiledFile.id,
                CompiledFile.filename,
                CompiledFile.content_type,
                CompiledFile.content,
                CompiledFile.expires_at,
            ).where(CompiledFile.id == file_id)
        )
    ).one_or_none()
    return StoredFile(*row) if row is not None else None


async def purge_files(session: AsyncSession, before: datetime) -> int:
    """Forget the files that expired before `before`."""
    result = await session.execute(delete(CompiledFile).where(CompiledFile.expires_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
