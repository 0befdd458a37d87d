"""What a message asks for, decided before the report engine sees it: pure, by slash command or plain words.

A message routes away from the report only when the whole (short) message IS a command: "ai chưa nộp"
alone asks who has not submitted, while a sentence that merely contains those words is an answer and
goes to the engine like everything else. The text given here is already cleaned (`dialogs.text.clean`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from dialogs import text as tx
from storage.invites import ALPHABET, CODE_LENGTH

# --- who is typing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFacts:
    """What routing needs to know about the sender: joined or not, roles in their units, language."""

    joined: bool
    roles: frozenset[str] = frozenset()  # reporter | supervisor, over every membership
    locale: str = "vi"

    @property
    def reports(self) -> bool:
        """Whether the member writes a unit's report (holds a reporter membership)."""
        return "reporter" in self.roles

    @property
    def supervises(self) -> bool:
        """Whether the member oversees units below (holds a supervisor membership)."""
        return "supervisor" in self.roles


STRANGER = MemberFacts(joined=False)


# --- what they ask for ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Join:
    """Join by invite code; `code` None: a stranger typed something that is not a code."""

    code: str | None


@dataclass(frozen=True)
class Language:
    """Speak to me in `locale` from now on."""

    locale: str


@dataclass(frozen=True)
class SwitchMembership:
    """Work as the member of another of my units (by its code), or list them (None)."""

    unit_code: str | None


class OversightView(StrEnum):
    MISSING = "missing"  # ai chưa nộp
    PROGRESS = "progress"  # tiến độ
    APPROVE = "approve"  # duyệt
    RETURN = "return"  # trả lại
    MEMBERS = "members"  # thành viên
    INVITE = "invite"  # mời: make an invite code
    REMOVE = "remove"  # xoá a member
    LEAVE = "leave"  # rời khỏi my unit


@dataclass(frozen=True)
class Oversight:
    """A supervisor's look at, or decision about, the units below; `argument` as typed after the command."""

    view: OversightView
    argument: str = ""


@dataclass(frozen=True)
class Compile:
    """The compiled summary of the units below."""

    argument: str = ""


@dataclass(frozen=True)
class Reminders:
    """Remind the units below that have not submitted."""

    argument: str = ""


@dataclass(frozen=True)
class Link:
    """Link another channel's account to me: a one-time code (no argument), or one given to redeem."""

    argument: str = ""


@dataclass(frozen=True)
class Report:
    """Everything else: the report dialog, given `text` (an answer or one of the engine's commands)."""

    text: str


Intent: TypeAlias = Join | Language | SwitchMembership | Oversight | Compile | Reminders | Link | Report


# --- the words --------------------------------------------------------------------------------------


class _Kind(StrEnum):
    LANGUAGE = "language"
    SWITCH = "switch"
    MISSING = "missing"
    PROGRESS = "progress"
    APPROVE = "approve"
    RETURN = "return"
    COMPILE = "compile"
    REMINDERS = "reminders"
    MEMBERS = "members"
    INVITE = "invite"
    REMOVE = "remove"
    LEAVE = "leave"
    LINK = "link"


# Slash names, folded and without "_" (so /chua_nop and /ChuaNop work too); English aliases for all.
_SLASH_NAMES: Mapping[str, _Kind] = {
    "ngonngu": _Kind.LANGUAGE, "language": _Kind.LANGUAGE, "lang": _Kind.LANGUAGE,
    "donvi": _Kind.SWITCH, "unit": _Kind.SWITCH,
    "chuanop": _Kind.MISSING, "missing": _Kind.MISSING,
    "tiendo": _Kind.PROGRESS, "progress": _Kind.PROGRESS,
    "duyet": _Kind.APPROVE, "approve": _Kind.APPROVE,
    "tralai": _Kind.RETURN, "return": _Kind.RETURN,
    "tonghop": _Kind.COMPILE, "compile": _Kind.COMPILE,
    "nhacnho": _Kind.REMINDERS, "nhac": _Kind.REMINDERS, "remind": _Kind.REMINDERS,
    "thanhvien": _Kind.MEMBERS, "members": _Kind.MEMBERS,
    "moi": _Kind.INVITE, "invite": _Kind.INVITE,
    "xoa": _Kind.REMOVE, "remove": _Kind.REMOVE,
    "roikhoi": _Kind.LEAVE, "leave": _Kind.LEAVE,
    "lienket": _Kind.LINK, "link": _Kind.LINK,
}  # fmt: skip

