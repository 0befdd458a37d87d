"""The router as a table: what a member types, who they are, and where the message goes."""

from __future__ import annotations

import pytest

from bot.router import (
    STRANGER,
    Compile,
    Intent,
    Join,
    Language,
    MemberFacts,
    Oversight,
    OversightView,
    Reminders,
    Report,
    SwitchMembership,
    route,
)

REPORTER = MemberFacts(joined=True, roles=frozenset({"reporter"}))
SUPERVISOR = MemberFacts(joined=True, roles=frozenset({"reporter", "supervisor"}))  # also writes a report
SUPERVISOR_ONLY = MemberFacts(joined=True, roles=frozenset({"supervisor"}))
EN_REPORTER = MemberFacts(joined=True, roles=frozenset({"reporter"}), locale="en")
EN_SUPERVISOR = MemberFacts(joined=True, roles=frozenset({"supervisor"}), locale="en")

SAME = Report("<the text itself>")  # stands for Report(text): the message goes to the engine as typed
NO_CODE = Join(None)
MISSING = Oversight(OversightView.MISSING)
MEMBERS_X1 = Oversight(OversightView.MEMBERS, "X1")
REMOVE_X1 = Oversight(OversightView.REMOVE, "X1 17")
PROGRESS = Oversight(OversightView.PROGRESS)
APPROVE = Oversight(OversightView.APPROVE)
RETURN = Oversight(OversightView.RETURN)
TO_EN, TO_VI = Language("en"), Language("vi")
NARRATIVE = (
    "Xã đã tổ chức 3 hội nghị quán triệt; còn 2 thôn chưa nộp báo cáo tổng hợp, đã nhắc nhở nhiều lần."
)

