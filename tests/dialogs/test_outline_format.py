"""The outline file: an official writes YAML, the checker names every mistake by line and column."""

from __future__ import annotations

import json
import re
import string
import textwrap
import unicodedata
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from dialogs.builtin import get_outline
from dialogs.events import Msg
from dialogs.loader import (
    OutlineError,
    OutlineInvalid,
    load_outline,
    load_outline_file,
    outline_to_dict,
    validate_outline_file,
    validate_outline_text,
)
from dialogs.outline import Outline, QuestionType

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("vi", "en")


def catalog(language: str) -> dict[str, str]:
    with (ROOT / "locales" / language / "LC_MESSAGES" / "outline.po").open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle, locale=language) if m.id}


def render(msg: Msg, language: str = "vi") -> str:
    """What the CLI prints for a message (a tiny stand-in for the bot's translator)."""
    params = {k: render(v, language) if isinstance(v, Msg) else v for k, v in msg.params.items()}
    return catalog(language)[msg.id].format(**params)


def outline_text(questions: str, *, head: str = "", languages: str = "[vi, en]") -> str:
    """A one-section outline around some question YAML (indented as written in the test)."""
    body = textwrap.indent(textwrap.dedent(questions).strip("\n"), " " * 6)
    return (
        "format: 1\nid: thu\nversion: 1\n"
        f"{head}"
        f"languages: {languages}\n"
        "title: {vi: Thử, en: Trial}\n"
        "sections:\n"
        "  - id: chung\n"
        "    title: {vi: Chung, en: General}\n"
        "    questions:\n"
        f"{body}\n"
    )


def errors_of(text: str) -> list[tuple[int, str]]:
    return [(e.line, e.message_id) for e in validate_outline_text(text)]


# --- a good outline ------------------------------------------------------------------------------


def test_a_well_formed_outline_loads_with_every_default_filled() -> None:
    outline = load_outline_file(FIXTURES / "small.yaml")

    assert (outline.id, outline.version, outline.languages) == ("thu-nghiem", 2, ("vi", "en"))
    assert outline.title.get("vi") == "Báo cáo thử nghiệm"
    assert [s.id for s in outline.sections] == ["chung", "ket_qua"]
    assert [q.type for q in outline.questions()] == [
        QuestionType.CHOICE,
        QuestionType.INTEGER,
        QuestionType.MULTI,
        QuestionType.TEXT,
        QuestionType.YESNO,
        QuestionType.DATE,
        QuestionType.DECIMAL,
        QuestionType.TEXT,
    ]
    note = outline.question("loi_dan")
    assert note.type is QuestionType.NOTE and note.required is False
    villages = outline.question("so_thon")
    assert (villages.required, villages.min, villages.max) == (True, 0, None)  # counts are never negative
    assert villages.unit is not None and villages.unit.get("en") == "villages"
    assert villages.when == "loai_hinh == 'xa'"
    money = outline.question("kinh_phi")
    assert (money.required, money.min, money.max) == (False, 0, 1000000.5)
    assert [c.value for c in outline.question("loai_hinh").choices] == ["xa", "co_quan", "no"]


def test_yes_and_no_stay_words_where_a_text_is_expected() -> None:
    # YAML 1.1 reads a bare `no` as False; an outline author means the word.
    outline = load_outline(
        outline_text("""
        - id: tra_loi
          type: choice
          label: {vi: Trả lời, en: Answer}
          choices:
            - {value: yes, label: {vi: Có, en: yes}}
            - {value: no, label: {vi: Không, en: no}}
    """)
    )
    choices = outline.question("tra_loi").choices
    assert [c.value for c in choices] == ["yes", "no"]
    assert choices[1].label.get("en") == "no"


def test_text_is_nfc_normalised_on_load() -> None:
    decomposed = unicodedata.normalize("NFD", "Số hội nghị đã tổ chức")
    assert decomposed != "Số hội nghị đã tổ chức"
    outline = load_outline(
        outline_text(f"""
        - id: so_hoi_nghi
          type: integer
          label: {{vi: "{decomposed}", en: Meetings held}}
    """)
    )
    assert outline.question("so_hoi_nghi").label.get("vi") == "Số hội nghị đã tổ chức"