# Plain words, written with diacritics; matched exactly or folded (typed without diacritics).
_PHRASES: Mapping[_Kind, tuple[str, ...]] = {
    _Kind.LANGUAGE: ("ngôn ngữ", "đổi ngôn ngữ", "ngonngu", "language"),
    _Kind.SWITCH: ("đơn vị", "đổi đơn vị", "chuyển đơn vị"),
    _Kind.MISSING: (
        "ai chưa nộp", "ai chưa nộp báo cáo", "những ai chưa nộp", "đơn vị nào chưa nộp",
        "những đơn vị nào chưa nộp", "nơi nào chưa nộp",
    ),
    _Kind.PROGRESS: ("tiến độ", "xem tiến độ", "tiến độ báo cáo", "tiến độ nộp báo cáo"),
    _Kind.APPROVE: ("duyệt", "duyệt báo cáo"),
    _Kind.RETURN: ("trả lại", "trả lại báo cáo"),
    _Kind.COMPILE: ("tổng hợp", "bản tổng hợp", "tổng hợp báo cáo"),
    _Kind.REMINDERS: ("nhắc nhở", "nhắc", "nhắc nộp", "nhắc nộp báo cáo"),
    _Kind.MEMBERS: ("thành viên", "danh sách thành viên", "xem thành viên"),
    _Kind.INVITE: ("tạo mã mời", "mã mời mới"),
    _Kind.LEAVE: ("rời khỏi", "rời đơn vị", "rời khỏi đơn vị"),
    _Kind.LINK: ("liên kết", "liên kết tài khoản", "mã liên kết"),
}  # fmt: skip

# Words for members who chose English; in Vietnamese they could be a short answer, so only there.
_ENGLISH_PHRASES: Mapping[_Kind, tuple[str, ...]] = {
    _Kind.SWITCH: ("unit", "switch unit", "change unit"),
    _Kind.MISSING: ("who has not submitted", "who hasn't submitted", "not submitted", "missing"),
    _Kind.PROGRESS: ("progress",),
    _Kind.APPROVE: ("approve",),
    _Kind.RETURN: ("return", "send back"),
    _Kind.COMPILE: ("compile", "summary"),
    _Kind.REMINDERS: ("remind", "reminders", "send reminders"),
    _Kind.MEMBERS: ("members",),
    _Kind.INVITE: ("invite", "new invite"),
    _Kind.LEAVE: ("leave unit",),
    _Kind.LINK: ("link account",),
}

# "Chưa nộp" is also the answer "not yet" to "Nộp báo cáo bây giờ?" (the engine reads it as no):
# only a member who oversees others is asking who has not submitted.
_SUPERVISOR_ONLY = ("chưa nộp", "chưa nộp báo cáo")

# Spoken particles that end a question without changing it: "ai chưa nộp vậy?", "tiến độ thế nào ạ".
_PARTICLES = frozenset({"a", "vay", "nhi", "the", "ha", "day", "the nao", "sao"})
_ASKS = frozenset({_Kind.MISSING, _Kind.PROGRESS})

# Folded forms that are another word with their diacritics: "nhạc" (music) is not "nhắc" (remind).
_AMBIGUOUS_FOLDS = frozenset({"nhac"})

# A language named after the command: "ngôn ngữ en", "/ngonngu tiếng Anh", "language vi".
_LANGUAGE_NAMES: Mapping[str, str] = {
    "vi": "vi", "viet": "vi", "tieng viet": "vi", "vietnamese": "vi",
    "en": "en", "anh": "en", "tieng anh": "en", "english": "en",
}  # fmt: skip

