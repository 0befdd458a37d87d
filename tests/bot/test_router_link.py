"""/lienket in the router: a joined member asks for a code; a stranger (or `/lienket CODE`) sends one."""

from __future__ import annotations

import pytest

from bot.router import STRANGER, Join, Link, MemberFacts, Report, route

CADRE = MemberFacts(joined=True, roles=frozenset({"reporter"}))


@pytest.mark.parametrize(
    "text", ["/lienket", "/lien_ket", "/LienKet", "liên kết", "lien ket", "Liên kết tài khoản"]
)
def test_a_member_asks_for_a_link_code(text: str) -> None:
    assert route(text, CADRE) == Link("")


def test_a_member_gives_a_code_after_the_command() -> None:
    assert route("/lienket K7QM-4XPB", CADRE) == Link("K7QM-4XPB")


@pytest.mark.parametrize("text", ["K7QM-4XPB", "/lienket K7QM-4XPB", "/link k7qm4xpb"])
def test_a_stranger_sends_a_code_typed_alone_or_after_the_command(text: str) -> None:
    intent = route(text, STRANGER)
    assert isinstance(intent, Join) and intent.code is not None


def test_a_stranger_typing_the_command_alone_is_asked_for_a_code() -> None:
    assert route("/lienket", STRANGER) == Join(None)


def test_a_sentence_about_links_is_an_answer() -> None:
    text = "Liên kết với Mặt trận để tổ chức hội nghị nhân dân"
    assert route(text, CADRE) == Report(text)
