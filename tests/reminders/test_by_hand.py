"""/nhac: a supervisor reminds the late units below, after a confirmation; a cooldown per unit."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.app import KNOWN_CAPABILITIES
from bot.outbox import Outbox
from bot.reminders.by_hand import ByHand
from storage.units import unit_by_code
from tests.bot.oversight_world import Province, submit, texts
from tests.reminders.conftest import HCM, local, queued

NOW = local(2030, 6, 25, 9, 30)


def with_reminders(province: Province) -> None:
    outbox = Outbox(province.database, capabilities=KNOWN_CAPABILITIES, zone=HCM)
    province.service.reminders = ByHand(outbox, KNOWN_CAPABILITIES, HCM, cooldown=timedelta(hours=4))


def at(province: Province, moment: datetime) -> None:
    """The service's clock from now on (after the joins: invite codes expire in real time)."""
    province.service.clock = lambda: moment


async def test_nhac_asks_first_then_reminds_the_late_units_below(province: Province) -> None:
    with_reminders(province)
    db = province.database
    district = await province.joined("h1", "H1")
    done = await province.joined("x11", "X11")
    await province.joined("x12", "X12")
    await province.joined("x12b", "X12")
    await submit(done)
    before = await queued(db)
    at(province, NOW)

    asked = await district.send("/nhac")
    shown = texts(asked)
    assert "cho 1 đơn vị chưa nộp dưới Huyện Một (2 người nhận)" in shown
    assert await queued(db) == before, "nothing is sent before the confirmation"
    assert asked is not None
    [[button]] = asked.replies[-1].buttons
    assert button.command == "/nhac H1 gui", "typed where there are no buttons"

    answer = texts(await district.send(action=button.action))
    assert "Đã gửi nhắc nhở" in answer and "1 đơn vị (2 người nhận)" in answer
    sent = await queued(db)
    assert "x11" not in sent or sent.get("x11") == before.get("x11"), "the commune that submitted: nothing"
    assert len(sent["x12"]) == len(before.get("x12", [])) + 1
    assert "Huyện Một nhắc anh/chị" in sent["x12"][-1] and "còn 3/3 câu" in sent["x12"][-1]


async def test_a_unit_reminded_by_hand_is_skipped_within_the_cooldown_and_the_reply_says_so(
    province: Province,
) -> None:
    with_reminders(province)
    db = province.database
    governor = await province.joined("t", "T")
    await province.joined("x12", "X12")
    await province.joined("x21", "X21")
    district = await province.joined("h1", "H1")
    at(province, NOW)
    assert "Đã gửi" in texts(await district.send("/nhac gui"))  # X12 reminded by the district

    asked = texts(await governor.send("/nhac"))
    # X21, and the district H1 itself (its supervisor writes its report to the province).
    assert "cho 2 đơn vị" in asked and "(2 người nhận)" in asked
    assert "không nhắc được: Xã Một Một (X11), Huyện Hai (H2)" in asked
    assert "Bỏ qua 1 đơn vị vừa được nhắc trong 4 giờ qua: Xã Một Hai (X12)" in asked
    assert "Đã gửi" in texts(await governor.send("/nhac T gửi"))
    assert len((await queued(db))["x12"]) == 1, "not twice within the cooldown"

    at(province, NOW + timedelta(hours=4, minutes=1))
    later = texts(await governor.send("/nhac"))
    assert "cho 3 đơn vị" in later and "Bỏ qua" not in later


async def test_units_without_anybody_are_named_and_nothing_left_says_so(province: Province) -> None:
    with_reminders(province)
    district = await province.joined("h1", "H1")
    asked = texts(await district.send("/nhac"))
    assert "Không có đơn vị nào để nhắc" in asked
    assert "2 đơn vị chưa có ai tham gia bot nên không nhắc được: Xã Một Một (X11), Xã Một Hai (X12)" in asked
    for code in ("X11", "X12"):
        await submit(await province.joined(f"c-{code}", code))
    assert "không còn đơn vị nào chưa nộp" in texts(await district.send("/nhac"))