def test_a_plain_string_is_vietnamese_when_the_outline_is_vietnamese_only() -> None:
    question = """
        - id: ghi_chu
          type: text
          label: Ghi chú của đơn vị
    """
    outline = load_outline(
        outline_text(question, languages="[vi]")
        .replace("{vi: Thử, en: Trial}", "Thử")
        .replace("{vi: Chung, en: General}", "Chung")
    )
    assert outline.question("ghi_chu").label.texts == {"vi": "Ghi chú của đơn vị"}
    assert outline.languages == ("vi",)

    errors = validate_outline_text(outline_text(question))
    assert [(e.line, e.message_id, dict(e.params)) for e in errors] == [
        (12, "outline.error.plain_text", {"languages": "vi, en"})
    ]


# --- a malformed outline: every error, with its line ----------------------------------------------


def test_a_malformed_outline_lists_every_error_with_its_line() -> None:
    errors = validate_outline_file(FIXTURES / "broken.yaml")

    assert [(e.line, e.path, e.message_id) for e in errors] == [
        (12, "sections[0].questions[1].id", "outline.error.duplicate_question_id"),
        (18, "sections[0].questions[2].when", "outline.error.when_forward"),
        (20, "sections[0].questions[3].type", "outline.error.unknown_type"),
        (24, "sections[0].questions[4].lable", "outline.error.unknown_key_suggest"),
        (26, "sections[0].questions[4].max", "outline.error.min_above_max"),
    ]
    duplicate, forward, unknown_type, misspelt, bounds = errors
    assert duplicate.params == {"id": "so_hoi_nghi", "line": 9}
    assert forward.params == {"name": "so_doi_thoai"}
    assert unknown_type.params["type"] == "paragraph"
    assert misspelt.params == {"key": "lable", "suggestion": "label"}
    assert bounds.params == {"min": 10, "max": 5}

    with pytest.raises(OutlineInvalid) as caught:
        load_outline_file(FIXTURES / "broken.yaml")
    assert caught.value.errors == errors


def test_the_checker_speaks_vietnamese_to_the_official() -> None:
    first = validate_outline_file(FIXTURES / "broken.yaml")[0]
    assert render(first.as_msg()) == (
        "dòng 12, cột 13 (sections[0].questions[1].id): "
        "Mã câu hỏi “so_hoi_nghi” đã dùng ở dòng 9; mỗi câu hỏi phải có mã riêng."
    )
    assert render(first.as_msg(), "en").startswith("line 12, column 13 (sections[0].questions[1].id): ")


def test_a_yaml_syntax_error_is_reported_with_its_line() -> None:
    text = "format: 1\nid: thu\nversion: 1\ntitle: {vi: Thử, en: Trial\nsections: []\n"
    [error] = validate_outline_text(text)
    assert error.message_id == "outline.error.yaml_syntax"
    assert error.line in (4, 5)
    assert error.params["problem"]

    [error] = validate_outline_text("format: 1\nid: thu\n  version: 1\n")
    assert (error.line, error.message_id) == (3, "outline.error.yaml_syntax")