# text typed · a stranger · a reporter · a supervisor who also reports (a supervisor-only member routes
# the same: checked below)
TABLE: list[tuple[str, Intent, Intent, Intent]] = [
    # join: the code alone, with or without the dash, or the Telegram deep link
    # (a member already joined gains another unit with a code of the invite alphabet: 8 symbols,
    # letters and digits, any case, full-width, one dash or space)
    ("K7QM-4XPB", Join("K7QM-4XPB"), Join("K7QM-4XPB"), Join("K7QM-4XPB")),
    ("k7qm4xpb", Join("k7qm4xpb"), Join("k7qm4xpb"), Join("k7qm4xpb")),
    ("K7QM 4XPB", Join("K7QM 4XPB"), Join("K7QM 4XPB"), Join("K7QM 4XPB")),
    ("Ｋ７ＱＭ－４ＸＰＢ", *[Join("Ｋ７ＱＭ－４ＸＰＢ")] * 3),
    ("/start K7QM-4XPB", Join("K7QM-4XPB"), Join("K7QM-4XPB"), Join("K7QM-4XPB")),
    ("/start@baocao_bot K7QM4XPB", Join("K7QM4XPB"), Join("K7QM4XPB"), Join("K7QM4XPB")),
    ("/start ABCD1234", Join("ABCD1234"), Report("/baocao"), Report("/baocao")),  # vowels: never a code
    ("BCDFGHJK", Join("BCDFGHJK"), SAME, SAME),  # no digit: not a code the bot makes
    ("TTHC-BHXH", Join("TTHC-BHXH"), SAME, SAME),  # an abbreviation
    ("2345-6789", Join("2345-6789"), SAME, SAME),  # no letter: a number answer
    ("256-BC/HCT", NO_CODE, SAME, SAME),  # a document number
    ("K7QM--4XPB", NO_CODE, SAME, SAME),
    ("/start", NO_CODE, SAME, SAME),
    ("/baocao", NO_CODE, SAME, SAME),
    ("xin chào", NO_CODE, SAME, SAME),
    ("", NO_CODE, SAME, SAME),
    ("12345678", Join("12345678"), SAME, SAME),  # for a member it is a number answering a question
    # language
    ("/ngonngu", NO_CODE, TO_EN, TO_EN),
    ("/ngonngu@baocao_bot", NO_CODE, TO_EN, TO_EN),
    ("/NgonNgu", NO_CODE, TO_EN, TO_EN),
    ("ngôn ngữ", NO_CODE, TO_EN, TO_EN),
    ("Ngôn ngữ!", NO_CODE, TO_EN, TO_EN),
    ("ngon ngu", NO_CODE, TO_EN, TO_EN),
    ("ngonngu", NO_CODE, TO_EN, TO_EN),
    ("language", Join("language"), TO_EN, TO_EN),  # eight letters: a stranger is told the code is wrong
    ("ngon ngu en", NO_CODE, TO_EN, TO_EN),
    ("ngôn ngữ vi", NO_CODE, TO_VI, TO_VI),
    ("/ngonngu vi", NO_CODE, TO_VI, TO_VI),
    ("Đổi ngôn ngữ tiếng Anh", NO_CODE, TO_EN, TO_EN),
    ("/language english", NO_CODE, TO_EN, TO_EN),
    ("ngôn ngữ địa phương", NO_CODE, SAME, SAME),  # an answer that starts with the words
    ("language barrier", NO_CODE, SAME, SAME),
    # membership switch, with an optional unit code
    ("/donvi", NO_CODE, SwitchMembership(None), SwitchMembership(None)),
    ("đơn vị", NO_CODE, SwitchMembership(None), SwitchMembership(None)),
    ("Don vi", NO_CODE, SwitchMembership(None), SwitchMembership(None)),
    ("/donvi QT-HL", NO_CODE, SwitchMembership("QT-HL"), SwitchMembership("QT-HL")),
    ("đơn vị QT-HL", NO_CODE, SwitchMembership("QT-HL"), SwitchMembership("QT-HL")),
    ("don vi x1", NO_CODE, SwitchMembership("x1"), SwitchMembership("x1")),
    ("đơn vị mình", NO_CODE, SAME, SAME),
    ("don vi toi", NO_CODE, SAME, SAME),
    # who has not submitted
    ("/chuanop", NO_CODE, MISSING, MISSING),
    ("/chua_nop", NO_CODE, MISSING, MISSING),
    ("/ChuaNop@baocao_bot", NO_CODE, MISSING, MISSING),
    ("ai chưa nộp", NO_CODE, MISSING, MISSING),
    ("ai chua nop", NO_CODE, MISSING, MISSING),
    ("AI CHƯA NỘP?", NO_CODE, MISSING, MISSING),
    ("ai chua nop?", NO_CODE, MISSING, MISSING),
    ("  ai   chua nop ??? ", NO_CODE, MISSING, MISSING),
    ("Ai, chưa nộp?", NO_CODE, MISSING, MISSING),
    ("Ai chưa nộp vậy?", NO_CODE, MISSING, MISSING),
    ("ai chua nop a", NO_CODE, MISSING, MISSING),
    ("đơn vị nào chưa nộp?", NO_CODE, MISSING, MISSING),
    ("ai chưa nộp báo cáo", NO_CODE, MISSING, MISSING),
    # bare "chưa nộp" is "not yet" on the submit confirmation: only a supervisor asks with it
    ("chưa nộp", NO_CODE, SAME, MISSING),
    ("chua nop", NO_CODE, SAME, MISSING),
    ("Chưa nộp.", NO_CODE, SAME, MISSING),
    ("chưa nộp báo cáo", NO_CODE, SAME, MISSING),
    # the engine's yes and no stay with the engine, for everyone
    ("chưa", NO_CODE, SAME, SAME),
    ("Chưa.", NO_CODE, SAME, SAME),
    ("không", NO_CODE, SAME, SAME),
    ("ko", NO_CODE, SAME, SAME),
    ("có", NO_CODE, SAME, SAME),
    ("không nộp", NO_CODE, SAME, SAME),
    # a sentence that merely contains the words is an answer
    (NARRATIVE, NO_CODE, SAME, SAME),
    ("ai chưa nộp thì nhắc", NO_CODE, SAME, SAME),
    ("chưa nộp vì thiếu số liệu", NO_CODE, SAME, SAME),
    ("Tổng hợp ý kiến của Nhân dân", NO_CODE, SAME, SAME),
    # progress, approve, return
    ("/tiendo", NO_CODE, PROGRESS, PROGRESS),
    ("tiến độ", NO_CODE, PROGRESS, PROGRESS),
    ("tien do", NO_CODE, PROGRESS, PROGRESS),
    ("Tiến độ thế nào?", NO_CODE, PROGRESS, PROGRESS),
    ("xem tiến độ", NO_CODE, PROGRESS, PROGRESS),
    ("/tiendo H", NO_CODE, Oversight(OversightView.PROGRESS, "H"), Oversight(OversightView.PROGRESS, "H")),
    ("/duyet", NO_CODE, APPROVE, APPROVE),
    ("duyệt", NO_CODE, APPROVE, APPROVE),
    ("Duyet!", NO_CODE, APPROVE, APPROVE),
    ("/duyet X1", NO_CODE, Oversight(OversightView.APPROVE, "X1"), Oversight(OversightView.APPROVE, "X1")),
    ("/tralai", NO_CODE, RETURN, RETURN),
    ("trả lại", NO_CODE, RETURN, RETURN),
    ("tra lai", NO_CODE, RETURN, RETURN),
    (
        "/tralai X1 bổ sung số liệu",
        NO_CODE,
        Oversight(OversightView.RETURN, "X1 bổ sung số liệu"),
        Oversight(OversightView.RETURN, "X1 bổ sung số liệu"),
    ),
    # members, invites, leaving
    ("/thanhvien", NO_CODE, Oversight(OversightView.MEMBERS), Oversight(OversightView.MEMBERS)),
    ("thành viên", NO_CODE, Oversight(OversightView.MEMBERS), Oversight(OversightView.MEMBERS)),
    ("/thanhvien X1", NO_CODE, MEMBERS_X1, MEMBERS_X1),
    ("thành viên X1", NO_CODE, MEMBERS_X1, MEMBERS_X1),
    ("thành viên tích cực", NO_CODE, SAME, SAME),
    (
        "/moi X1 reporter 5 30",
        NO_CODE,
        Oversight(OversightView.INVITE, "X1 reporter 5 30"),
        Oversight(OversightView.INVITE, "X1 reporter 5 30"),
    ),
    ("/xoa X1 17", NO_CODE, REMOVE_X1, REMOVE_X1),
    ("/roikhoi", NO_CODE, Oversight(OversightView.LEAVE), Oversight(OversightView.LEAVE)),
    ("rời khỏi", NO_CODE, Oversight(OversightView.LEAVE), Oversight(OversightView.LEAVE)),
    ("mời", NO_CODE, SAME, SAME),
    ("xoá", NO_CODE, SAME, SAME),
    # compile
    ("/tonghop", NO_CODE, Compile(), Compile()),
    ("/tonghop@baocao_bot", NO_CODE, Compile(), Compile()),
    ("tổng hợp", NO_CODE, Compile(), Compile()),
    ("tong hop", NO_CODE, Compile(), Compile()),
    ("Tổng hợp!!!", NO_CODE, Compile(), Compile()),
    ("TỔNG HỢP BÁO CÁO", NO_CODE, Compile(), Compile()),
    # reminders
    ("/nhacnho", NO_CODE, Reminders(), Reminders()),
    ("nhắc nhở", NO_CODE, Reminders(), Reminders()),
    ("nhac nho", NO_CODE, Reminders(), Reminders()),
    ("nhắc", NO_CODE, Reminders(), Reminders()),
    ("nhac", NO_CODE, Reminders(), Reminders()),
    ("nhạc", NO_CODE, SAME, SAME),  # "music" with its diacritics, not "remind"
    # the engine's own commands and unknown slash commands are the engine's to answer
    ("/tiep", NO_CODE, SAME, SAME),
    ("/tiep@baocao_bot", NO_CODE, SAME, SAME),
    ("tiếp", NO_CODE, SAME, SAME),
    ("quay lại", NO_CODE, SAME, SAME),
    ("nộp", NO_CODE, SAME, SAME),
    ("/sua 7", NO_CODE, SAME, SAME),
    ("/xyz", NO_CODE, SAME, SAME),
    ("/ 12 cuộc", NO_CODE, SAME, SAME),
    ("12", NO_CODE, SAME, SAME),
    ("1.000", NO_CODE, SAME, SAME),
    # English words are for members who chose English; in Vietnamese they may be an answer
    ("progress", Join("progress"), SAME, SAME),
    ("compile", NO_CODE, SAME, SAME),
]


