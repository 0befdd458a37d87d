"""What a member can ask for: command words typed or slashed, yes and no, and button actions.

Button actions (`Button.action`; <q> is the question's key, see `dialogs.plan`):

    c:<q>:<i>   choose choice i (0-based) of a choice or yes/no question (yes = 0, no = 1)
    m:<q>:<i>   tick or untick choice i of a multi-choice question
    d:<q>       done ticking a multi-choice question
    n:<q>       next question (finish a narrative answer, or keep the answer shown)
    a:<q>       add to the narrative answer shown instead of replacing it
    s:<q>       skip an optional question
    b:<q>       back to the question before
    v:<q>       show the whole answer of a question
    e:<q>       go to a question to answer or change it
    ny:<q>      store the hedged number given ("khoảng 300") as it is; nn:<q> do not, ask again
    go  rv  sub  no  help   resume, review, ask to submit, do not submit yet, help
    ok:<v>      confirm submitting version v
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from dialogs import text as tx

COMMAND_CHARS = 40  # a message longer than this is never a command word


class Command(StrEnum):
    START = "baocao"
    REVIEW = "xemlai"
    EDIT = "sua"
    BACK = "quaylai"
    SKIP = "boqua"
    NEXT = "tiep"
    SUBMIT = "nop"
    PAUSE = "huy"
    HELP = "trogiup"
    APPEND = "bosung"
    VIEW = "xem"


_SLASH_NAMES: Mapping[str, Command] = {
    **{c.value: c for c in Command},
    "start": Command.START,
    "batdau": Command.START,
    "tieptuc": Command.START,
    "tieptheo": Command.NEXT,
    "xong": Command.NEXT,
    "help": Command.HELP,
    "vietthem": Command.APPEND,
    "tamdung": Command.PAUSE,
    "dung": Command.PAUSE,
    "xemcau": Command.VIEW,
}

# Written with diacritics; a message matches one exactly, or folded (typed without diacritics).
# A folded match that is another word with its diacritics ("đúng", right, is not "dừng", stop) is
# not taken: see _AMBIGUOUS_FOLDS. The words offered on a channel without buttons (engine.word.* in
# the catalogs) must all be here, in both languages.
_COMMAND_WORDS: Mapping[Command, tuple[str, ...]] = {
    # The English words are for members who switched the bot to English.
    Command.START: ("báo cáo", "bắt đầu", "tiếp tục", "làm tiếp", "làm báo cáo", "continue", "resume"),
    Command.REVIEW: ("xem lại", "xem lại báo cáo", "review"),
    Command.BACK: ("quay lại", "trở lại", "câu trước", "back"),
    Command.SKIP: ("bỏ qua", "skip"),
    Command.NEXT: ("tiếp", "tiếp theo", "xong", "câu tiếp", "câu tiếp theo", "next", "done"),
    Command.SUBMIT: ("nộp", "nộp báo cáo", "submit"),
    Command.PAUSE: ("hủy", "huỷ", "tạm dừng", "dừng", "dừng lại", "pause"),
    Command.HELP: ("trợ giúp", "help", "hướng dẫn"),
    Command.APPEND: ("bổ sung", "viết thêm", "add more"),
    Command.VIEW: ("xem câu này", "xem câu"),
}
_EXACT_WORDS = {tx.clean(w): c for c, words in _COMMAND_WORDS.items() for w in words}
_FOLDED_WORDS = {tx.fold(w): c for c, words in _COMMAND_WORDS.items() for w in words}
# "sửa 7", "câu 7", "sửa câu 1.2" (the outline's own numbering, as printed in the question), "edit 7".
_NUMBERED_WORDS = re.compile(r"(sua cau|sua|cau|edit|xem cau|xem|view) ?(\d{1,4}(?:\.\d{1,3})*)")
_NUMBERED_COMMANDS: Mapping[str, Command] = {
    "sua cau": Command.EDIT,
    "sua": Command.EDIT,
    "cau": Command.EDIT,
    "edit": Command.EDIT,
    "xem cau": Command.VIEW,
    "xem": Command.VIEW,
    "view": Command.VIEW,
}
_SLASH = re.compile(r"/(\w+(?:\.\d+)*)(?:@\w+)?(?:\s+(.*))?", re.DOTALL)
_SLASH_NUMBER = re.compile(r"([^\W\d_]+)(\d+(?:\.\d+)*)")

_YES = frozenset({"co", "dong y", "yes", "y", "ok", "oke", "u", "co nop", "xac nhan", "phai"})
_NO = frozenset({"khong", "k", "ko", "no", "n", "chua", "chua nop", "khong nop"})
_YES_EXACT = frozenset({"có", "đồng ý", "ừ", "đúng", "có nộp", "xác nhận", "phải", "yes", "ok", "y"})
_NO_EXACT = frozenset({"không", "chưa", "chưa nộp", "không nộp", "ko", "k", "no", "n"})
# Folded forms that are also other words when typed with diacritics: "đúng" (right), "dùng" (use).
_AMBIGUOUS_FOLDS = frozenset({"dung", "dung lai"})


def _has_marks(words: str) -> bool:
    return not words.isascii()


def recognise(text: str) -> tuple[Command, str] | str | None:
    """The command a (cleaned) message is, with its argument; an unknown slash command's name; or None."""
    if text.startswith("/"):
        slash = _SLASH.fullmatch(text)
        if slash is None:
            return None  # "/ 12 cuộc", "/": not a command, an answer
        name, argument = tx.fold(slash[1]).replace("_", ""), (slash[2] or "").strip()
        command = _SLASH_NAMES.get(name)
        if command is None and (numbered := _SLASH_NUMBER.fullmatch(name)):
            command, argument = _SLASH_NAMES.get(numbered[1]), numbered[2]  # /sua7
        if command is None:
            return "/" + slash[1][:32]
        return command, argument
    if len(text) > COMMAND_CHARS:
        return None
    if text == "?":
        return Command.HELP, ""
    words = tx.words(text)
    command = _EXACT_WORDS.get(words)
    if command is not None:
        return command, ""
    folded = tx.fold(words)
    command = _FOLDED_WORDS.get(folded)
    if command is not None and not (_has_marks(words) and folded in _AMBIGUOUS_FOLDS):
        return command, ""
    if folded[:1] in ("s", "c", "e", "x", "v") and (numbered := _NUMBERED_WORDS.fullmatch(folded)):
        return _NUMBERED_COMMANDS[numbered[1]], numbered[2]
    if folded in ("sua", "edit"):
        return Command.EDIT, ""
    return None


