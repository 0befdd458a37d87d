"""Parts of a compiled report ("Phần thứ nhất …"), declared in the outline, checked by line and column."""

from __future__ import annotations

import yaml

from dialogs.builtin import get_outline
from dialogs.loader import load_outline, outline_to_dict, validate_outline_text
from tests.dialogs.test_outline_format import catalog, placeholders, render

SECTIONS = """\
sections:
  - id: lanh_dao
    title: {vi: Lãnh đạo, en: Leadership}
    questions:
      - {id: a, type: text, label: {vi: A, en: A}}
  - id: ket_qua
    title: {vi: Kết quả, en: Results}
    questions:
      - {id: b, type: integer, label: {vi: B, en: B}}
  - id: kien_nghi
    title: {vi: Kiến nghị, en: Proposals}
    questions:
      - {id: c, type: text, label: {vi: C, en: C}}
"""


def outline_with(parts: str) -> str:
    return "format: 1\nid: thu\nversion: 1\ntitle: {vi: Thử, en: Trial}\n" + parts + SECTIONS


def test_parts_are_optional() -> None:
    outline = load_outline(outline_with(""))
    assert outline.parts == ()
    assert "parts" not in outline_to_dict(outline)


def test_parts_load_in_the_order_written_with_their_sections_in_outline_order() -> None:
    outline = load_outline(
        outline_with(
            "parts:\n"
            "  - {id: phan_1, title: {vi: 'Phần thứ nhất: Kết quả', en: 'Part one'},\n"
            "     sections: [ket_qua, lanh_dao]}\n"
            "  - {id: phan_3, title: {vi: 'Phần thứ ba: Kiến nghị', en: 'Part three'},\n"
            "     sections: [kien_nghi]}\n"
        )
    )
    assert [p.id for p in outline.parts] == ["phan_1", "phan_3"]
    assert outline.parts[0].title.get("vi") == "Phần thứ nhất: Kết quả"
    assert outline.parts[0].sections == ("lanh_dao", "ket_qua")
    assert outline.parts[1].sections == ("kien_nghi",)
    # Round trip through the file format.
    again = load_outline(yaml.safe_dump(outline_to_dict(outline), allow_unicode=True))
    assert again == outline


def test_an_unknown_section_and_a_section_in_two_parts_are_errors_with_their_line() -> None:
    text = outline_with(
        "parts:\n"
        "  - id: phan_1\n"
        "    title: {vi: Một, en: One}\n"
        "    sections: [lanh_dao, ket_qua]\n"
        "  - id: phan_2\n"
        "    title: {vi: Hai, en: Two}\n"
        "    sections: [ket_qua, kien_ngi, khong_co]\n"
        "  - id: phan_2\n"
        "    title: {vi: Ba, en: Three}\n"
        "    sections: [kien_nghi]\n"
    )
    errors = validate_outline_text(text)
    found = [(e.line, e.column, e.path, e.message_id) for e in errors]
    assert found == [
        (11, 16, "parts[1].sections[0]", "outline.error.part_section_twice"),
        (11, 25, "parts[1].sections[1]", "outline.error.part_section_unknown_suggest"),
        (11, 35, "parts[1].sections[2]", "outline.error.part_section_unknown"),
        (12, 9, "parts[2].id", "outline.error.duplicate_part_id"),
    ]
    assert render(errors[0].as_msg()) == (
        "dòng 11, cột 16 (parts[1].sections[0]): "
        "Mục “ket_qua” đã thuộc phần “phan_1”: mỗi mục chỉ thuộc một phần."
    )
    assert "có phải là “kien_nghi”?" in render(errors[1].as_msg())
    vi = catalog("vi")
    for error in errors:
        assert set(error.params) == placeholders(vi[error.message_id])


def test_a_malformed_part_is_reported() -> None:
    errors = validate_outline_text(outline_with("parts:\n  - {id: Phan, title: {vi: X, en: X}, foo: 1}\n"))
    ids = {e.message_id for e in errors}
    assert {"outline.error.bad_part_id", "outline.error.missing_key", "outline.error.unknown_key"} <= ids
    assert validate_outline_text(outline_with("parts: []\n"))[0].message_id == "outline.error.empty_list"


def test_the_builtin_outlines_group_their_sections_in_three_parts() -> None:
    for version in (1, 2):
        outline = get_outline("ct30-20nam", version)
        assert [p.title.get("vi").split(":")[0] for p in outline.parts] == [
            "Phần thứ nhất",
            "Phần thứ hai",
            "Phần thứ ba",
        ]
        assert outline.parts[0].sections == ("lanh_dao", "ket_qua", "han_che")
    assert get_outline("ct30-20nam", 2).parts[2].sections == ("kien_nghi", "tong_ket")