def test_a_file_that_is_missing_unreadable_or_not_yaml(tmp_path: Path) -> None:
    [missing] = validate_outline_file(tmp_path / "khong-co.yaml")
    assert (missing.line, missing.message_id) == (0, "outline.error.file_missing")
    assert missing.params == {"file": str(tmp_path / "khong-co.yaml")}
    assert render(missing.as_msg()) == f"Không tìm thấy tệp {tmp_path / 'khong-co.yaml'}."

    [folder] = validate_outline_file(tmp_path)
    assert folder.message_id == "outline.error.file_unreadable"

    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("format: 1\nid: thu\ntitle: Báo cáo\n".encode("cp1258", errors="replace") + b"\xff\n")
    [encoding] = validate_outline_file(latin1)
    assert encoding.message_id == "outline.error.not_utf8"
    assert encoding.line == 3

    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    assert [e.message_id for e in validate_outline_file(empty)] == ["outline.error.empty"]

    prose = tmp_path / "prose.yaml"
    prose.write_text("Đây là một bức thư, không phải dàn ý.\n", encoding="utf-8")
    assert [(e.line, e.message_id) for e in validate_outline_file(prose)] == [
        (1, "outline.error.expected_mapping")
    ]

    with pytest.raises(OutlineInvalid) as caught:
        load_outline_file(tmp_path / "khong-co.yaml")
    assert caught.value.errors == [missing]


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "small.yaml").read_bytes())
    assert validate_outline_file(path) == []


