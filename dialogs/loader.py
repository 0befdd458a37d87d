"""Reading report outlines from YAML files, with every mistake reported by line and column.

The file format, version 1::

    format: 1                      # version of this file format
    id: ct30-20nam                 # the outline's slug
    version: 1                     # the outline's own version
    title: {vi: ..., en: ...}
    languages: [vi, en]            # optional, default [vi, en]; must include vi
    parts:                         # optional: how a compiled report groups the sections
      - id: phan_1
        title: {vi: "Phần thứ nhất: ...", en: "Part one: ..."}
        sections: [lanh_dao, ket_qua]   # each section in one part at most; the rest compiled after
    sections:
      - id: lanh_dao
        title: {vi: ..., en: ...}
        questions:
          - id: so_hoi_nghi        # [a-z][a-z0-9_]*, at most 24 characters, unique in the outline
            type: integer          # text|integer|decimal|choice|multi|yesno|date|note
            required: false        # default true; a note is never required
            label: {vi: ..., en: ...}
            hint: {vi: ..., en: ...}   # optional
            unit: {vi: ..., en: ...}   # optional, numbers only
            min: 0                 # numbers only; an integer question has min 0 unless told
            max: 10000             # or the id of an earlier integer/decimal question: `max: don_nhan`
                                   # ("trong đó": at most what was answered there, once answered;
                                   # until then that question's own min/max apply)
            choices:               # choice and multi only, at least two, values unique
              - {value: co, label: {vi: Có, en: "Yes"}}
            when: "so_thon > 0"    # optional, see dialogs.conditions; earlier questions only

Texts are given in every language of `languages` (a plain string is Vietnamese, allowed only when
`languages` is [vi]) and are NFC-normalised. Errors are message ids with parameters (locales/*/outline.po).
"""

from __future__ import annotations

import difflib
import keyword
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from os import PathLike
from pathlib import Path

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dialogs.conditions import RESERVED_WORDS, ConditionError, compile_condition
from dialogs.events import Msg
from dialogs.outline import Choice, Localized, Outline, Part, Question, QuestionType, Section
from dialogs.text import clean, clean_key, clean_line

FORMAT_VERSION = 1
DEFAULT_LANGUAGES = ("vi", "en")
REQUIRED_LANGUAGE = "vi"
MAX_ID_LENGTH = 24  # question ids and choice values go into Telegram's 64-byte callback data
MAX_OUTLINE_ID_LENGTH = 40
# Aliases let a small file name the same node many times; caps keep validation linear in practice.
MAX_SECTIONS = 100
MAX_PARTS = 20
MAX_QUESTIONS = 1000
MAX_CHOICES = 50

_OUTLINE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_QUESTION_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_CHOICE_VALUE = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_LANGUAGE = re.compile(r"[a-z]{2,3}\Z")

_TOP_KEYS = ("format", "id", "version", "title", "languages", "parts", "sections")
_PART_KEYS = ("id", "title", "sections")
_SECTION_KEYS = ("id", "title", "questions")
_QUESTION_KEYS = ("id", "type", "required", "label", "hint", "unit", "min", "max", "choices", "when")
_CHOICE_KEYS = ("value", "label")
_CHOICE_TYPES = (QuestionType.CHOICE, QuestionType.MULTI)
_NUMERIC_TYPES = (QuestionType.INTEGER, QuestionType.DECIMAL)

_TAG_NULL = "tag:yaml.org,2002:null"
_TAG_BOOL = "tag:yaml.org,2002:bool"
_TAG_INT = "tag:yaml.org,2002:int"
_TAG_FLOAT = "tag:yaml.org,2002:float"
_TAG_STR = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class OutlineError:
    """One mistake in an outline file: where it is (1-based line and column, 0 if nowhere) and what."""

    line: int
    column: int
    path: str  # e.g. "sections[1].questions[3].max"; "" for the whole file
    message_id: str
    params: Mapping[str, object] = field(default_factory=dict)

    def as_msg(self) -> Msg:
        """The error as a catalog message, with its location in front."""
        message = Msg(self.message_id, dict(self.params))  # type: ignore[arg-type]
        if self.line <= 0:
            return message
        if not self.path:
            return Msg(
                "outline.error.at_line", {"line": self.line, "column": self.column, "message": message}
            )
        return Msg(
            "outline.error.at",
            {"line": self.line, "column": self.column, "path": self.path, "message": message},
        )