async def test_nhac_is_for_supervisors_of_the_unit_only(province: Province) -> None:
    with_reminders(province)
    district = await province.joined("h1", "H1")
    cadre = await province.joined("x21", "X21")
    assert "Đơn vị này không thuộc phạm vi" in texts(await district.send("/nhac H2"))
    h2 = (await district.send("/nhac H2")).replies  # type: ignore[union-attr]
    assert not any(reply.buttons for reply in h2)
    # A forged confirmation for a unit outside the scope, from a supervisor and from a cadre.
    async with province.database.session() as session:
        h2_unit = await unit_by_code(session, "H2")
    assert h2_unit is not None
    assert "không thuộc phạm vi" in texts(await district.send(action=f"rm:{h2_unit.id}"))
    assert "không thuộc phạm vi" in texts(await cadre.send(action=f"rm:{h2_unit.id}"))
    assert "cũ" in texts(await district.send(action="rm:abc"))
    assert "theo dõi" in texts(await cadre.send("/nhac")), "a cadre is told it is for supervisors"


async def test_a_unit_named_below_is_reminded_itself(province: Province) -> None:
    with_reminders(province)
    district = await province.joined("h1", "H1")
    await province.joined("x12", "X12")
    at(province, NOW)
    asked = texts(await district.send("/nhac X12"))
    assert "cho 1 đơn vị chưa nộp dưới Xã Một Hai (1 người nhận)" in asked
    assert "Đã gửi" in texts(await district.send("/nhac X12 gửi"))
    assert len((await queued(province.database))["x12"]) == 1


async def test_two_supervisors_confirming_at_once_remind_a_unit_once(province: Province) -> None:
    """The district and the province both saw X12 as not reminded (their plans were read before
    either had sent); the one whose transaction comes second skips it and says so."""
    import bot.reminders.by_hand as by_hand

    with_reminders(province)
    db = province.database
    governor = await province.joined("t", "T")
    await province.joined("x12", "X12")
    district = await province.joined("h1", "H1")
    at(province, NOW)
    assert "Đã gửi" in texts(await district.send("/nhac gui"))

    async def never_reminded(*args: object) -> dict[int, datetime]:
        return {}  # the plan as it was read before the district's reminder committed

    original = by_hand.store.last_by_hand
    by_hand.store.last_by_hand = never_reminded  # type: ignore[assignment]
    try:
        answer = texts(await governor.send("/nhac T gửi"))
    finally:
        by_hand.store.last_by_hand = original  # type: ignore[assignment]
    assert "Bỏ qua 1 đơn vị vừa được nhắc trong 4 giờ qua: Xã Một Hai (X12)" in answer
    assert len((await queued(db))["x12"]) == 1, "X12 reminded once"


async def test_the_cooldown_is_taken_once_by_two_transactions_at_the_same_moment(province: Province) -> None:
    """Two transactions on two connections take the same unit: the second, waiting for the first's
    commit (PostgreSQL's row lock, SQLite's one writer), gets nothing."""
    import asyncio

    from storage.campaigns import all_campaigns
    from storage.reminders import take_by_hand

    db = province.database
    async with db.session() as session:
        x12 = await unit_by_code(session, "X12")
        [campaign] = [c.id for c in await all_campaigns(session)]
    assert x12 is not None
    since = NOW - timedelta(hours=4)
    async with db.session() as first, first.begin():
        assert await take_by_hand(first, campaign, [x12.id], NOW, since) == {x12.id}

        async def second_take() -> set[int]:
            async with db.session() as second, second.begin():
                return await take_by_hand(second, campaign, [x12.id], NOW, since)

        second = asyncio.create_task(second_take())
        await asyncio.sleep(0.3)
        assert not second.done(), "the second waits for the first's commit"
    assert await second == set()
    # Once the cooldown has passed, the unit is taken again.
    later = NOW + timedelta(hours=4, minutes=1)
    async with db.session() as session, session.begin():
        assert await take_by_hand(session, campaign, [x12.id], later, later - timedelta(hours=4)) == {x12.id}