# "/start K7QM-4XPA" (deep link) or the code typed alone, with or without the dash.
_CODE = re.compile(r"[A-Za-z0-9]{4}[\s-]?[A-Za-z0-9]{4}")
_CODE_SYMBOLS = frozenset(ALPHABET + ALPHABET.lower())
_CODE_MAX_CHARS = CODE_LENGTH + 2  # the symbols and one dash or space (full-width: one character each)
_SLASH = re.compile(r"/(\w+)(?:@\w+)?(?:\s+(.*))?", re.DOTALL)
# A unit code after "đơn vị": "QT-HL", "X1", "QT" — not a word such as "mình" or "toi".
_UNIT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
_PLAIN_CHARS = 48  # a longer message is never a plain command: it is an answer


def _table(phrases: Mapping[_Kind, tuple[str, ...]]) -> tuple[dict[str, _Kind], dict[str, _Kind]]:
    exact = {tx.words(tx.clean(p)): kind for kind, ps in phrases.items() for p in ps}
    folded = {tx.fold(p): kind for kind, ps in phrases.items() for p in ps}
    return exact, folded


_EXACT, _FOLDED = _table(_PHRASES)
_EN_EXACT, _EN_FOLDED = _table(_ENGLISH_PHRASES)
_SUPERVISOR_EXACT, _SUPERVISOR_FOLDED = _table({_Kind.MISSING: _SUPERVISOR_ONLY})
# The first word of every phrase: most messages are answers, and one folded word tells them apart.
_FIRST_WORDS = frozenset(key.split()[0] for key in (*_FOLDED, *_EN_FOLDED, *_SUPERVISOR_FOLDED))


# --- routing ----------------------------------------------------------------------------------------


def route(text: str, member: MemberFacts) -> Intent:
    """The intent of one cleaned text message from `member`."""
    if not member.joined:
        return Join(_invite_code(text))
    if CODE_LENGTH <= len(text) <= _CODE_MAX_CHARS and _is_invite_code(text):
        # A member already joined who was given a code for another unit (or the same one again).
        return Join(text)
    if text.startswith("/"):
        return _route_slash(text, member)
    if len(text) > _PLAIN_CHARS:
        return Report(text)
    return _route_words(text, member) or Report(text)


def _route_slash(text: str, member: MemberFacts) -> Intent:
    slash = _SLASH.fullmatch(text)
    if slash is None:
        return Report(text)
    name, argument = tx.fold(slash[1]).replace("_", ""), (slash[2] or "").strip()
    if name == "start" and _CODE.fullmatch(argument):
        # A deep link opened by someone already joined: a code of the invite alphabet joins (another
        # unit, or "already in it"); anything else was never a code: just resume the report.
        return Join(argument) if _is_invite_code(argument) else Report("/baocao")
    kind = _SLASH_NAMES.get(name)
    if kind is None:
        return Report(text)  # the engine's own commands, and unknown ones it explains
    if kind is _Kind.LANGUAGE:
        return Language(_LANGUAGE_NAMES.get(tx.fold(argument)) or _other_locale(member))
    return _intent(kind, argument, member)


