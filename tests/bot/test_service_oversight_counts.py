"""What a cadre's turns leave on the submission for supervisors: answered, required, done sections."""

from __future__ import annotations

from sqlalchemy import select

from bot.service import ReportService
from dialogs.builtin import get_outline
from dialogs.events import Answer as AnswerValue
from dialogs.events import DialogState
from dialogs.progress import Progress
from storage.models import Answer, DialogStateRow, Submission
from tests.bot.conftest import Cadre
from tests.secret import SECRET

OUTLINE = get_outline("ct30-20nam", 1)  # the campaign of the `world` fixture


async def _stored(database):  # type: ignore[no-untyped-def]
    async with database.session() as session:
        counts = (
            await session.execute(
                select(Submission.answered_count, Submission.required_count, Submission.sections_answered)
            )
        ).one()
        answers = {
            q: AnswerValue(value=v, skipped=s)
            for q, v, s in await session.execute(select(Answer.question_id, Answer.value, Answer.skipped))
        }
        state = DialogState.from_json((await session.execute(select(DialogStateRow.state))).scalar_one())
    return tuple(counts), answers, state


def _typed(state: DialogState) -> str:
    """What a cadre answers to the question asked: a count, a choice, a date, or a sentence then "tiếp"."""
    if state.question_id is None or state.mode != "answering":
        return "/baocao"
    if state.parts > 0:
        return "tiếp"
    kind = OUTLINE.question(state.question_id).type.value
    return {
        "integer": "2",
        "decimal": "2",
        "choice": "1",
        "multi": "1",
        "yesno": "có",
        "date": "15/06/2018",
    }.get(kind, "Đã tổ chức hội nghị quán triệt Chỉ thị.")


async def test_each_answer_stores_the_counts_of_the_progress_the_cadre_sees(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    cadre = Cadre(ReportService(database, secret=SECRET), "501")
    await cadre.says(codes["X1"])
    await cadre.says("/baocao")
    first, second = OUTLINE.sections[0].id, OUTLINE.sections[1].id
    done: tuple[str, ...] = ()
    for _ in range(120):  # through the first section and into the second
        (answered, required, sections), answers, state = await _stored(database)
        progress = Progress.of(OUTLINE, answers)
        # Before the first answer the submission holds no counts (oversight reads the outline's).
        assert answers or (answered, required, sections) == (0, 0, None)
        assert not answers or (answered, required, tuple(sections or ())) == (
            progress.answered_count,
            progress.required_count,
            progress.sections_answered,
        )
        done = progress.sections_answered
        if first in done and any(OUTLINE.section_number(q) == 2 for q in answers):
            break
        await cadre.says(_typed(state))
    assert first in done and second not in done
    assert required > answered > 0
