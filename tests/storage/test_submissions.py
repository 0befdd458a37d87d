"""A supervisor returns or approves a report while its unit may be correcting it: nothing is overwritten."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.i18n import t
from dialogs.events import Answer, DialogState, Reopen, SaveAnswer, Submit
from storage.db import Database
from storage.models import Submission
from storage.submissions import SubmissionChanged, approve_submission, return_submission
from storage.transaction import turn_transaction
from storage.turns import TurnConflict, answer_history, save_turn
from tests.storage.reports import NOW, Report, load, turn


async def status(report: Report) -> tuple[str, int, int | None, str | None]:
    async with report.db.session() as session:
        row = (
            await session.execute(
                select(
                    Submission.status,
                    Submission.version,
                    Submission.submitted_version,
                    Submission.returned_comment,
                )
            )
        ).one()
    return row.status, row.version, row.submitted_version, row.returned_comment


async def submitted_v1(report: Report) -> int:
    await turn(report, [SaveAnswer("q1", Answer(value="Đã triển khai.")), Submit()])
    return (await load(report)).submission.id


async def test_a_returned_report_is_corrected_as_the_next_version_and_approved(report: Report) -> None:
    submission_id = await submitted_v1(report)
    async with report.db.session() as session, session.begin():
        version = await return_submission(
            session,
            submission_id,
            expected_version=1,
            by_member_id=report.supervisor,
            comment="Bổ sung số liệu\u202e quý II.",
            now=NOW,
        )
    assert version == 2
    assert await status(report) == ("returned", 2, 1, "Bổ sung số liệu quý II.")
    loaded = await load(report)
    assert (loaded.submission.status, loaded.submission.returned_comment) == (
        "returned",
        "Bổ sung số liệu quý II.",
    )
    await turn(report, [SaveAnswer("q1", Answer(value="Đã triển khai, có số liệu.")), Submit()])
    assert await status(report) == ("submitted", 2, 2, None)
    async with report.db.session() as session, session.begin():
        await approve_submission(
            session, submission_id, expected_version=2, by_member_id=report.supervisor, now=NOW
        )
        reviewed = (await session.execute(select(Submission.reviewed_by, Submission.reviewed_at))).one()
    assert await status(report) == ("approved", 2, 2, None)
    assert reviewed == (report.supervisor, NOW)


async def test_a_decision_on_a_version_that_moved_on_is_refused_and_says_why(report: Report) -> None:
    submission_id = await submitted_v1(report)
    await turn(report, [Reopen(), SaveAnswer("q1", Answer(value="Sửa lại."))])  # the unit corrects it
    assert await status(report) == ("draft", 2, 1, None)
    for decide in (
        lambda s: return_submission(
            s, submission_id, expected_version=1, by_member_id=report.supervisor, comment="", now=NOW
        ),
        lambda s: approve_submission(
            s, submission_id, expected_version=1, by_member_id=report.supervisor, now=NOW
        ),
    ):
        with pytest.raises(SubmissionChanged) as refused:
            async with report.db.session() as session, session.begin():
                await decide(session)
        [message] = refused.value.messages
        assert t(message.id, "vi", **message.params) == (
            "Đơn vị đã mở lại báo cáo phiên bản 1 để sửa (đang soạn phiên bản 2); "
            "hãy chờ đơn vị nộp lại rồi xem phiên bản mới."
        )
    assert await status(report) == ("draft", 2, 1, None)


async def test_a_cadre_turn_read_before_a_return_is_run_again(report: Report) -> None:
    await submitted_v1(report)
    stale = await load(report)  # the cadre's turn has read "submitted, version 1"...
    async with report.db.session() as session, session.begin():
        await return_submission(
            session,
            stale.submission.id,
            expected_version=1,
            by_member_id=report.supervisor,
            comment="Thiếu mục 2.",
            now=NOW,
        )
    # ...and writes after the return committed: its reopen changes nothing and the turn is rerun.
    with pytest.raises(TurnConflict):
        async with turn_transaction(report.db) as scope:
            await save_turn(
                await scope.executor(),
                member_id=report.cadre,
                campaign_id=report.campaign_id,
                loaded=stale,
                state=DialogState(),
                effects=[Reopen(), SaveAnswer("q1", Answer(value="Sửa.")), Submit()],
                now=NOW,
            )
    assert await status(report) == ("returned", 2, 1, "Thiếu mục 2.")


@pytest.mark.parametrize("first", ["cadre", "supervisor"])
async def test_a_correction_and_a_return_at_the_same_moment_one_wins(
    report: Report, database_url: str, first: str
) -> None:
    """Two processes, two connections: the second waits for the first's lock, then finds the row moved."""
    submission_id = await submitted_v1(report)
    other = Database.connect(database_url)  # the supervisor's process
    try:
        cadre_read = await load(report)
        cadre_holds, supervisor_holds, release = asyncio.Event(), asyncio.Event(), asyncio.Event()

        async def cadre() -> str:
            if first == "supervisor":
                await supervisor_holds.wait()
            try:
                async with turn_transaction(report.db) as scope:
                    await save_turn(
                        await scope.executor(),
                        member_id=report.cadre,
                        campaign_id=report.campaign_id,
                        loaded=cadre_read,
                        state=DialogState(),
                        effects=[Reopen(), SaveAnswer("q1", Answer(value="Đã sửa.")), Submit()],
                        now=NOW,
                    )
                    cadre_holds.set()
                    await release.wait()
            except TurnConflict:
                return "rerun"
            return "won"

        async def supervisor() -> str:
            if first == "cadre":
                await cadre_holds.wait()
            try:
                # PostgreSQL: the update waits for the other's row lock; SQLite: BEGIN IMMEDIATE waits.
                async with other.session() as session, session.begin():
                    await return_submission(
                        session,
                        submission_id,
                        expected_version=1,
                        by_member_id=report.supervisor,
                        comment="Thiếu mục 2.",
                        now=NOW,
                    )
                    supervisor_holds.set()
                    await release.wait()
            except SubmissionChanged:
                return "refused"
            return "won"

        tasks = [asyncio.create_task(cadre()), asyncio.create_task(supervisor())]
        await asyncio.sleep(0.3)  # the second is now blocked on the first's lock
        release.set()
        outcome = dict(zip(("cadre", "supervisor"), await asyncio.gather(*tasks), strict=True))
    finally:
        await other.dispose()
    if first == "cadre":
        assert outcome == {"cadre": "won", "supervisor": "refused"}
        assert await status(report) == ("submitted", 2, 2, None)
    else:
        assert outcome == {"cadre": "rerun", "supervisor": "won"}
        assert await status(report) == ("returned", 2, 1, "Thiếu mục 2.")
        # The rerun sees the return and works on version 2; nothing of the return was lost.
        await turn(report, [SaveAnswer("q1", Answer(value="Đã sửa.")), Submit()])
        assert await status(report) == ("submitted", 2, 2, None)
    history = await answer_history_of(report, submission_id)
    assert [value for _, value in history][-1] == "Đã sửa."


async def answer_history_of(report: Report, submission_id: int) -> list[tuple[int, object]]:
    async with report.db.session() as session:
        return [
            (r["submission_version"], r["value"]) for r in await answer_history(session, submission_id, "q1")
        ]