# --- the rules, one by one -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        pytest.param(
            """
            - id: so_hoi_nghi
              type: integer
              label: {vi: Số hội nghị}
        """,
            [(12, "outline.error.missing_translation")],
            id="missing-english",
        ),
        pytest.param(
            """
            - id: so_hoi_nghi
              type: integer
              label: {vi: Số hội nghị, en: "  "}
        """,
            [(12, "outline.error.empty_text")],
            id="blank-english",
        ),
        pytest.param(
            """
            - id: so_hoi_nghi
              type: integer
              label: {vi: Số hội nghị, en: Meetings, fr: Réunions}
        """,
            [(12, "outline.error.unknown_language")],
            id="language-not-declared",
        ),
        pytest.param(
            """
            - id: so_hoi_nghi
              type: integer
              label: {vi: Số, en: Count}
              min: 5
              max: 1
        """,
            [(14, "outline.error.min_above_max")],
            id="min-above-max",
        ),
        pytest.param(
            """
            - id: so_hoi_nghi
              type: integer
              label: {vi: Số, en: Count}
              max: -1
        """,
            [(13, "outline.error.min_above_max")],
            id="integer-min-defaults-to-zero",
        ),
        pytest.param(
            """
            - id: so_hoi_nghi
              type: integer
              label: {vi: Số, en: Count}
              max: 2.5
        """,
            [(13, "outline.error.expected_integer")],
            id="integer-bound-not-whole",
        ),
        pytest.param(
            """
            - id: so_hoi_nghi
              type: decimal
              label: {vi: Số, en: Count}
              max: nhiều
        """,
            [(13, "outline.error.expected_number")],
            id="bound-not-a-number",
        ),
        pytest.param(
            """
            - id: don_nhan
              type: integer
              label: {vi: Số đơn đã nhận, en: Received}
            - id: don_da_giai_quyet
              type: integer
              label: {vi: "Trong đó, số đơn đã giải quyết", en: Settled}
              max: don_tiep_nhan_xyz
        """,
            [(16, "outline.error.bound_unknown")],
            id="bound-names-no-question",
        ),
        pytest.param(
            """
            - id: don_nhan
              type: integer
              label: {vi: Số đơn đã nhận, en: Received}
            - id: don_da_giai_quyet
              type: integer
              label: {vi: "Trong đó, số đơn đã giải quyết", en: Settled}
              max: don_nhann
        """,
            [(16, "outline.error.bound_unknown_suggest")],
            id="bound-misspelt",
        ),
        pytest.param(
            """
            - id: don_da_giai_quyet
              type: integer
              label: {vi: "Trong đó, số đơn đã giải quyết", en: Settled}
              max: don_nhan
            - id: don_nhan
              type: integer
              label: {vi: Số đơn đã nhận, en: Received}
        """,
            [(13, "outline.error.bound_forward")],
            id="bound-on-a-later-question",
        ),
        pytest.param(
            """
            - id: don_nhan
              type: integer
              label: {vi: Số đơn đã nhận, en: Received}
              min: don_nhan
        """,
            [(13, "outline.error.bound_forward")],
            id="bound-on-itself",
        ),
        pytest.param(
            """
            - id: co_don
              type: yesno
              label: {vi: "Có nhận đơn không?", en: "Any letters?"}
            - id: don_nhan
              type: integer
              label: {vi: Số đơn đã nhận, en: Received}
              max: co_don
        """,
            [(16, "outline.error.bound_not_numeric")],
            id="bound-on-a-yes-no-question",
        ),
        pytest.param(
            """
            - id: don_nhan
              type: integer
              label: {vi: Số đơn đã nhận, en: Received}
            - id: y_kien
              type: text
              label: {vi: Ý kiến, en: Opinion}
              max: don_nhan
        """,
            [(16, "outline.error.numeric_only")],
            id="bound-by-question-on-text",
        ),
        pytest.param(
            """
            - id: y_kien
              type: text
              label: {vi: Ý kiến, en: Opinion}
              min: 1
              unit: {vi: chữ, en: words}
        """,
            [(13, "outline.error.numeric_only"), (14, "outline.error.numeric_only")],
            id="bounds-on-text",
        ),
        pytest.param(
            """
            - id: loai_hinh
              type: choice
              label: {vi: Loại hình, en: Kind}
        """,
            [(11, "outline.error.choices_missing")],
            id="choice-without-choices",
        ),
        pytest.param(
            """
            - id: loai_hinh
              type: multi
              label: {vi: Loại hình, en: Kind}
              choices:
                - {value: xa, label: {vi: Xã, en: Commune}}
        """,
            [(13, "outline.error.too_few_choices")],
            id="one-choice",
        ),
        pytest.param(
            """
            - id: loai_hinh
              type: choice
              label: {vi: Loại hình, en: Kind}
              choices:
                - {value: xa, label: {vi: Xã, en: Commune}}
                - {value: xa, label: {vi: Xã nữa, en: Commune again}}
                - {value: Cơ quan, label: {vi: Cơ quan, en: Agency}}
        """,
            [(15, "outline.error.duplicate_choice"), (16, "outline.error.bad_choice_value")],
            id="bad-choices",
        ),
        pytest.param(
            """
            - id: ghi_chu
              type: text
              label: {vi: Ghi chú, en: Notes}
              choices:
                - {value: a, label: {vi: A, en: A}}
                - {value: b, label: {vi: B, en: B}}
        """,
            [(13, "outline.error.choices_forbidden")],
            id="choices-on-text",
        ),
        pytest.param(
            """
            - id: SoHoiNghi
              type: integer
              label: {vi: Số, en: Count}
            - id: so_hoi_nghi_tuyen_truyen_pho_bien
              type: integer
              label: {vi: Số, en: Count}
            - id: 1_so
              type: integer
              label: {vi: Số, en: Count}
        """,
            [
                (10, "outline.error.bad_question_id"),
                (13, "outline.error.bad_question_id"),
                (16, "outline.error.bad_question_id"),
            ],
            id="bad-ids",
        ),
        pytest.param(
            """
            - id: "true"
              type: yesno
              label: {vi: "Đúng không?", en: "True?"}
            - id: and
              type: yesno
              label: {vi: Và, en: And}
        """,
            [(10, "outline.error.reserved_id"), (13, "outline.error.reserved_id")],
            id="reserved-ids",
        ),
        pytest.param(
            """
            - id: loi_dan
              type: note
              required: true
              label: {vi: Lời dẫn, en: Foreword}
        """,
            [(12, "outline.error.note_required")],
            id="required-note",
        ),
        pytest.param(
            """
            - id: so_thon
              type: integer
              required: có
              label: {vi: Số thôn, en: Villages}
        """,
            [(12, "outline.error.expected_bool")],
            id="required-not-a-bool",
        ),
        pytest.param(
            """
            - id: so_thon
              type: integer
              label: {vi: Số thôn, en: Villages}
            - id: so_huong_uoc
              type: integer
              label: {vi: Số hương ước, en: Covenants}
              when: so_thonn > 0
        """,
            [(16, "outline.error.when_unknown_suggest")],
            id="when-misspelt",
        ),
        pytest.param(
            """
            - id: loi_dan
              type: note
              label: {vi: Lời dẫn, en: Foreword}
            - id: so_thon
              type: integer
              label: {vi: Số thôn, en: Villages}
              when: loi_dan == 'x' or ai_do > 1
        """,
            [(16, "outline.error.when_unknown"), (16, "outline.error.when_note")],
            id="when-note-and-unknown",
        ),
        pytest.param(
            """
            - id: so_thon
              type: integer
              label: {vi: Số thôn, en: Villages}
              when: so_thon > 0
        """,
            [(13, "outline.error.when_forward")],
            id="when-on-itself",
        ),
        pytest.param(
            """
            - id: so_thon
              type: integer
              label: {vi: Số thôn, en: Villages}
            - id: so_huong_uoc
              type: integer
              label: {vi: Số hương ước, en: Covenants}
              when: __import__('os').system('rm -rf /')
        """,
            [(16, "outline.error.condition_forbidden")],
            id="when-not-a-condition",
        ),
        pytest.param(
            """
            - id: so_thon
              type: integer
              label: {vi: Số thôn, en: Villages}
              lable: {vi: Số thôn, en: Villages}
              mininum: 0
        """,
            [(13, "outline.error.unknown_key_suggest"), (14, "outline.error.unknown_key_suggest")],
            id="misspelt-keys",
        ),
        pytest.param(
            """
            - id: so_thon
              type: integer
              label: {vi: Số thôn, en: Villages}
              type: text
        """,
            [(13, "outline.error.duplicate_key")],
            id="duplicate-key",
        ),
        pytest.param(
            """
            - id: so_thon
              label: {vi: Số thôn, en: Villages}
            - so_thon
        """,
            [(10, "outline.error.missing_key"), (12, "outline.error.expected_mapping")],
            id="missing-type",
        ),
    ],
)
def test_each_rule_is_checked_where_the_mistake_is(questions: str, expected: list[tuple[int, str]]) -> None:
    assert errors_of(outline_text(questions)) == expected


