"""The count supervisors read (submissions.answered_count) is the cadre's own "x/y", whatever was typed."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.service import ReportService
from dialogs.builtin import get_outline
from dialogs.events import Answer as AnswerValue
from dialogs.progress import Progress
from storage.models import Answer, Campaign, Submission
from tests.bot.conftest import Cadre
from tests.secret import SECRET

# What a cadre types in a sitting: answers of every kind, and moving around the report.
TYPED = st.sampled_from(
    [
        "/baocao", "tiếp", "bỏ qua", "quay lại", "xem lại", "có", "không", "0", "3", "12", "1.000",
        "Đã tổ chức hội nghị quán triệt.", "sửa 2", "sửa 5", "bổ sung", "1", "2", "xong", "nộp", "chưa",
    ]
)  # fmt: skip


_cadres: dict[int, Cadre] = {}


async def stored(database) -> tuple[int, dict[str, AnswerValue], tuple[str, int]]:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        count = (await session.execute(select(Submission.answered_count))).scalar_one()
        rows = await session.execute(select(Answer.question_id, Answer.value, Answer.skipped))
        answers = {q: AnswerValue(value=v, skipped=s) for q, v, s in rows}
        outline = (await session.execute(select(Campaign.outline_id, Campaign.outline_version))).one()
    return count, answers, (outline[0], outline[1])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sittings=st.lists(st.lists(TYPED, min_size=1, max_size=12), min_size=1, max_size=3))
async def test_the_stored_answered_count_is_the_progress_the_cadre_sees(world, sittings) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    # One cadre across the examples (the fixture is not rebuilt between them): the answers pile up,
    # and the two counts must agree after every sitting all the same.
    cadre = _cadres.get(id(database))
    if cadre is None:
        cadre = _cadres[id(database)] = Cadre(ReportService(database, secret=SECRET), "901")
        await cadre.says(codes["X1"])
    for typed in sittings:
        for text in typed:
            reply = await cadre.says(text)
        count, answers, (outline_id, version) = await stored(database)
        progress = Progress.of(get_outline(outline_id, version), answers)
        assert count == progress.answered_count
        shown = re.search(r"Đã trả lời (\d+)/(\d+)", await cadre.says("xem lại"))
        if shown:
            assert int(shown.group(1)) == count, reply
