"""A small report outline built in code, and a cadre who talks to the engine the way the bot does.

`Cadre` keeps what the database would keep — the dialog state as JSON, the answers, the submission —
applies the engine's effects as storage does, and renders every reply to Vietnamese through
locales/vi/LC_MESSAGES/engine.po, so stories can assert on what the cadre actually reads.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from dialogs.engine import step
from dialogs.events import (
    Answer,
    Attachment,
    Button,
    Context,
    DialogState,
    DocumentDetails,
    Incoming,
    Msg,
    Reopen,
    Reply,
    SaveAnswer,
    SubmissionView,
    Submit,
    Turn,
)
from dialogs.outline import Choice, Localized, Outline, Question, QuestionType, Section
from dialogs.text import clean

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
NOW = datetime(2018, 6, 20, 2, 5, tzinfo=UTC)  # 09:05 in Hà Nội
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")

# What a cadre types after confirming "nộp": số/ký hiệu, date signed, signer's title and name, the
# drafter's name and phone, and no photo of the signed paper.
DOCUMENT = ("12-BC/ĐU", "18/6/2018", "T/M Đảng ủy, Bí thư", "Nguyễn Văn An", "Lê Thị Bình", "0912 345 678")
DOCUMENT_SKIP_FILE = (*DOCUMENT, "bỏ qua")


def vi_en(vi: str, en: str) -> Localized:
    return Localized({"vi": vi, "en": en})


def build_outline(outline_id: str = "tong-ket-ct30-mini") -> Outline:
    """Three sections and twelve questions of every kind, after Kế hoạch 88-KH/TU, part II."""
    T, L = QuestionType, vi_en
    leadership = (
        Question(
            "huong_dan",
            T.NOTE,
            required=False,
            label=L("Trả lời theo tình hình thực tế của đơn vị từ 1998 đến nay.", "From 1998 on."),
        ),
        Question(
            "tuyen_truyen",
            T.TEXT,
            L("Công tác tuyên truyền, phổ biến, quán triệt Chỉ thị 30-CT/TW", "Dissemination"),
            hint=L(
                "Nêu các hình thức tuyên truyền; nhận thức của cán bộ, đảng viên và Nhân dân.",
                "Forms of dissemination; awareness of cadres and people.",
            ),
        ),
        Question(
            "so_van_ban",
            T.INTEGER,
            L("Số văn bản cụ thể hóa Chỉ thị đã ban hành", "Documents"),
            min=0,
            max=10_000,
            unit=L("văn bản", "documents"),
        ),
        Question("co_bcd", T.YESNO, L("Đơn vị đã kiện toàn Ban Chỉ đạo QCDC chưa?", "Committee in place?")),
        Question(
            "hoat_dong_bcd", T.TEXT, L("Hoạt động của Ban Chỉ đạo", "The committee's work"), when="co_bcd"
        ),
    )
    results = (
        Question(
            "loai_hinh",
            T.CHOICE,
            L("Loại hình đơn vị", "Kind of unit"),
            choices=(
                Choice("xa", L("Xã, phường, thị trấn", "Commune")),
                Choice("co_quan", L("Cơ quan", "Agency")),
                Choice("doanh_nghiep", L("Doanh nghiệp", "Enterprise")),
            ),
        ),
        Question(
            "doi_thoai",
            T.INTEGER,
            L("Số cuộc đối thoại trực tiếp với Nhân dân", "Dialogues"),
            min=0,
            unit=L("cuộc", "meetings"),
        ),
        Question(
            "hinh_thuc",
            T.MULTI,
            L("Các hình thức tuyên truyền đã dùng", "Channels used"),
            choices=(
                Choice("hoi_nghi", L("Hội nghị", "Meetings")),
                Choice("loa", L("Loa truyền thanh", "Loudspeakers")),
                Choice("mang_xa_hoi", L("Mạng xã hội", "Social networks")),
            ),
        ),
        Question(
            "ty_le", T.DECIMAL, L("Tỷ lệ thôn, tổ dân phố có hương ước (%)", "Share (%)"), min=0, max=100
        ),
        Question(
            "mo_hinh", T.TEXT, L("Mô hình, điển hình tiên tiến (nếu có)", "Good models"), required=False
        ),
    )
    shortcomings = (
        Question("han_che", T.TEXT, L("Những hạn chế, khuyết điểm", "Shortcomings")),
        Question("ngay_tong_ket", T.DATE, L("Ngày tổ chức hội nghị tổng kết", "Date of the review")),
        Question("kien_nghi", T.TEXT, L("Kiến nghị, đề xuất", "Proposals"), required=False),
    )
    return Outline(
        id=outline_id,
        version=1,
        title=L("Tổng kết 20 năm thực hiện Chỉ thị 30-CT/TW", "20-year review of Directive 30-CT/TW"),
        sections=(
            Section(
                "lanh_dao", L("Công tác lãnh đạo, chỉ đạo, triển khai thực hiện", "Leadership"), leadership
            ),
            Section("ket_qua", L("Kết quả thực hiện quy chế dân chủ ở cơ sở", "Results"), results),
            Section(
                "han_che", L("Hạn chế, nguyên nhân và bài học kinh nghiệm", "Shortcomings"), shortcomings
            ),
        ),
    )


OUTLINE = build_outline()


# --- rendering through the catalogs -------------------------------------------------------------


@cache
def catalog(locale: str) -> Mapping[str, str]:
    # The engine's catalog, and the roll-up draft's (dialogs/drafting.py speaks through the engine).
    found: dict[str, str] = {}
    for name in ("engine.po", "rollup.po"):
        with (LOCALES_DIR / locale / "LC_MESSAGES" / name).open("rb") as handle:
            found.update({m.id: m.string for m in read_po(handle, locale=locale) if m.id})
    return found


def placeholders(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def render(value: object, locale: str = "vi") -> str:
    """A Msg (or parameter) as the member reads it; fails on an unknown id or wrong parameters."""
    if isinstance(value, Msg):
        template = catalog(locale)[value.id]
        assert placeholders(template) == set(value.params), (value.id, sorted(value.params))
        return template.format(**{k: render(v, locale) for k, v in value.params.items()})
    if isinstance(value, tuple):
        return "\n".join(render(v, locale) for v in value)
    if isinstance(value, Localized):
        return value.get(locale)
    if isinstance(value, bool):
        raise AssertionError("a bool is not a message parameter")
    if isinstance(value, int):
        return format_decimal(value, locale=locale)
    if isinstance(value, float):
        return format_decimal(value, format="#,##0.######", locale=locale)
    if isinstance(value, datetime):  # as bot.i18n shows a moment: in Hà Nội time
        assert value.tzinfo is not None, "a moment must be timezone-aware"
        return value.astimezone(HANOI).strftime("%H:%M %d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    assert isinstance(value, str), value
    return value


def render_reply(reply: Reply, locale: str = "vi") -> str:
    text = "\n\n".join(render(m, locale) for m in reply.body)
    for row in reply.buttons:  # the words to type instead must exist in the catalog too
        for button in row:
            if isinstance(button.command, Msg):
                render(button.command, locale)
    labels = [f"[{render(b.label, locale)}]" for row in reply.buttons for b in row]
    return text + ("\n" + " ".join(labels) if labels else "")


def messages(value: object) -> Iterator[Msg]:
    """Every Msg inside a value, nested parameters included."""
    if isinstance(value, Msg):
        yield value
        for param in value.params.values():
            yield from messages(param)
    elif isinstance(value, tuple):
        for item in value:
            yield from messages(item)
    elif isinstance(value, Reply):
        yield from messages(value.body)
        for row in value.buttons:
            for button in row:
                yield from messages(button.label)


# --- a cadre at her phone -------------------------------------------------------------------------


class Cadre:
    """Drives the engine turn by turn, keeping state, answers and submission as the database would."""

    def __init__(
        self,
        outline: Outline = OUTLINE,
        unit: str = "Xã Hải Ba",
        now: datetime = NOW,
        deadline: date | None = None,
        zone: ZoneInfo | None = None,
    ) -> None:
        self.outline = outline
        self.now = now
        self.deadline = deadline
        self.zone = zone
        # The document details of each submitted version, as storage keeps them.
        self.documents: dict[int, DocumentDetails] = {}
        self.answers: dict[str, Answer] = {}
        self.submission = SubmissionView(id=7, unit_name=unit)
        self.stored_state: str | None = None  # the JSON column
        self.turn: Turn | None = None
        self.history: list[Turn] = []

    # -- doing things --------------------------------------------------------------------------------

    def send(self, text: str) -> str:
        return self._step(Incoming(text=clean(text)))  # cleaned once, as the service does

    def press(self, label: str) -> str:
        """Press the button whose Vietnamese label contains `label`, on the last message."""
        return self.click(self.button(label))

    def click(self, button: Button | str) -> str:
        action = button.action if isinstance(button, Button) else button
        return self._step(Incoming(action=action))

    def attach(self, file_id: str, caption: str = "", kind: str = "photo") -> str:
        return self._step(Incoming(text=clean(caption), attachment=Attachment(kind, file_id)))  # type: ignore[arg-type]

    def answer_all(self, *texts: str) -> None:
        for text in texts:
            self.send(text)

    def submit(self, *document: str) -> str:
        """Confirm "nộp" with "có", then give the document's details (default: DOCUMENT, no file)."""
        self.send("có")
        for text in document or DOCUMENT_SKIP_FILE:
            self.send(text)
        return self.text

    def supervisor_returns(self, comment: str | None) -> None:
        self.submission = replace(self.submission, status="returned", returned_comment=comment)

    def _step(self, incoming: Incoming) -> str:
        state = DialogState.from_json(self.stored_state)
        previous = self.submission.submitted_version
        ctx = Context(
            self.outline,
            dict(self.answers),
            self.submission,
            self.now,
            deadline=self.deadline,
            zone=self.zone,
            document=self.documents.get(previous) if previous is not None else None,
        )
        turn = step(ctx, state, incoming)
        for effect in turn.effects:  # as storage/turns.py applies them
            if isinstance(effect, SaveAnswer):
                self.answers[effect.question_id] = effect.answer
            elif isinstance(effect, Reopen):
                assert self.submission.status == "submitted"
                version = (self.submission.submitted_version or self.submission.version) + 1
                self.submission = replace(self.submission, status="draft", version=version)
            elif isinstance(effect, Submit):
                if effect.document is not None:
                    self.documents[self.submission.version] = effect.document
                self.submission = replace(
                    self.submission,
                    status="submitted",
                    submitted_version=self.submission.version,
                    returned_comment=None,
                )
        for reply in turn.replies:
            render_reply(reply, "en")  # every id and parameter must fit the English catalog too
        self.stored_state = turn.state.to_json()
        assert DialogState.from_json(self.stored_state) == turn.state, "state must survive JSON"
        self.turn = turn
        self.history.append(turn)
        return self.text

    # -- what she sees -------------------------------------------------------------------------------

    @property
    def state(self) -> DialogState:
        return DialogState.from_json(self.stored_state)

    @property
    def text(self) -> str:
        assert self.turn is not None
        return "\n\n".join(render_reply(r) for r in self.turn.replies)

    @property
    def effects(self) -> tuple[object, ...]:
        assert self.turn is not None
        return self.turn.effects

    @property
    def saved(self) -> list[SaveAnswer]:
        return [e for e in self.effects if isinstance(e, SaveAnswer)]

    @property
    def ids(self) -> list[str]:
        """Message ids of the last turn, in order (nested ones included)."""
        assert self.turn is not None
        return [m.id for r in self.turn.replies for m in messages(r)]

    @property
    def buttons(self) -> list[Button]:
        assert self.turn is not None
        return [b for r in self.turn.replies for row in r.buttons for b in row]

    def button(self, label: str) -> Button:
        found = [b for b in self.buttons if label in render(b.label)]
        assert found, f"no button {label!r} in {[render(b.label) for b in self.buttons]}"
        return found[0]

    def value(self, question_id: str) -> object:
        answer = self.answers.get(question_id)
        return None if answer is None else answer.value


@pytest.fixture
def cadre() -> Cadre:
    return Cadre()


def at(cadre: Cadre, number: int) -> str:
    """The question id the cadre is at, checked against its number."""
    state = cadre.state
    assert state.question_id is not None, "no question open"
    assert OUTLINE.number(state.question_id) == number, (state.question_id, OUTLINE.number(state.question_id))
    return state.question_id
