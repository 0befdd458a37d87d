"""A supervisor reads a unit's submission, and next time sees what changed since the version they read."""

from __future__ import annotations

from datetime import date, timedelta

from dialogs.events import Answer, Attachment, DocumentDetails, SaveAnswer, Submit
from storage.oversight import Change, changes_since, last_read_version, mark_read, review_view
from storage.submissions import return_submission
from tests.storage.reports import NOW, Report, load, turn

DOCUMENT = DocumentDetails(
    number="12-BC/ĐU",
    signed_on=date(2026, 2, 28),
    signer_title="T/M Đảng ủy, Bí thư",
    signer_name="Nguyễn Văn An",
    drafter_name="Lê Thị Bình",
    drafter_phone="0912345678",
)


async def returned_and_resubmitted(report: Report) -> int:
    """Version 1 submitted and returned; version 2 corrected (a narrative grown by one more part,
    a number changed, a new answer, one left as it was) and submitted with its document."""
    await turn(report, [SaveAnswer("q1", Answer("Đã triển khai.")), SaveAnswer("q2", Answer(3))])
    await turn(report, [SaveAnswer("q1", Answer("Đã triển khai. Có hội nghị.")), Submit()])
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
    await turn(
        report,
        [
            SaveAnswer("q2", Answer(5)),
            SaveAnswer("q3", Answer("", attachments=(Attachment("photo", "f-1"),))),
            SaveAnswer("q4", Answer(None, skipped=True)),
        ],
    )
    await turn(
        report,
        [SaveAnswer("q1", Answer("Đã triển khai. Có hội nghị. Quý II: 2 hội nghị.")), Submit(DOCUMENT)],
    )
    return submission_id


async def test_the_supervisor_reads_status_who_and_when_the_answers_and_the_document(report: Report) -> None:
    submission_id = await returned_and_resubmitted(report)
    async with report.db.session() as session:
        view = await review_view(session, report.campaign_id, report.unit_id)
    assert view is not None
    assert (view.submission_id, view.status, view.version, view.submitted_version) == (
        submission_id,
        "submitted",
        2,
        2,
    )
    assert (view.unit.id, view.unit.code, view.unit.name) == (report.unit_id, "X", "Xã Mẫu")
    assert (view.submitted_by, view.submitted_at, view.reviewed_by, view.reviewed_at) == (
        "Chị Lan",
        NOW,
        "Anh Minh",
        NOW,
    )
    assert view.returned_comment is None  # cleared when the corrected version went in
    assert view.answers["q1"] == Answer("Đã triển khai. Có hội nghị. Quý II: 2 hội nghị.")
    assert view.answers["q3"].attachments == (Attachment("photo", "f-1"),)
    assert view.answers["q4"].skipped
    assert view.document == DOCUMENT


async def test_a_returned_report_shows_the_reason_and_a_unit_without_a_report_shows_nothing(
    report: Report,
) -> None:
    await turn(report, [SaveAnswer("q1", Answer("Đã triển khai.")), Submit(DOCUMENT)])
    submission_id = (await load(report)).submission.id
    async with report.db.session() as session, session.begin():
        await return_submission(
            session,
            submission_id,
            expected_version=1,
            by_member_id=report.supervisor,
            comment="Thiếu số.",
            now=NOW,
        )
    async with report.db.session() as session:
        view = await review_view(session, report.campaign_id, report.unit_id)
        nothing = await review_view(session, report.campaign_id, report.unit_id + 1000)
    assert view is not None
    assert (view.status, view.version, view.submitted_version, view.returned_comment) == (
        "returned",
        2,
        1,
        "Thiếu số.",
    )
    assert view.document == DOCUMENT  # of the version that was submitted
    assert nothing is None


async def test_what_changed_since_the_version_read_old_and_new_in_full(report: Report) -> None:
    submission_id = await returned_and_resubmitted(report)
    async with report.db.session() as session:
        changes = await changes_since(session, submission_id, 1, 2)
        unchanged = await changes_since(session, submission_id, 2, 2)
        everything = await changes_since(session, submission_id, 0, 2)
    assert changes == [
        # The narrative grew by an appended part in each version: both sides whole.
        Change(
            "q1",
            Answer("Đã triển khai. Có hội nghị."),
            Answer("Đã triển khai. Có hội nghị. Quý II: 2 hội nghị."),
        ),
        Change("q2", Answer(3), Answer(5)),
        Change("q3", None, Answer("", attachments=(Attachment("photo", "f-1"),))),
        Change("q4", None, Answer(None, skipped=True)),
    ]
    assert unchanged == []
    assert [(c.question_id, c.old) for c in everything] == [(q, None) for q in ("q1", "q2", "q3", "q4")]


async def test_an_answer_changed_and_changed_back_is_not_a_change(report: Report) -> None:
    await turn(report, [SaveAnswer("q2", Answer(3)), Submit()])
    submission_id = (await load(report)).submission.id
    async with report.db.session() as session, session.begin():
        await return_submission(
            session, submission_id, expected_version=1, by_member_id=report.supervisor, comment="", now=NOW
        )
    await turn(report, [SaveAnswer("q2", Answer(4))])
    await turn(report, [SaveAnswer("q2", Answer(3)), Submit()])
    async with report.db.session() as session:
        assert await changes_since(session, submission_id, 1, 2) == []


async def test_the_version_last_read_is_remembered_per_supervisor(report: Report) -> None:
    submission_id = await returned_and_resubmitted(report)
    async with report.db.session() as session, session.begin():
        assert await last_read_version(session, report.supervisor, submission_id) is None
        await mark_read(session, report.supervisor, submission_id, 1, NOW)
    async with report.db.session() as session, session.begin():
        assert await last_read_version(session, report.supervisor, submission_id) == 1
        assert await last_read_version(session, report.cadre, submission_id) is None
        await mark_read(session, report.supervisor, submission_id, 2, NOW + timedelta(days=1))
    async with report.db.session() as session:
        assert await last_read_version(session, report.supervisor, submission_id) == 2