class OutlineInvalid(Exception):
    """An outline that cannot be used; `errors` lists every mistake found, in file order."""

    def __init__(self, errors: Sequence[OutlineError]) -> None:
        self.errors: list[OutlineError] = list(errors)
        first = self.errors[0] if self.errors else None
        where = f" (first: line {first.line}, {first.message_id})" if first else ""
        super().__init__(f"{len(self.errors)} error(s) in outline{where}")


# --- public API -----------------------------------------------------------------------------------


def load_outline(text: str) -> Outline:
    """The outline in a YAML text; raises OutlineInvalid listing every error."""
    outline, errors = _parse(text)
    if errors or outline is None:
        raise OutlineInvalid(errors)
    return outline


def load_outline_file(path: str | PathLike[str]) -> Outline:
    """The outline in a YAML file; raises OutlineInvalid (also for a missing or unreadable file)."""
    text, errors = _read(path)
    if text is None:
        raise OutlineInvalid(errors)
    return load_outline(text)


def validate_outline_text(text: str) -> list[OutlineError]:
    """Every error in a YAML outline text; empty when it is valid."""
    return _parse(text)[1]


def validate_outline_file(path: str | PathLike[str]) -> list[OutlineError]:
    """Every error in a YAML outline file, including a missing, non-UTF-8 or non-YAML file."""
    text, errors = _read(path)
    if text is None:
        return errors
    return validate_outline_text(text)


def outline_to_dict(outline: Outline) -> dict[str, object]:
    """The outline as plain data in the file format, every default filled in; loads back unchanged."""
    languages = list(outline.languages)
    data: dict[str, object] = {
        "format": FORMAT_VERSION,
        "id": outline.id,
        "version": outline.version,
        "title": _texts(outline.title, languages),
        "languages": languages,
        "sections": [
            {
                "id": section.id,
                "title": _texts(section.title, languages),
                "questions": [_question_to_dict(question, languages) for question in section.questions],
            }
            for section in outline.sections
        ],
    }
    if outline.parts:
        data["parts"] = [
            {"id": part.id, "title": _texts(part.title, languages), "sections": list(part.sections)}
            for part in outline.parts
        ]
    return data


# --- writing --------------------------------------------------------------------------------------


def _texts(text: Localized, languages: Sequence[str]) -> dict[str, str]:
    return {language: text.get(language) for language in languages}


def _question_to_dict(question: Question, languages: Sequence[str]) -> dict[str, object]:
    data: dict[str, object] = {
        "id": question.id,
        "type": question.type.value,
        "required": question.required,
        "label": _texts(question.label, languages),
        "hint": _texts(question.hint, languages) if question.hint else None,
    }
    if question.type in _NUMERIC_TYPES:
        data["min"] = question.min_of if question.min_of is not None else question.min
        data["max"] = question.max_of if question.max_of is not None else question.max
        data["unit"] = _texts(question.unit, languages) if question.unit else None
    if question.type in _CHOICE_TYPES:
        data["choices"] = [
            {"value": choice.value, "label": _texts(choice.label, languages)} for choice in question.choices
        ]
    data["when"] = question.when
    return data


# --- reading --------------------------------------------------------------------------------------


def _read(path: str | PathLike[str]) -> tuple[str | None, list[OutlineError]]:
    """The text of a file, or the error that keeps it from being read."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return None, [OutlineError(0, 0, "", "outline.error.file_missing", {"file": name})]
    except OSError:
        return None, [OutlineError(0, 0, "", "outline.error.file_unreadable", {"file": name})]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return None, [OutlineError(line, column, "", "outline.error.not_utf8", {"file": name})]


def _parse(text: str) -> tuple[Outline | None, list[OutlineError]]:
    """The outline in a text (None if any error) and every error, in file order."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = error.problem or error.context or "?"
        return None, [OutlineError(line, column, "", "outline.error.yaml_syntax", {"problem": problem})]
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        return None, [OutlineError(line, column, "", "outline.error.yaml_syntax", {"problem": error.reason})]
    except yaml.YAMLError as error:  # pragma: no cover - every PyYAML error above carries a position
        return None, [OutlineError(0, 0, "", "outline.error.yaml_syntax", {"problem": str(error)})]
    if root is None:
        return None, [OutlineError(1, 1, "", "outline.error.empty")]
    reader = _Reader()
    outline = reader.outline(root)
    errors = sorted(reader.errors, key=lambda e: (e.line, e.column))
    return (outline if not errors else None), errors