def test_top_level_rules() -> None:
    ok = load_outline(outline_text("- {id: a, type: text, label: {vi: A, en: A}}"))
    assert ok.id == "thu"

    text = outline_text("- {id: a, type: text, label: {vi: A, en: A}}")
    assert errors_of(text.replace("format: 1", "format: 2")) == [(1, "outline.error.unsupported_format")]
    assert errors_of(text.replace("id: thu", "id: Thu Nghiem")) == [(2, "outline.error.bad_outline_id")]
    assert errors_of(text.replace("version: 1", "version: 0")) == [(3, "outline.error.bad_version")]
    assert errors_of(text.replace("version: 1", "version: '1'")) == [(3, "outline.error.expected_integer")]
    assert errors_of(text.replace("languages: [vi, en]", "languages: [en]")) == [
        (4, "outline.error.missing_vi")
    ]
    assert errors_of(text.replace("languages: [vi, en]", "languages: [vi, vi, EN]")) == [
        (4, "outline.error.duplicate_language"),
        (4, "outline.error.bad_language"),
    ]
    assert errors_of(text.replace("format: 1\n", "")) == [(1, "outline.error.missing_key")]
    assert errors_of(text + "tac_gia: Ban Dân vận\n") == [(11, "outline.error.unknown_key")]
    assert errors_of(text.replace("title: {vi: Thử, en: Trial}", "title: [Thử]")) == [
        (5, "outline.error.expected_localized")
    ]
    assert errors_of(text.replace("id: chung", "id: Chung")) == [(7, "outline.error.bad_section_id")]


def test_languages_default_to_vietnamese_and_english() -> None:
    text = outline_text("- {id: a, type: text, label: {vi: A, en: A}}").replace("languages: [vi, en]\n", "")
    assert load_outline(text).languages == ("vi", "en")


