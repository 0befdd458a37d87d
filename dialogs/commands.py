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
    rs:<i>      review section i (0-based) in full
    cy  cn      yes / no to "did you mean this command?" (a near-command typed in a narrative answer)
    dy  dn      yes / no to the roll-up draft offered (dialogs/drafting.py)
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
    PAUSE = "tamdung"
    HELP = "trogiup"
    APPEND = "bosung"
    VIEW = "xem"
    DRAFT = "nhap"  # a roll-up draft from the reports of the units under one's own (dialogs/drafting.py)


_SLASH_NAMES: Mapping[str, Command] = {
    **{c.value: c for c in Command},
    "start": Command.START,
    "batdau": Command.START,
    "tieptuc": Command.START,
    "tieptheo": Command.NEXT,
    "xong": Command.NEXT,
    "help": Command.HELP,
    "vietthem": Command.APPEND,
    "huy": Command.PAUSE,  # the old name of /tamdung, kept: "hủy" means cancel, but people learnt it
    "dung": Command.PAUSE,
    "xemcau": Command.VIEW,
    "bannhap": Command.DRAFT,
    "draft": Command.DRAFT,
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
    Command.PAUSE: ("tạm dừng", "hủy", "huỷ", "dừng", "dừng lại", "pause"),
    Command.HELP: ("trợ giúp", "help", "hướng dẫn"),
    Command.APPEND: ("bổ sung", "viết thêm", "add more"),
    Command.VIEW: ("xem câu này", "xem câu", "view", "view this"),
    Command.DRAFT: ("tạo bản nháp", "bản nháp", "làm bản nháp", "make a draft", "draft"),
}
_EXACT_WORDS = {tx.clean(w): c for c, words in _COMMAND_WORDS.items() for w in words}
_FOLDED_WORDS = {tx.fold(w): c for c, words in _COMMAND_WORDS.items() for w in words}
# "sửa 7", "câu 7", "sửa câu 1.2" (the outline's own numbering, as printed in the question), "edit 7";
# "xem lại mục 2" (one section of the review).
_NUMBERED_WORDS = re.compile(
    r"(sua cau|sua|cau|edit|xem cau|xem lai muc|xem lai phan|xem muc|review section|xem|view)"
    r" ?(\d{1,4}(?:\.\d{1,3})*)"
)
_NUMBERED_COMMANDS: Mapping[str, Command] = {
    "xem lai muc": Command.REVIEW,
    "xem lai phan": Command.REVIEW,
    "xem muc": Command.REVIEW,
    "review section": Command.REVIEW,
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

# Yes and no, folded. Typed without diacritics some are also other words; in a yes/no state (the
# submit confirmation, a yes/no question, "did you mean…?") the yes or no reading wins, because that
# is what was asked. Every such fold among the words the bot understands, and how it is decided:
#   dung      đúng (right: yes) · dừng (stop: pause) · dùng (use) — yes in a yes/no state, pause elsewhere
#   dung roi  đúng rồi (yes) · dừng rồi — yes in a yes/no state, otherwise not a command
#   co        có (yes) · cô, cờ, cỏ, cổ — yes in a yes/no state, otherwise not a command
#   da        dạ (polite yes) · đã (done: yes to "đã … chưa?") · da, đá — yes in a yes/no state only
#   vang      vâng (yes) · vàng (gold) · vắng (absent) — yes in a yes/no state only
#   u         ừ (yes) · ư, ú — yes in a yes/no state only
#   phai      phải (right: yes) · phai (fade), phái — yes in a yes/no state only
#   chua      chưa (not yet: no) · chùa (pagoda), chua (sour) — no in a yes/no state only
#   huy       hủy (cancel; /huy is the old pause) · Huy (a name) — pause as a command; in a narrative
#             answer, asked about ("Ý anh/chị là “tạm dừng”?") rather than taken
#   xong      xong (done) · xông — next, as a command
#   sua N     sửa (edit) · sữa (milk), sủa — edit only with a number, or alone
#   cau N     câu (question) · cầu (bridge), cậu — edit only with a number
#   muc N     mục (section) · mực (ink) — only in "xem lại mục N"
#   nhac      nhắc (remind) · nhạc (music) — decided in bot/router.py (not taken with marks)
# Typed with diacritics, a word is only what its diacritics say: "dừng" never means yes, "đúng"
# never means pause.
_YES = frozenset(
    {
        "co", "dong y", "yes", "y", "ok", "oke", "okay", "u", "co nop", "xac nhan", "phai", "dung",
        "dung roi", "dung vay", "da", "vang", "da vang", "vang a", "da dung",
    }
)  # fmt: skip
_NO = frozenset({"khong", "k", "ko", "no", "n", "chua", "chua nop", "khong nop", "khong phai", "sai"})
_YES_EXACT = frozenset(
    {
        "có", "đồng ý", "ừ", "đúng", "đúng rồi", "đúng vậy", "có nộp", "xác nhận", "phải", "yes", "ok",
        "y", "dạ", "vâng", "dạ vâng", "dạ đúng", "đã",
    }
)  # fmt: skip
_NO_EXACT = frozenset({"không", "chưa", "chưa nộp", "không nộp", "ko", "k", "no", "n", "không phải", "sai"})
# Said after "Nộp báo cáo?": submitting again is yes ("nộp luôn", "ok nộp").
_SUBMIT_YES = frozenset(
    {"nop", "nop luon", "ok nop", "nop di", "nop ngay", "nop bao cao", "co nop luon", "dong y nop"}
)
# Folded forms that are also other words when typed with diacritics: "đúng" (right), "dùng" (use).
_AMBIGUOUS_FOLDS = frozenset({"dung", "dung lai", "dung roi", "da", "vang", "co", "u", "phai", "chua"})
# Spoken particles after a word that do not change it: "tiếp ạ", "xong rồi", "nộp luôn nhé", "nộp bc".
_PARTICLES = frozenset({"a", "ah", "roi", "nhe", "nha", "nhen", "bc", "luon", "di", "ha", "vay", "nhi", "ne"})


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
    if folded[:1] in ("s", "c", "e", "x", "v", "r") and (numbered := _NUMBERED_WORDS.fullmatch(folded)):
        return _NUMBERED_COMMANDS[numbered[1]], numbered[2]
    if folded in ("sua", "edit"):
        return Command.EDIT, ""
    return None


def is_yes(text: str) -> bool | None:
    """Yes, no, or neither: "có", "đồng ý", "co", "dung" / "không", "chưa", "ko" (particles allowed:
    "đúng rồi ạ"). Only for a state that asked yes or no: there the yes/no reading of a fold wins."""
    words = tx.words(text)
    for form in _without_particles(words):
        if form in _YES_EXACT:
            return True
        if form in _NO_EXACT:
            return False
        folded = tx.fold(form)
        if _has_marks(form) and folded in _AMBIGUOUS_FOLDS:
            continue  # "dừng", "dùng", "vàng": the marks say it is not yes
        if folded in _YES:
            return True
        if folded in _NO:
            return False
    return None


def is_submit_yes(text: str) -> bool | None:
    """The answer to "Nộp báo cáo?": yes also when it is "nộp" again ("nộp luôn", "ok nộp")."""
    yes = is_yes(text)
    if yes is not None:
        return yes
    if any(tx.fold(form) in _SUBMIT_YES for form in _without_particles(tx.words(text))):
        return True
    return None


def _without_particles(words: str) -> list[str]:
    """A message and the same without its trailing particles: "tiếp ạ" → ["tiếp ạ", "tiếp"]."""
    forms = [words]
    tokens = words.split()
    while len(tokens) > 1 and tx.fold(tokens[-1]) in _PARTICLES:
        tokens = tokens[:-1]
        forms.append(" ".join(tokens))
    return forms


# --- near-commands ----------------------------------------------------------------------------------

NEAR_CHARS = 30  # a longer message is an answer, however it starts
NEAR_WORDS = 5
# Words that are not commands but, alone in a narrative answer, almost surely mean one.
_NEAR_ONLY: Mapping[str, Command] = {
    "ok": Command.NEXT,
    "oke": Command.NEXT,
    "okay": Command.NEXT,
    "okie": Command.NEXT,
    "thoat": Command.PAUSE,
    "thoat ra": Command.PAUSE,
    "huy bo": Command.PAUSE,
    "nghi": Command.PAUSE,
    "xem": Command.REVIEW,
}
# Every command word, folded and without spaces ("xemlai"), for the one-edit test; and "sửa" alone.
_COMPACT_FORMS: tuple[tuple[str, Command], ...] = tuple(
    sorted(
        {
            **{w.replace(" ", ""): c for w, c in _FOLDED_WORDS.items()},
            **{n: c for n, c in _SLASH_NAMES.items() if len(n) >= 3},
            "sua": Command.EDIT,
            "edit": Command.EDIT,
        }.items()
    )
)


# The same with their diacritics ("bỏqua"), for a message typed with diacritics: whoever types marks
# typed the word they meant up to one slip, so "Bản đầu" (a draft) is not "bắt đầu" (start), though
# the two are one letter apart without their marks.
_COMPACT_MARKED: tuple[tuple[str, Command], ...] = tuple(
    sorted(
        {
            **{w.replace(" ", ""): c for w, c in _EXACT_WORDS.items()},
            "sửa": Command.EDIT,
            "edit": Command.EDIT,
        }.items()
    )
)


def _one_edit(a: str, b: str) -> bool:
    """Whether two words are at most one insertion, deletion, substitution or swap apart."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # one substitution
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    longer, shorter = (a, b) if la > lb else (b, a)
    return longer[i + 1 :] == shorter[i:]


def near_command(text: str) -> Command | None:
    """The command a short message almost is: one edit away ("tiepp", "boqua"; with its diacritics
    when typed with them), or a command word with a particle ("Tiếp ạ", "xong roi", "Nộp bc"), or a
    word that means one ("ok", "thoat").

    Only for a narrative answer, where such a message would otherwise be added to the text.
    """
    if len(text) > NEAR_CHARS or text.startswith("/"):
        return None
    words = tx.words(text)
    if not words or len(words.split()) > NEAR_WORDS:
        return None
    for form in _without_particles(words):
        # "Đúng" alone is asked about too: one tap to say no, where taking it either way could be wrong.
        folded = tx.fold(form)
        command = _FOLDED_WORDS.get(folded) or _NEAR_ONLY.get(folded)
        if command is None and folded in ("sua", "edit"):
            command = Command.EDIT
        if command is not None:
            return command
        marked = _has_marks(form)
        compact = (form if marked else folded).replace(" ", "")
        if len(compact) < 2:
            continue
        for candidate, command in _COMPACT_MARKED if marked else _COMPACT_FORMS:
            if _one_edit(compact, candidate):
                return command
    return None


# --- button actions ---------------------------------------------------------------------------------

# Kinds that name a question (and, for c and m, a choice).
QUESTION_KINDS = frozenset({"c", "m", "d", "n", "a", "s", "b", "v", "e", "ny", "nn"})
# Kinds that stand alone.
PLAIN_KINDS = frozenset({"go", "rv", "sub", "no", "help", "cy", "cn", "dy", "dn"})


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
    if kind == "rs":
        return Action(kind, index=int(rest)) if rest.isdigit() and len(rest) <= 3 else None
    if kind not in QUESTION_KINDS:
        return None
    key, _, index_text = rest.partition(":")
    return Action(kind, key, int(index_text) if index_text.isdigit() else None)


def action(kind: str, key: str, index: int | None = None) -> str:
    """The action string of a button about question `key` (and choice `index`)."""
    return f"{kind}:{key}" if index is None else f"{kind}:{key}:{index}"
