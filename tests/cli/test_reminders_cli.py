"""The operator's reminders: `baocao campaign reminders`, `baocao remind [--dry-run] [--at]`,
`baocao reminders`; and two `baocao remind` processes at once sending each reminder once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Reminder
from tests.bot.oversight_world import Province, build_province
from tests.channels.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.cli.test_admin_cli import COMMAND, _env, assert_one_line_error, baocao, finish

AT = "2030-06-27 08:00"  # −3 days before the communes' deadline (30/6/2030), 08:00 local


@pytest.fixture
async def province(database: Database) -> Province:
    return await build_province(database)


async def reminder_count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Reminder)) or 0)


async def test_a_campaign_s_schedule_is_shown_and_changed(
    province: Province, database_url: str, tmp_path: Path
) -> None:
    shown = baocao(database_url, tmp_path, "campaign", "reminders", "--campaign", "1")
    assert shown.code == 0, shown
    assert shown.out == [
        "Đợt 1: nhắc vào các ngày -7,-3,-1,0,+1,+3 so với hạn nộp, lúc 08:00 (Asia/Ho_Chi_Minh); ngày rơi "
        "vào thứ Bảy, Chủ nhật được dời sang thứ Sáu trước đó (trước hạn) hoặc thứ Hai sau đó (quá hạn). "
        "(mặc định)"
    ]
    changed = baocao(
        database_url, tmp_path, "campaign", "reminders", "--campaign", "1", "--offsets=-5,-1,0,2",
        "--hour", "14", "--weekends",
    )  # fmt: skip
    assert changed.code == 0, changed
    assert changed.out[0] == "Đã lưu lịch nhắc nhở của đợt 1."
    assert (
        "-5,-1,0,+2" in changed.out[1]
        and "lúc 14:00" in changed.out[1]
        and "gửi cả thứ Bảy" in changed.out[1]
    )
    hour_only = baocao(database_url, tmp_path, "campaign", "reminders", "--campaign", "1", "--hour", "9")
    assert "-5,-1,0,+2" in hour_only.out[1] and "lúc 09:00" in hour_only.out[1], "the rest is kept"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--offsets=-7,x"], "Các ngày nhắc “-7,x” không hợp lệ"),
        (["--offsets="], "Các ngày nhắc “” không hợp lệ"),
        (["--hour", "24"], "Giờ nhắc “24” không hợp lệ: cần một số từ 0 đến 23."),
    ],
)
async def test_a_bad_schedule_is_one_sentence(
    province: Province, database_url: str, tmp_path: Path, args: list[str], error: str
) -> None:
    ran = baocao(database_url, tmp_path, "campaign", "reminders", "--campaign", "1", *args)
    assert ran.code == 1 and len(ran.err) == 1 and ran.err[0].startswith(error), ran


async def test_an_unknown_campaign_and_a_bad_time_are_one_sentence(
    province: Province, database_url: str, tmp_path: Path
) -> None:
    unknown = baocao(database_url, tmp_path, "reminders", "--campaign", "99")
    assert unknown.code == 1 and len(unknown.err) == 1 and "99" in unknown.err[0], unknown
    bad = baocao(database_url, tmp_path, "remind", "--dry-run", "--at", "27/6/2030 8h")
    assert_one_line_error(
        bad, 'Thời điểm “27/6/2030 8h” không hợp lệ: cần dạng "YYYY-MM-DD HH:MM" (giờ địa phương).'
    )


async def test_a_dry_run_prints_what_a_pass_would_send_and_sends_nothing(
    province: Province, database: Database, database_url: str, tmp_path: Path
) -> None:
    await province.joined("x11", "X11")
    await province.joined("x12", "X12")
    dry = baocao(database_url, tmp_path, "remind", "--dry-run", "--at", AT)
    assert dry.code == 0, dry
    assert dry.out[0] == "Nếu chạy lúc 08:00 27/06/2030: 2 tin nhắn sẽ được gửi (chạy thử, không gửi gì)."
    assert any("X11 (-3)" in line for line in dry.out) and any("Xã Một Hai" in line for line in dry.out)
    assert await reminder_count(database) == 0

    ran = baocao(database_url, tmp_path, "remind", "--at", AT)
    assert ran.code == 0, ran
    assert ran.out == [
        "Lúc 08:00 27/06/2030: đã xếp 2 tin nhắn (2 lượt nhắc) vào hàng đợi gửi.",
        "Chưa cấu hình BAOCAO_TELEGRAM_TOKEN: các tin sẽ được gửi bởi tiến trình baocao serve/poll "
        "đang chạy.",
    ]
    assert await reminder_count(database) == 2
    again = baocao(database_url, tmp_path, "remind", "--at", AT)
    assert again.out[0] == "Lúc 08:00 27/06/2030: đã xếp 0 tin nhắn (0 lượt nhắc) vào hàng đợi gửi."

    listed = baocao(database_url, tmp_path, "reminders", "--campaign", "1")
    assert listed.code == 0, listed
    assert listed.out[0] == "Các lượt nhắc đã ghi (2):"
    assert "nhắc theo lịch -3  X11 Xã Một Một" in listed.out[1]
    assert listed.out[1].endswith("(console)  đang chờ gửi")
    assert listed.out[3] == "Sắp tới:"
    # The levels as an official writes them, the earliest deadline first.
    assert listed.out[4].startswith("  cấp xã (hạn 30/06/2030): ngày -7 lúc 08:00 21/06/2030"), listed.out


@pytest.mark.slow
async def test_two_remind_processes_at_once_send_each_reminder_once(
    province: Province, database: Database, database_url: str, tmp_path: Path
) -> None:
    for index in range(5):
        await province.joined(str(1000 + index), "X11", channel="telegram")
        await province.joined(str(2000 + index), "X12", channel="telegram")
    with FakeBotApi() as api:
        env = _env(database_url, tmp_path) | {
            "BAOCAO_TELEGRAM_TOKEN": TOKEN,
            "BAOCAO_TELEGRAM_API_BASE": api.base_url,
            "BAOCAO_OUTBOX_POLL_SECONDS": "0.1",
        }
        processes = [
            subprocess.Popen(
                [*COMMAND, "remind", "--at", AT], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True,
            )
            for _ in range(2)
        ]  # fmt: skip
        runs = [finish(process) for process in processes]
        texts = api.texts()
    assert all(run.code == 0 for run in runs), runs
    queued = [int(run.out[0].split("đã xếp ")[1].split()[0]) for run in runs]
    assert sum(queued) == 10, runs
    reminders_sent = [text for text in texts if "Báo cáo" in text and "hạn 30/06/2030" in text]
    assert len(reminders_sent) == 10, "each of the ten members once"
    chats = [call.params["chat_id"] for call in api.calls_of("sendMessage")]
    assert sorted(chats) == sorted({*chats}), "nobody twice"
    assert await reminder_count(database) == 10