def test_duplicate_sections_and_empty_lists() -> None:
    text = textwrap.dedent("""\
        format: 1
        id: thu
        version: 1
        title: {vi: Thử, en: Trial}
        sections:
          - id: chung
            title: {vi: Chung, en: General}
            questions: []
          - id: chung
            title: {vi: Chung, en: General}
            questions:
              - {id: a, type: text, label: {vi: A, en: A}}
    """)
    assert errors_of(text) == [(8, "outline.error.empty_list"), (9, "outline.error.duplicate_section_id")]
    assert errors_of(text.split("sections:")[0] + "sections: []\n") == [(5, "outline.error.empty_list")]


def test_aliases_cannot_blow_up_the_checker() -> None:
    question = "{id: a, type: integer, label: {vi: A, en: A}}"
    many = "[" + ", ".join(["*q"] * 50) + "]"
    text = textwrap.dedent(f"""\
        format: 1
        id: thu
        version: 1
        title: {{vi: Thử, en: Trial}}
        x-anchors: &q {question}
        sections:
    """) + "".join(f"  - {{id: s{i}, title: {{vi: M, en: S}}, questions: {many}}}\n" for i in range(40))
    messages = {e.message_id for e in validate_outline_text(text)}
    assert "outline.error.too_many" in messages
    assert "outline.error.duplicate_question_id" in messages


# --- the normalised outline round-trips ----------------------------------------------------------------


def test_the_normalised_outline_has_every_default_and_loads_back_unchanged() -> None:
    outline = load_outline_file(FIXTURES / "small.yaml")
    data = outline_to_dict(outline)

    assert data["format"] == 1 and data["languages"] == ["vi", "en"]
    sections = data["sections"]
    assert isinstance(sections, list)
    villages = sections[0]["questions"][2]
    assert villages == {
        "id": "so_thon",
        "type": "integer",
        "required": True,
        "label": {"vi": "Số thôn, tổ dân phố", "en": "Villages and residential groups"},
        "hint": None,
        "min": 0,
        "max": None,
        "unit": {"vi": "thôn", "en": "villages"},
        "when": "loai_hinh == 'xa'",
    }
    assert sections[0]["questions"][0]["required"] is False  # the note

    assert_round_trips(outline)


def test_a_bound_may_name_an_earlier_numeric_question() -> None:
    text = outline_text("""
        - id: don_nhan
          type: integer
          label: {vi: Số đơn đã nhận, en: Received}
          max: 5000
        - id: don_da_giai_quyet
          type: integer
          label: {vi: "Trong đó, số đơn đã giải quyết", en: Settled}
          max: don_nhan
        - id: ty_le
          type: decimal
          label: {vi: Tỷ lệ, en: Share}
          min: don_nhan
          max: "don_da_giai_quyet"
    """)
    outline = load_outline(text)
    settled, share = outline.question("don_da_giai_quyet"), outline.question("ty_le")
    assert (settled.max_of, settled.min_of) == ("don_nhan", None)
    # Until the total is answered, the part keeps the total's own range.
    assert (settled.min, settled.max) == (0, 5000)
    assert (share.min_of, share.max_of, share.min, share.max) == ("don_nhan", "don_da_giai_quyet", 0, 5000)
    assert outline.question("don_nhan").max_of is None

    questions = outline_to_dict(outline)["sections"][0]["questions"]  # type: ignore[index]
    assert (questions[1]["min"], questions[1]["max"]) == (0, "don_nhan")
    assert (questions[2]["min"], questions[2]["max"]) == ("don_nhan", "don_da_giai_quyet")
    assert_round_trips(outline)
    assert_round_trips(outline, "json")


def test_a_bound_error_speaks_vietnamese_with_its_line() -> None:
    [error] = validate_outline_text(outline_text("""
        - {id: don_da_giai_quyet, type: integer, label: {vi: Đã giải quyết, en: Settled}, max: don_nhan}
        - {id: don_nhan, type: integer, label: {vi: Đã nhận, en: Received}}
    """))
    assert render(error.as_msg()) == (
        "dòng 10, cột 94 (sections[0].questions[0].max): Giới hạn chỉ được lấy theo câu hỏi đứng trước, "
        "nhưng câu “don_nhan” nằm sau (hoặc chính là câu này)."
    )