def _route_words(text: str, member: MemberFacts) -> Intent | None:
    raw = [token for token in (_strip_edges(t) for t in text.split()) if token]
    if not raw or tx.fold(raw[0]) not in _FIRST_WORDS:
        return None
    exact = [tx.words(t) for t in raw]
    folded = [tx.fold(t) for t in raw]
    marked = not text.isascii()
    kind = _match(exact, folded, marked, member)
    if kind is not None:
        return _intent(kind, "", member)
    # A spoken particle at the end of a question: "ai chưa nộp vậy", "tien do the nao".
    for cut in (1, 2):
        if len(folded) > cut and " ".join(folded[-cut:]) in _PARTICLES:
            kind = _match(exact[:-cut], folded[:-cut], marked, member)
            if kind in _ASKS:
                return _intent(kind, "", member)
    # A command with its argument: "đơn vị QT-HL", "thành viên X1", "ngôn ngữ tiếng Anh".
    for cut in (1, 2):
        if len(folded) <= cut:
            break
        kind = _match(exact[:-cut], folded[:-cut], marked, member)
        if kind is _Kind.LANGUAGE and (locale := _LANGUAGE_NAMES.get(" ".join(folded[-cut:]))):
            return Language(locale)
        if kind in (_Kind.SWITCH, _Kind.MEMBERS) and cut == 1 and _is_unit_code(raw[-1]):
            return _intent(kind, raw[-1], member)
    return None


def _match(exact: list[str], folded: list[str], marked: bool, member: MemberFacts) -> _Kind | None:
    """The command that these words are, in full, for this member."""
    if not folded:
        return None
    words, key = " ".join(exact), " ".join(folded)
    tables = [(_EXACT, _FOLDED)]
    if member.locale == "en":
        tables.append((_EN_EXACT, _EN_FOLDED))
    if member.supervises:
        tables.append((_SUPERVISOR_EXACT, _SUPERVISOR_FOLDED))
    for exact_table, folded_table in tables:
        kind = exact_table.get(words)
        if kind is not None:
            return kind
        kind = folded_table.get(key)
        if kind is not None and not (marked and key in _AMBIGUOUS_FOLDS):
            return kind
    return None


def _intent(kind: _Kind, argument: str, member: MemberFacts) -> Intent:
    match kind:
        case _Kind.LANGUAGE:
            return Language(_other_locale(member))
        case _Kind.SWITCH:
            return SwitchMembership(argument or None)
        case _Kind.COMPILE:
            return Compile(argument)
        case _Kind.REMINDERS:
            return Reminders(argument)
        case _Kind.LINK:
            return Link(argument)
        case _Kind.MEMBERS | _Kind.INVITE | _Kind.REMOVE | _Kind.LEAVE:
            return Oversight(OversightView(kind.value), argument)
        case _:
            return Oversight(OversightView(kind.value), argument)


def _invite_code(text: str) -> str | None:
    """The invite code typed alone or after /start (the Telegram deep link), or a link code after
    /lienket (storage.links), as typed."""
    slash = _SLASH.fullmatch(text)
    if slash is not None and tx.fold(slash[1]) in ("start", "lienket", "link"):
        text = (slash[2] or "").strip()
    # Full-width symbols ("Ｋ７ＱＭ－４ＸＰＢ", typed on some phone keyboards) are the same code.
    return text if _CODE.fullmatch(text if text.isascii() else tx.clean_key(text)) else None


def _is_invite_code(text: str) -> bool:
    """Whether a joined member's whole message is an invite code: 8 symbols of the codes' alphabet
    (any case, full-width, one dash or space in the middle) with both a letter and a digit, so that
    no number and no word given as an answer is ever taken for one."""
    key = text if text.isascii() else tx.clean_key(text)
    if not _CODE.fullmatch(key):
        return False
    symbols = [ch for ch in key if ch.isalnum()]
    return (
        all(ch in _CODE_SYMBOLS for ch in symbols)
        and any(ch.isdigit() for ch in symbols)
        and any(ch.isalpha() for ch in symbols)
    )


def _other_locale(member: MemberFacts) -> str:
    return "en" if member.locale == "vi" else "vi"


_EDGES = re.compile(r"^[^\w]+|[^\w]+$")


def _strip_edges(token: str) -> str:
    return _EDGES.sub("", token)


def _is_unit_code(token: str) -> bool:
    # Lower-case letters alone read as a word ("minh", "toi"); a code has a digit, a mark or capitals.
    return bool(_UNIT_CODE.fullmatch(token)) and (
        token.isupper() or any(ch.isdigit() or ch in "._-" for ch in token)
    )