def expected(intent: Intent, text: str) -> Intent:
    return Report(text) if intent is SAME else intent


@pytest.mark.parametrize(
    ("text", "stranger", "reporter", "supervisor"), TABLE, ids=[row[0][:40] for row in TABLE]
)
def test_route(text: str, stranger: Intent, reporter: Intent, supervisor: Intent) -> None:
    assert route(text, STRANGER) == expected(stranger, text)
    assert route(text, REPORTER) == expected(reporter, text)
    assert route(text, SUPERVISOR) == expected(supervisor, text)
    # Routing looks at whether a member oversees others, not whether they also write a report.
    assert route(text, SUPERVISOR_ONLY) == expected(supervisor, text)


# text typed · a member who chose English · a member who kept Vietnamese (both supervisors)
ENGLISH: list[tuple[str, Intent, Intent]] = [
    ("who has not submitted?", MISSING, SAME),
    ("Who hasn't submitted", MISSING, SAME),
    ("missing", MISSING, SAME),
    ("progress", PROGRESS, SAME),
    ("approve", APPROVE, SAME),
    ("return", RETURN, SAME),
    ("compile", Compile(), SAME),
    ("Summary.", Compile(), SAME),
    ("remind", Reminders(), SAME),
    ("unit", SwitchMembership(None), SAME),
    ("switch unit", SwitchMembership(None), SAME),
    ("unit QT-HL", SwitchMembership("QT-HL"), SAME),
    ("ai chưa nộp", MISSING, MISSING),  # the Vietnamese words work in English too
    ("/tonghop", Compile(), Compile()),
    ("/compile", Compile(), Compile()),
    ("/missing", MISSING, MISSING),
    ("ngôn ngữ", TO_VI, TO_EN),  # switches to the other language
    ("language", TO_VI, TO_EN),
    ("back", SAME, SAME),  # the engine's English words stay with the engine
    ("Progress has been slow this year", SAME, SAME),
]