def _where(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


@dataclass
class _QuestionSeen:
    """Where a question id was first defined, for duplicate and `when:` checks."""

    position: int
    line: int
    type: QuestionType | None


@dataclass
class _PendingBound:
    """A `min:`/`max:` naming another question, checked once the whole outline has been read."""

    node: Node
    path: str
    position: int
    name: str


@dataclass
class _PendingWhen:
    """A `when:` condition whose names are checked once the whole outline has been read."""

    node: Node
    path: str
    position: int
    names: frozenset[str]


class _Reader:
    """Walks the composed YAML nodes once, collecting errors instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[OutlineError] = []
        self.languages: tuple[str, ...] = DEFAULT_LANGUAGES
        # False once `languages` itself had a mistake: judging texts against it would only add noise.
        self.languages_trusted = True
        self.key_nodes: dict[int, Node] = {}  # id(value node) -> its key node, to point at the key
        self.questions: dict[str, _QuestionSeen] = {}
        self.pending_when: list[_PendingWhen] = []
        self.pending_bounds: list[_PendingBound] = []
        self.ranges: dict[str, tuple[int | float | None, int | float | None]] = {}  # numeric questions
        self.question_count = 0
        self.constructor = SafeConstructor()

    # errors

    def key_of(self, node: Node) -> Node:
        """The key node a value was written under (the value itself if unknown)."""
        return self.key_nodes.get(id(node), node)

    def error(self, node: Node | None, path: str, message_id: str, **params: object) -> None:
        """Record a mistake at a node (its 1-based line and column)."""
        line, column = (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else (0, 0)
        self.errors.append(OutlineError(line, column, path, message_id, params))

    # shapes

    def mapping(
        self, node: Node, path: str, known: Sequence[str], required: Sequence[str]
    ) -> dict[str, Node] | None:
        """The entries of a mapping with the given keys; unknown, duplicate and missing keys are errors."""
        if not isinstance(node, MappingNode):
            self.error(node, path, "outline.error.expected_mapping")
            return None
        entries: dict[str, Node] = {}
        suggested: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, path, "outline.error.expected_key")
                continue
            key = clean_key(key_node.value)
            where = _where(path, key)
            if key in entries:
                self.error(key_node, where, "outline.error.duplicate_key", key=key)
                continue
            if key not in known:
                suggestion = self.unknown_key(key_node, where, key, known)
                if suggestion is not None:
                    suggested.add(suggestion)
                continue
            entries[key] = value_node
            self.key_nodes[id(value_node)] = key_node
        for key in required:
            # A misspelt key ("lable") was already reported with this key as the suggestion.
            if key not in entries and key not in suggested:
                self.error(node, _where(path, key), "outline.error.missing_key", key=key)
        return entries

    def unknown_key(self, node: Node, path: str, key: str, known: Sequence[str]) -> str | None:
        """Report a key that is not allowed here; returns the known key it probably meant."""
        close = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6)
        if close:
            self.error(node, path, "outline.error.unknown_key_suggest", key=key, suggestion=close[0])
            return close[0]
        self.error(node, path, "outline.error.unknown_key", key=key, known=", ".join(known))
        return None

    def sequence(self, node: Node, path: str, key: str, limit: int) -> list[Node]:
        """The items of a non-empty list of at most `limit` items (the rest reported and dropped)."""
        if not isinstance(node, SequenceNode):
            self.error(node, path, "outline.error.expected_list")
            return []
        if not node.value:
            self.error(self.key_of(node), path, "outline.error.empty_list", key=key)
        if len(node.value) > limit:
            self.error(node.value[limit], _where(path, limit), "outline.error.too_many", key=key, max=limit)
        return list(node.value[:limit])

    @staticmethod
    def present(entries: Mapping[str, Node], key: str) -> Node | None:
        """The value of an optional key; an explicit null counts as absent."""
        node = entries.get(key)
        if isinstance(node, ScalarNode) and node.tag == _TAG_NULL:
            return None
        return node

    # scalars

    def text(self, node: Node, path: str, *, one_line: bool = True) -> str | None:
        """A non-empty text; numbers and yes/no are taken as written (YAML would turn `no` into False).

        Cleaned by the one rule for text (dialogs/text.py): a label, a title or an id is one line; a
        hint may keep its line breaks.
        """
        if not isinstance(node, ScalarNode) or node.tag == _TAG_NULL:
            self.error(node, path, "outline.error.expected_text")
            return None
        value = clean_line(node.value) if one_line else clean(node.value)
        if not value:
            self.error(node, path, "outline.error.empty_text")
            return None
        return value

    def number(self, node: Node, path: str, *, whole: bool) -> int | float | None:
        """A finite number (a whole one if `whole`); YAML true/false are not numbers."""
        value = self.scalar(node, (_TAG_INT, _TAG_FLOAT))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.error(
                node, path, "outline.error.expected_integer" if whole else "outline.error.expected_number"
            )
            return None
        if whole and isinstance(value, float):
            if not value.is_integer():
                self.error(node, path, "outline.error.expected_integer")
                return None
            return int(value)
        return value

    def boolean(self, node: Node, path: str) -> bool | None:
        """A YAML true or false."""
        value = self.scalar(node, (_TAG_BOOL,))
        if not isinstance(value, bool):
            self.error(node, path, "outline.error.expected_bool")
            return None
        return value

    def scalar(self, node: Node, tags: Sequence[str]) -> object:
        """The value of a scalar resolved to one of `tags`, else None."""
        if not isinstance(node, ScalarNode) or node.tag not in tags:
            return None
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError):  # pragma: no cover - the resolver only tags valid scalars
            return None

    def identifier(
        self, node: Node, path: str, pattern: re.Pattern[str], limit: int, message_id: str
    ) -> str | None:
        """A text matching `pattern`, at most `limit` characters."""
        value = self.text(node, path)
        if value is None:
            return None
        if not pattern.match(value) or len(value) > limit:
            self.error(node, path, message_id, id=value, max=limit)
            return None
        return value

    def localized(self, node: Node, path: str, *, one_line: bool = True) -> Localized | None:
        """A text in every language of the outline (one line unless `one_line` is False)."""
        trusted = self.languages_trusted
        if isinstance(node, ScalarNode) and node.tag != _TAG_NULL:
            if self.languages != (REQUIRED_LANGUAGE,) and trusted:
                self.error(node, path, "outline.error.plain_text", languages=", ".join(self.languages))
                return None
            value = self.text(node, path, one_line=one_line)
            return Localized({REQUIRED_LANGUAGE: value}) if value is not None else None
        if not isinstance(node, MappingNode):
            self.error(node, path, "outline.error.expected_localized", languages=", ".join(self.languages))
            return None
        texts: dict[str, str] = {}
        seen: set[str] = set()
        complete = True
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, path, "outline.error.expected_key")
                complete = False
                continue
            language = clean_key(key_node.value)
            where = _where(path, language)
            if language in seen:
                self.error(key_node, where, "outline.error.duplicate_key", key=language)
                continue
            seen.add(language)
            if language not in self.languages:
                if trusted:
                    languages = ", ".join(self.languages)
                    self.error(
                        key_node,
                        where,
                        "outline.error.unknown_language",
                        language=language,
                        languages=languages,
                    )
                complete = False
                continue
            value = self.text(value_node, where, one_line=one_line)
            if value is None:
                complete = False
            else:
                texts[language] = value
        for language in self.languages:
            if language not in seen:
                if trusted:
                    self.error(
                        node, _where(path, language), "outline.error.missing_translation", language=language
                    )
                complete = False
        if not complete:
            return None
        return Localized({language: texts[language] for language in self.languages})

    # the outline

    def outline(self, root: Node) -> Outline | None:
        """The whole outline, None if anything was wrong."""
        entries = self.mapping(root, "", _TOP_KEYS, required=("format", "id", "version", "title", "sections"))
        if entries is None:
            return None
        fmt = entries.get("format")
        if fmt is not None:
            value = self.number(fmt, "format", whole=True)
            if value is not None and value != FORMAT_VERSION:
                self.error(
                    fmt, "format", "outline.error.unsupported_format", format=value, supported=FORMAT_VERSION
                )
                return None  # a future format: nothing below can be judged by these rules
        outline_id = version = title = None
        if "id" in entries:
            outline_id = self.identifier(
                entries["id"], "id", _OUTLINE_ID, MAX_OUTLINE_ID_LENGTH, "outline.error.bad_outline_id"
            )
        if "version" in entries:
            version = self.number(entries["version"], "version", whole=True)
            if version is not None and version < 1:
                self.error(entries["version"], "version", "outline.error.bad_version", version=version)
                version = None
        languages_node = self.present(entries, "languages")
        if languages_node is not None:
            self.languages = self.read_languages(languages_node)
        if "title" in entries:
            title = self.localized(entries["title"], "title")
        sections: list[Section] = []
        complete = True
        if "sections" in entries:
            items = self.sequence(entries["sections"], "sections", "sections", MAX_SECTIONS)
            seen: dict[str, int] = {}
            for i, item in enumerate(items):
                section = self.section(item, _where("sections", i), seen)
                if section is None:
                    complete = False
                else:
                    sections.append(section)
        self.check_when()
        self.check_bounds()
        parts: tuple[Part, ...] = ()
        parts_node = self.present(entries, "parts")
        if parts_node is not None:
            parts = self.parts(parts_node, [section.id for section in sections] if complete else None)
        if self.errors or not complete or outline_id is None or version is None or title is None:
            return None
        return Outline(
            id=outline_id,
            version=int(version),
            title=title,
            sections=tuple(sections),
            languages=self.languages,
            parts=parts,
        )

    def parts(self, node: Node, section_ids: list[str] | None) -> tuple[Part, ...]:
        """The parts of a compiled report: each names known sections, a section in one part at most.
        `section_ids` is None when a section had errors (names are then not judged)."""
        parts: list[Part] = []
        part_lines: dict[str, int] = {}
        placed: dict[str, str] = {}  # section id -> the part it is in
        for i, item in enumerate(self.sequence(node, "parts", "parts", MAX_PARTS)):
            path = _where("parts", i)
            entries = self.mapping(item, path, _PART_KEYS, required=_PART_KEYS)
            if entries is None:
                continue
            part_id = title = None
            if "id" in entries:
                id_node = entries["id"]
                part_id = self.identifier(
                    id_node, _where(path, "id"), _QUESTION_ID, MAX_ID_LENGTH, "outline.error.bad_part_id"
                )
                if part_id is not None and part_id in part_lines:
                    self.error(
                        id_node,
                        _where(path, "id"),
                        "outline.error.duplicate_part_id",
                        id=part_id,
                        line=part_lines[part_id],
                    )
                    part_id = None
                elif part_id is not None:
                    part_lines[part_id] = id_node.start_mark.line + 1
            if "title" in entries:
                title = self.localized(entries["title"], _where(path, "title"))
            members: list[str] = []
            if "sections" in entries:
                where = _where(path, "sections")
                for j, section_node in enumerate(
                    self.sequence(entries["sections"], where, "sections", MAX_SECTIONS)
                ):
                    section_path = _where(where, j)
                    name = self.text(section_node, section_path)
                    if name is None:
                        continue
                    if section_ids is not None and name not in section_ids:
                        close = difflib.get_close_matches(name, section_ids, n=1, cutoff=0.7)
                        if close:
                            self.error(
                                section_node,
                                section_path,
                                "outline.error.part_section_unknown_suggest",
                                id=name,
                                suggestion=close[0],
                            )
                        else:
                            self.error(
                                section_node, section_path, "outline.error.part_section_unknown", id=name
                            )
                        continue
                    if name in placed:
                        self.error(
                            section_node,
                            section_path,
                            "outline.error.part_section_twice",
                            id=name,
                            part=placed[name],
                        )
                        continue
                    placed[name] = part_id or path
                    members.append(name)
            if part_id is not None and title is not None:
                order = {section_id: n for n, section_id in enumerate(section_ids or ())}
                members.sort(key=lambda section_id: order.get(section_id, 0))
                parts.append(Part(id=part_id, title=title, sections=tuple(members)))
        return tuple(parts)

    def read_languages(self, node: Node) -> tuple[str, ...]:
        """The outline's languages, Vietnamese always among them."""
        errors_before = len(self.errors)
        items = self.sequence(node, "languages", "languages", 20)
        languages: list[str] = []
        for i, item in enumerate(items):
            path = _where("languages", i)
            code = self.text(item, path)
            if code is None:
                continue
            if not _LANGUAGE.match(code):
                self.error(item, path, "outline.error.bad_language", language=code)
            elif code in languages:
                self.error(item, path, "outline.error.duplicate_language", language=code)
            else:
                languages.append(code)
        if items and REQUIRED_LANGUAGE not in languages:
            self.error(node, "languages", "outline.error.missing_vi")
            languages.insert(0, REQUIRED_LANGUAGE)
        if len(self.errors) > errors_before:
            self.languages_trusted = False
        return tuple(languages) or DEFAULT_LANGUAGES

    def section(self, node: Node, path: str, seen: dict[str, int]) -> Section | None:
        """One section and its questions."""
        entries = self.mapping(node, path, _SECTION_KEYS, required=_SECTION_KEYS)
        if entries is None:
            return None
        section_id = title = None
        if "id" in entries:
            id_node = entries["id"]
            section_id = self.identifier(
                id_node, _where(path, "id"), _QUESTION_ID, MAX_ID_LENGTH, "outline.error.bad_section_id"
            )
            if section_id is not None:
                if section_id in seen:
                    self.error(
                        id_node,
                        _where(path, "id"),
                        "outline.error.duplicate_section_id",
                        id=section_id,
                        line=seen[section_id],
                    )
                else:
                    seen[section_id] = id_node.start_mark.line + 1
        if "title" in entries:
            title = self.localized(entries["title"], _where(path, "title"))
        questions: list[Question] = []
        complete = True
        if "questions" in entries:
            questions_path = _where(path, "questions")
            for i, item in enumerate(
                self.sequence(entries["questions"], questions_path, "questions", MAX_QUESTIONS)
            ):
                if self.question_count >= MAX_QUESTIONS:
                    if self.question_count == MAX_QUESTIONS:  # say it once, not once per section
                        self.question_count += 1
                        where = _where(questions_path, i)
                        self.error(item, where, "outline.error.too_many", key="questions", max=MAX_QUESTIONS)
                    return None
                self.question_count += 1
                question = self.question(item, _where(questions_path, i))
                if question is None:
                    complete = False
                else:
                    questions.append(question)
        if section_id is None or title is None or not complete:
            return None
        return Section(id=section_id, title=title, questions=tuple(questions))

    def question(self, node: Node, path: str) -> Question | None:
        """One question, with the defaults of its type."""
        entries = self.mapping(node, path, _QUESTION_KEYS, required=("id", "type", "label"))
        if entries is None:
            return None
        errors_before = len(self.errors)
        position = self.question_count
        question_id = self.question_id(entries, path, position)
        qtype = self.question_type(entries, path)
        if question_id is not None:
            self.questions[question_id].type = qtype  # for `when:` checks of later questions

        # A question's label may run to paragraphs (a note's does): its line breaks are kept.
        label = (
            self.localized(entries["label"], _where(path, "label"), one_line=False)
            if "label" in entries
            else None
        )
        hint = self.optional(entries, path, "hint", partial(self.localized, one_line=False))
        required = True if qtype is not QuestionType.NOTE else False
        required_node = self.present(entries, "required")
        if required_node is not None:
            value = self.boolean(required_node, _where(path, "required"))
            if value is not None:
                if value and qtype is QuestionType.NOTE:
                    self.error(required_node, _where(path, "required"), "outline.error.note_required")
                required = value and qtype is not QuestionType.NOTE

        unit, low, high, low_of, high_of = self.numeric_bounds(entries, path, qtype, position)
        choices = self.choices(entries, path, qtype)
        when = self.when(entries, path, position)

        if len(self.errors) > errors_before or question_id is None or qtype is None or label is None:
            return None
        if qtype in _NUMERIC_TYPES:
            self.ranges[question_id] = (low, high)  # for later questions that name this one
        return Question(
            id=question_id,
            type=qtype,
            label=label,
            hint=hint,
            required=required,
            min=low,
            max=high,
            choices=choices,
            unit=unit,
            when=when,
            min_of=low_of,
            max_of=high_of,
        )

    def question_id(self, entries: Mapping[str, Node], path: str, position: int) -> str | None:
        """A new, well-formed, unique question id; remembered for later checks."""
        if "id" not in entries:
            return None
        node = entries["id"]
        where = _where(path, "id")
        question_id = self.identifier(
            node, where, _QUESTION_ID, MAX_ID_LENGTH, "outline.error.bad_question_id"
        )
        if question_id is None:
            return None
        if question_id in RESERVED_WORDS or keyword.iskeyword(question_id):
            # Such an id could never be named in a `when:` condition.
            self.error(node, where, "outline.error.reserved_id", id=question_id)
            return None
        if question_id in self.questions:
            first = self.questions[question_id]
            self.error(node, where, "outline.error.duplicate_question_id", id=question_id, line=first.line)
            return None
        self.questions[question_id] = _QuestionSeen(position, node.start_mark.line + 1, None)
        return question_id

    def question_type(self, entries: Mapping[str, Node], path: str) -> QuestionType | None:
        """One of the known question types."""
        if "type" not in entries:
            return None
        node = entries["type"]
        where = _where(path, "type")
        name = self.text(node, where)
        if name is None:
            return None
        try:
            return QuestionType(name)
        except ValueError:
            self.error(node, where, "outline.error.unknown_type", type=name, types=", ".join(QuestionType))
            return None

    def optional(
        self, entries: Mapping[str, Node], path: str, key: str, read: Callable[[Node, str], Localized | None]
    ) -> Localized | None:
        """An optional text in every language, None if absent."""
        node = self.present(entries, key)
        return read(node, _where(path, key)) if node is not None else None

    def numeric_bounds(
        self, entries: Mapping[str, Node], path: str, qtype: QuestionType | None, position: int
    ) -> tuple[Localized | None, int | float | None, int | float | None, str | None, str | None]:
        """Unit, min and max, and the questions min and max name: numbers only; an integer question
        has min 0 unless told (also when its min names another question)."""
        numeric = qtype in _NUMERIC_TYPES
        values: dict[str, int | float | None] = {"min": None, "max": None}
        names: dict[str, str | None] = {"min": None, "max": None}
        for key in ("min", "max"):
            node = self.present(entries, key)
            if node is None:
                continue
            if not numeric:
                if qtype is not None:
                    where = _where(path, key)
                    self.error(
                        self.key_of(node), where, "outline.error.numeric_only", key=key, type=qtype.value
                    )
                continue
            if isinstance(node, ScalarNode) and node.tag == _TAG_STR and _QUESTION_ID.match(node.value):
                # Another question's id: whether it exists, comes earlier and is a number is checked
                # once every question has been seen.
                names[key] = node.value
                self.pending_bounds.append(_PendingBound(node, _where(path, key), position, node.value))
                continue
            values[key] = self.number(node, _where(path, key), whole=qtype is QuestionType.INTEGER)
        unit_node = self.present(entries, "unit")
        unit = None
        if unit_node is not None:
            if numeric:
                unit = self.localized(unit_node, _where(path, "unit"))
            elif qtype is not None:
                self.error(
                    self.key_of(unit_node),
                    _where(path, "unit"),
                    "outline.error.numeric_only",
                    key="unit",
                    type=qtype.value,
                )
        low, high = values["min"], values["max"]
        # A bound naming a question also takes that question's own range: a part of a total is
        # never above the total's maximum, even before the total is answered.
        if names["min"] in self.ranges:
            low = self.ranges[names["min"]][0]
        if names["max"] in self.ranges:
            high = self.ranges[names["max"]][1]
        if qtype is QuestionType.INTEGER and low is None:
            low = 0  # counts of meetings, people, letters: never negative unless the outline says so
        if low is not None and high is not None and low > high:
            node = self.present(entries, "max") or self.present(entries, "min")
            self.error(node, _where(path, "max"), "outline.error.min_above_max", min=low, max=high)
        return unit, low, high, names["min"], names["max"]

    def choices(
        self, entries: Mapping[str, Node], path: str, qtype: QuestionType | None
    ) -> tuple[Choice, ...]:
        """The choices of a choice or multi question; none allowed elsewhere."""
        node = self.present(entries, "choices")
        where = _where(path, "choices")
        if qtype not in _CHOICE_TYPES:
            if node is not None and qtype is not None:
                self.error(self.key_of(node), where, "outline.error.choices_forbidden", type=qtype.value)
            return ()
        if node is None:
            self.error(entries.get("type"), where, "outline.error.choices_missing", type=qtype.value)
            return ()
        items = self.sequence(node, where, "choices", MAX_CHOICES)
        if 0 < len(items) < 2:
            self.error(self.key_of(node), where, "outline.error.too_few_choices", min=2)
        choices: list[Choice] = []
        values: set[str] = set()
        for i, item in enumerate(items):
            item_path = _where(where, i)
            choice_entries = self.mapping(item, item_path, _CHOICE_KEYS, required=_CHOICE_KEYS)
            if choice_entries is None:
                continue
            value = None
            if "value" in choice_entries:
                value_node = choice_entries["value"]
                value = self.text(value_node, _where(item_path, "value"))
                if value is not None and (not _CHOICE_VALUE.match(value) or len(value) > MAX_ID_LENGTH):
                    self.error(
                        value_node,
                        _where(item_path, "value"),
                        "outline.error.bad_choice_value",
                        value=value,
                        max=MAX_ID_LENGTH,
                    )
                    value = None
                elif value is not None and value in values:
                    self.error(
                        value_node, _where(item_path, "value"), "outline.error.duplicate_choice", value=value
                    )
                    value = None
            label = (
                self.localized(choice_entries["label"], _where(item_path, "label"))
                if "label" in choice_entries
                else None
            )
            if value is not None:
                values.add(value)
                if label is not None:
                    choices.append(Choice(value=value, label=label))
        return tuple(choices)

    def when(self, entries: Mapping[str, Node], path: str, position: int) -> str | None:
        """The `when:` condition as written, once it compiles."""
        node = self.present(entries, "when")
        if node is None:
            return None
        where = _where(path, "when")
        expr = self.text(node, where)
        if expr is None:
            return None
        try:
            condition = compile_condition(expr)
        except ConditionError as error:
            self.errors.append(
                OutlineError(
                    node.start_mark.line + 1,
                    node.start_mark.column + 1,
                    where,
                    error.message_id,
                    error.params,
                )
            )
            return None
        # Whether the names exist and come earlier is checked once every question has been seen.
        self.pending_when.append(_PendingWhen(node, where, position, condition.names))
        return expr

    def check_when(self) -> None:
        """Every condition names questions that exist, come earlier and can be answered."""
        for pending in self.pending_when:
            for name in sorted(pending.names):
                seen = self.questions.get(name)
                if seen is None:
                    close = difflib.get_close_matches(name, list(self.questions), n=1, cutoff=0.7)
                    if close:
                        self.error(
                            pending.node,
                            pending.path,
                            "outline.error.when_unknown_suggest",
                            name=name,
                            suggestion=close[0],
                        )
                    else:
                        self.error(pending.node, pending.path, "outline.error.when_unknown", name=name)
                elif seen.position >= pending.position:
                    self.error(pending.node, pending.path, "outline.error.when_forward", name=name)
                elif seen.type is QuestionType.NOTE:
                    self.error(pending.node, pending.path, "outline.error.when_note", name=name)

    def check_bounds(self) -> None:
        """Every `min:`/`max:` naming a question names an earlier integer or decimal question."""
        for pending in self.pending_bounds:
            name = pending.name
            seen = self.questions.get(name)
            if seen is None:
                close = difflib.get_close_matches(name, list(self.questions), n=1, cutoff=0.7)
                if close:
                    self.error(
                        pending.node,
                        pending.path,
                        "outline.error.bound_unknown_suggest",
                        name=name,
                        suggestion=close[0],
                    )
                else:
                    self.error(pending.node, pending.path, "outline.error.bound_unknown", name=name)
            elif seen.position >= pending.position:
                self.error(pending.node, pending.path, "outline.error.bound_forward", name=name)
            elif seen.type is not None and seen.type not in _NUMERIC_TYPES:
                self.error(
                    pending.node,
                    pending.path,
                    "outline.error.bound_not_numeric",
                    name=name,
                    type=seen.type.value,
                )