@pytest.mark.parametrize("dump", ["yaml", "json"])
def test_the_builtin_outline_round_trips(dump: str) -> None:
    assert_round_trips(get_outline("ct30-20nam"), dump)


def assert_round_trips(outline: Outline, dump: str = "yaml") -> None:
    data = outline_to_dict(outline)
    if dump == "json":
        text = json.dumps(data, ensure_ascii=False, indent=1)
    else:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    again = load_outline(text)
    assert again == outline
    assert outline_to_dict(again) == data


# --- every message exists in every language ----------------------------------------------------------


def placeholders(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def message_ids_in_code() -> set[str]:
    ids: set[str] = set()
    for module in ("loader.py", "conditions.py"):
        source = (ROOT / "dialogs" / module).read_text(encoding="utf-8")
        ids |= set(re.findall(r'"(outline\.[a-z0-9_.]+)"', source))
    return ids


def test_every_message_the_checker_can_give_is_in_both_catalogs_with_the_same_placeholders() -> None:
    vi, en = catalog("vi"), catalog("en")
    ids = message_ids_in_code() | {"outline.valid", "outline.invalid"}
    assert len(ids) > 40
    assert ids <= set(vi), ids - set(vi)
    assert set(vi) == set(en)
    for message_id in vi:
        assert vi[message_id] and en[message_id], message_id
        assert placeholders(vi[message_id]) == placeholders(en[message_id]), message_id
    assert vi["outline.valid"].format(id="ct30-20nam", version=1, sections=5, questions=35) == (
        "Dàn ý ct30-20nam phiên bản 1 hợp lệ: 5 mục, 35 câu hỏi."
    )


def test_the_catalogs_declare_utf8_and_their_language() -> None:
    for language in LANGUAGES:
        with (ROOT / "locales" / language / "LC_MESSAGES" / "outline.po").open("rb") as handle:
            po = read_po(handle)
        assert str(po.locale) == language
        assert po.charset.lower() == "utf-8"


def test_every_error_carries_exactly_the_parameters_its_message_needs(tmp_path: Path) -> None:
    vi = catalog("vi")
    samples: list[OutlineError] = [
        *validate_outline_file(FIXTURES / "broken.yaml"),
        *validate_outline_file(tmp_path / "missing.yaml"),
        *validate_outline_text("a: [1\n"),
        *validate_outline_text(""),
        *validate_outline_text(
            outline_text(
                """
            - {id: loi_dan, type: note, required: true, label: {vi: L, en: L}}
            - {id: Bad, type: integer, label: Số, min: a, unit: {vi: x}}
            - {id: c, type: choice, label: {vi: C, en: C}, choices: [{value: "A B", label: {vi: A, en: A}}]}
            - {id: d, type: text, label: {vi: D, en: D}, when: "d.x", foo: 1}
            - {id: e, type: text, label: {vi: E, en: E}, when: "[1] == e", required: 1}
            - {id: f, type: text, label: {vi: F, en: F}, when: "f >"}
            - {id: g, type: text, label: {vi: G, en: G}, when: ""}
            - {id: h, type: integer, label: {vi: H, en: H}, min: h, max: c}
            - {id: i, type: decimal, label: {vi: I, en: I}, max: loi_da}
        """,
                languages="[vi, en, xx1]",
            )
        ),
    ]
    assert len({e.message_id for e in samples}) > 15
    for error in samples:
        expected = placeholders(vi[error.message_id])
        assert set(error.params) == expected, (error.message_id, error.params)
        assert render(error.as_msg())  # formats without a missing placeholder


def test_errors_render_into_the_at_line_form_when_the_whole_file_is_concerned() -> None:
    [error] = validate_outline_text("- mot\n- hai\n")
    assert error.path == ""
    assert render(error.as_msg()) == "dòng 1, cột 1: Ở đây cần các dòng dạng “khóa: giá trị”."