@pytest.mark.parametrize(("text", "english", "vietnamese"), ENGLISH, ids=[row[0] for row in ENGLISH])
def test_route_by_language(text: str, english: Intent, vietnamese: Intent) -> None:
    assert route(text, EN_SUPERVISOR) == expected(english, text)
    assert route(text, MemberFacts(True, EN_SUPERVISOR.roles, "vi")) == expected(vietnamese, text)


def test_english_words_for_a_reporter_who_chose_english() -> None:
    assert route("progress", EN_REPORTER) == PROGRESS
    assert route("chưa nộp", EN_REPORTER) == Report("chưa nộp")


@pytest.mark.parametrize(
    "member", [REPORTER, SUPERVISOR, SUPERVISOR_ONLY], ids=["reporter", "both", "supervisor"]
)
def test_a_long_message_is_always_an_answer(member: MemberFacts) -> None:
    text = "ai chưa nộp " * 10
    assert route(text.strip(), member) == Report(text.strip())
    assert route("tổng hợp " + "x" * 60, member) == Report("tổng hợp " + "x" * 60)


def test_a_stranger_can_only_join() -> None:
    for text in ("/ngonngu", "ai chưa nộp", "tổng hợp", "/tonghop", "/donvi X1", "chưa nộp"):
        assert route(text, STRANGER) == Join(None)
