"""The audit trail of a unit's report: submissions, changed answers, returns and approvals, with who
and when, written in the same transaction as the change; and the list `baocao audit` shows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from dialogs.events import Answer, SaveAnswer, Submit
from storage import audit
from storage.audit import AuditRow, audit_for_unit
from storage.models import AuditEvent
from storage.submissions import SubmissionChanged, approve_submission, return_submission
from storage.units import UnitRow, import_units, unit_by_code
from tests.storage.reports import NOW, Report, load, turn


async def trail(report: Report) -> list[tuple[str, str, dict[str, object]]]:
    async with report.db.session() as session:
        rows = await audit_for_unit(session, report.unit_id)
    return [(row.action, row.actor, dict(row.detail)) for row in rows]


async def test_first_answers_and_added_text_are_not_edits_but_a_replaced_answer_is(report: Report) -> None:
    await turn(report, [SaveAnswer("q1", Answer(value="Đã triển khai.")), SaveAnswer("q2", Answer(value=3))])
    await turn(report, [SaveAnswer("q1", Answer(value="Đã triển khai. Có kế hoạch riêng."))])  # appended
    await turn(report, [SaveAnswer("q2", Answer(value=3))])  # the same value again
    assert await trail(report) == []

    await turn(
        report, [SaveAnswer("q2", Answer(value=5)), SaveAnswer("q1", Answer(value="Chưa triển khai."))]
    )
    assert await trail(report) == [
        ("answer_edited", "Chị Lan", {"question": "q2", "version": 1}),
        ("answer_edited", "Chị Lan", {"question": "q1", "version": 1}),
    ]


async def test_a_submission_its_return_and_its_approval_are_on_record(report: Report) -> None:
    await turn(report, [SaveAnswer("q1", Answer(value="Đã triển khai.")), Submit()])
    submission_id = (await load(report)).submission.id
    async with report.db.session() as session, session.begin():
        await return_submission(
            session,
            submission_id,
            expected_version=1,
            by_member_id=report.supervisor,
            comment="Bổ sung số liệu quý II.",
            now=NOW,
        )
    await turn(report, [SaveAnswer("q1", Answer(value="Đã triển khai, có số liệu.")), Submit()])
    async with report.db.session() as session, session.begin():
        await approve_submission(
            session, submission_id, expected_version=2, by_member_id=report.supervisor, now=NOW
        )

    assert await trail(report) == [
        ("submitted", "Chị Lan", {"version": 1}),
        ("returned", "Anh Minh", {"version": 1, "reason": "Bổ sung số liệu quý II."}),
        ("answer_edited", "Chị Lan", {"question": "q1", "version": 2}),
        ("submitted", "Chị Lan", {"version": 2}),
        ("approved", "Anh Minh", {"version": 2}),
    ]
    async with report.db.session() as session:
        rows = await audit_for_unit(session, report.unit_id)
    assert {(row.unit_code, row.campaign_id, row.submission_id) for row in rows} == {
        ("X", report.campaign_id, submission_id)
    }
    assert {row.member_id for row in rows} == {report.cadre, report.supervisor}


async def test_a_refused_decision_leaves_no_trace(report: Report) -> None:
    await turn(report, [SaveAnswer("q1", Answer(value="Đã triển khai.")), Submit()])
    submission_id = (await load(report)).submission.id
    async with report.db.session() as session, session.begin():
        await approve_submission(
            session, submission_id, expected_version=1, by_member_id=report.supervisor, now=NOW
        )
    for expected in (1, 7):  # approved twice; a version that never was
        try:
            async with report.db.session() as session, session.begin():
                await approve_submission(
                    session, submission_id, expected_version=expected, by_member_id=report.supervisor, now=NOW
                )
        except SubmissionChanged:
            pass
        else:
            raise AssertionError("a second approval must be refused")
    async with report.db.session() as session:
        approvals = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "approved")
        )
    assert approvals == 1


async def test_a_unit_lists_its_own_and_its_subtrees_events_from_a_date_on(report: Report) -> None:
    await import_units(
        report.db, [UnitRow(4, "X2", "Xã Hai", "xa", "H"), UnitRow(5, "K", "Khác", "huyen", None)]
    )
    async with report.db.session() as session:
        units = {code: await unit_by_code(session, code) for code in ("H", "X", "X2", "K")}
    ids = {code: unit.id for code, unit in units.items() if unit is not None}
    async with report.db.session() as session, session.begin():
        for hours, unit in ((3, "X2"), (1, "H"), (2, "X"), (0, "K")):
            await audit.record(
                session,
                "invite_created",
                at=NOW + timedelta(hours=hours),
                unit_id=ids[unit],
                detail={"role": "x"},
            )

    async with report.db.session() as session:
        district = await audit_for_unit(session, ids["H"])
        commune = await audit_for_unit(session, ids["X"])
        later = await audit_for_unit(session, ids["H"], since=NOW + timedelta(hours=2))
        nowhere = await audit_for_unit(session, 10_000)

    assert [row.unit_code for row in district] == ["H", "X", "X2"]  # newest last; K is not under H
    assert district[0] == AuditRow(
        NOW + timedelta(hours=1),
        "invite_created",
        "operator",
        None,
        "H",
        "Huyện Mẫu",
        None,
        None,
        {"role": "x"},
    )
    assert [row.unit_code for row in commune] == ["X"]
    assert [row.unit_code for row in later] == ["X", "X2"]
    assert nowhere == []
