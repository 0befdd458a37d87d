"""The document details of a submitted version: stored with it, read back when resubmitting."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dialogs.events import Answer, Attachment, DocumentDetails, Reopen, SaveAnswer, Submit
from storage.campaigns import all_campaigns
from storage.models import SubmissionDocument
from tests.storage.reports import Report, load, turn

SIGNED = DocumentDetails(
    number="12-BC/ĐU",
    signed_on=date(2018, 6, 18),
    signer_title="T/M Đảng ủy, Bí thư",
    signer_name="Nguyễn Văn An",
    drafter_name="Lê Thị Bình",
    drafter_phone="0912345678",
    attachment=Attachment("document", "file-42", "bao-cao-da-ky.pdf", 120_000),
)


async def test_the_details_are_kept_with_the_submitted_version_and_offered_back(report: Report) -> None:
    assert (await load(report)).document is None  # never submitted: nothing to offer
    await turn(report, [SaveAnswer("q1", Answer(value="Đã triển khai.")), Submit(SIGNED)])
    assert (await load(report)).document == SIGNED

    # Version 2 submitted with other details: what is offered next is version 2's, and 1's is kept.
    second = DocumentDetails(
        "15-BC/ĐU", date(2018, 7, 2), "Bí thư", "Nguyễn Văn An", "Lê Thị Bình", "0233385111"
    )
    await turn(report, [Reopen(), SaveAnswer("q1", Answer(value="Đã sửa.")), Submit(second)])
    assert (await load(report)).document == second
    async with report.db.session() as session:
        rows = (
            await session.execute(
                select(
                    SubmissionDocument.version, SubmissionDocument.number, SubmissionDocument.signed_on
                ).order_by(SubmissionDocument.version)
            )
        ).all()
    assert [tuple(row) for row in rows] == [(1, "12-BC/ĐU", "2018-06-18"), (2, "15-BC/ĐU", "2018-07-02")]


async def test_a_version_has_one_document(report: Report) -> None:
    await turn(report, [SaveAnswer("q1", Answer(value="Đã triển khai.")), Submit(SIGNED)])
    async with report.db.session() as session:
        with pytest.raises(IntegrityError):
            async with session.begin():
                session.add(
                    SubmissionDocument(
                        submission_id=(await load(report)).submission.id,
                        version=1,
                        number="13-BC/ĐU",
                        signed_on="2018-06-19",
                        signer_title="Bí thư",
                        signer_name="Nguyễn Văn An",
                        drafter_name="Lê Thị Bình",
                        drafter_phone="0912345678",
                    )
                )


async def test_a_campaign_carries_the_deadline_of_each_level(report: Report) -> None:
    async with report.db.session() as session:
        (campaign,) = await all_campaigns(session)
    assert campaign.deadline("xa") == date(2018, 6, 30)
    assert campaign.deadline("huyen") is None