def is_yes(text: str) -> bool | None:
    """Yes, no, or neither: "có", "đồng ý", "co" / "không", "chưa", "ko"."""
    words = tx.words(text)
    if words in _YES_EXACT:
        return True
    if words in _NO_EXACT:
        return False
    folded = tx.fold(words)
    if _has_marks(words) and folded in _AMBIGUOUS_FOLDS:
        return None
    return True if folded in _YES else False if folded in _NO else None


# --- button actions ---------------------------------------------------------------------------------

# Kinds that name a question (and, for c and m, a choice).
QUESTION_KINDS = frozenset({"c", "m", "d", "n", "a", "s", "b", "v", "e", "ny", "nn"})
# Kinds that stand alone.
PLAIN_KINDS = frozenset({"go", "rv", "sub", "no", "help"})


@dataclass(frozen=True)
class Action:
    """A button action read back: its kind, the question key, a choice index, or a version."""

    kind: str
    key: str = ""
    index: int | None = None  # c, m: the choice; None when the action carries none or a garbled one
    version: str = ""  # ok: the version confirmed


def parse_action(action: str) -> Action | None:
    """The action a button carried; None when it is not one the engine makes."""
    kind, _, rest = action.partition(":")
    if not rest:
        return Action(kind) if kind in PLAIN_KINDS else None
    if kind == "ok":
        return Action(kind, version=rest)
    if kind not in QUESTION_KINDS:
        return None
    key, _, index_text = rest.partition(":")
    return Action(kind, key, int(index_text) if index_text.isdigit() else None)


def action(kind: str, key: str, index: int | None = None) -> str:
    """The action string of a button about question `key` (and choice `index`)."""
    return f"{kind}:{key}" if index is None else f"{kind}:{key}:{index}"
