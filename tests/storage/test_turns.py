"""What the turn storage keeps about incoming updates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dialogs.events import Answer, DialogState, SaveAnswer
from storage.db import Database
from storage.hot import executor
from storage.models import AnswerRevision, Submission
from storage.transaction import turn_transaction
from storage.turns import answer_history, claim_update, forget_updates, load_turn, save_turn
from tests.storage.reports import NOW, Report, load, turn


async def test_an_update_is_claimed_once_and_forgotten_after_a_week(database: Database) -> None:
    async with database.engine.begin() as connection:
        run = await executor(connection)
        assert await claim_update(run, "telegram", "1", NOW - timedelta(days=8))
        assert await claim_update(run, "telegram", "2", NOW)
        assert not await claim_update(run, "telegram", "2", NOW)  # a repeat
        assert await claim_update(run, "zalo_bot", "2", NOW)  # another channel's update 2
    async with database.session() as session, session.begin():
        assert await forget_updates(session, NOW - timedelta(days=7)) == 1
    async with database.engine.begin() as connection:
        run = await executor(connection)
        assert not await claim_update(run, "telegram", "2", NOW)  # the recent one is still known


# --- revisions ---------------------------------------------------------------------------------------


async def stored_revisions(db: Database) -> list[tuple[str, Any]]:
    async with db.session() as session:
        rows = await session.execute(
            select(AnswerRevision.kind, AnswerRevision.value).order_by(AnswerRevision.id)
        )
        return [(row.kind, row.value) for row in rows]


async def test_a_long_narrative_answer_stores_each_part_once_and_every_version_comes_back(
    report: Report,
) -> None:
    parts = [f"Đoạn {n}: tuyên truyền ở thôn {n}, có {n % 7} cuộc họp. " for n in range(2_000)]
    values = ["".join(parts[: n + 1]) for n in range(len(parts))]
    # Each part is a turn of its own (load, then save); one transaction for all keeps the test quick.
    async with turn_transaction(report.db) as scope:
        run = await scope.executor()
        for value in values:
            loaded = await load_turn(run, report.cadre, report.campaign_id, report.unit_id, "Xã", NOW)
            await save_turn(
                run,
                member_id=report.cadre,
                campaign_id=report.campaign_id,
                loaded=loaded,
                state=DialogState(),
                effects=[SaveAnswer("q1", Answer(value=value))],
                now=NOW,
            )
    stored = await stored_revisions(report.db)
    answer = values[-1]
    # Linear, not quadratic: the revisions hold the answer once (the old way held ~2,000 / 2 copies).
    assert sum(len(value) for _, value in stored) == len(answer)
    assert [kind for kind, _ in stored] == ["value"] + ["append"] * 1_999
    async with report.db.session() as session:
        submission_id = (await session.execute(select(AnswerRevision.submission_id).limit(1))).scalar_one()
        history = await answer_history(session, submission_id, "q1")
    assert [revision["value"] for revision in history] == values


async def test_a_replacement_stores_the_whole_new_value(report: Report) -> None:
    for value in ("Có tổ chức hội nghị.", "Có tổ chức hội nghị. Hai lần.", "Không tổ chức.", 12, None):
        await turn(report, [SaveAnswer("q1", Answer(value=value, skipped=value is None))])
    assert await stored_revisions(report.db) == [
        ("value", "Có tổ chức hội nghị."),
        ("append", " Hai lần."),
        ("value", "Không tổ chức."),  # not an extension: kept whole
        ("value", 12),
        ("value", None),
    ]
    submission_id = (await load(report)).submission.id
    async with report.db.session() as session:
        history = await answer_history(session, submission_id, "q1")
    assert [(r["value"], r["skipped"]) for r in history] == [
        ("Có tổ chức hội nghị.", False),
        ("Có tổ chức hội nghị. Hai lần.", False),
        ("Không tổ chức.", False),
        (12, False),
        (None, True),
    ]


async def test_the_callers_answered_count_is_stored(report: Report) -> None:
    async with turn_transaction(report.db) as scope:
        run = await scope.executor()
        loaded = await load_turn(run, report.cadre, report.campaign_id, report.unit_id, "Xã", NOW)
        await save_turn(
            run,
            member_id=report.cadre,
            campaign_id=report.campaign_id,
            loaded=loaded,
            state=DialogState(),
            effects=[
                SaveAnswer("q1", Answer(value="Có.")),
                SaveAnswer("q2", Answer(value=None, skipped=True)),
            ],
            now=NOW,
            answered=1,  # the engine's count: a skipped question is not answered
        )
    async with report.db.session() as session:
        assert (await session.execute(select(Submission.answered_count))).scalar_one() == 1
    # No count given: storage never counts by a rule of its own, the stored count stays as it was.
    await turn(report, [SaveAnswer("q3", Answer(value=3))])
    async with report.db.session() as session:
        assert (await session.execute(select(Submission.answered_count))).scalar_one() == 1
