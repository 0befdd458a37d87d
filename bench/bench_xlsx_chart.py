"""Benchmark of issue 9 (items 2–3): the XLSX workbook of 10,000 units × 40 questions, and the chart.

Run by hand:  .venv/bin/python bench/bench_xlsx_chart.py [--units 10000] [--questions 40] [--words 150]
Each measurement runs in its own Python process, so that its peak memory (ru_maxrss) is its own and
the chart's time includes importing matplotlib, as the first "tổng hợp" after a start pays it.
Prints what it measured on this machine; nothing here is asserted by the tests.

The workbook's input: a synthetic outline of `--questions` questions (a third narrative, the rest
mostly integers, a choice and a date, as ct30-20nam), `--units` submitted grassroots units in
groups of 20 (communes under their districts), every narrative about `--words` words. The narratives
are taken from a pool of 200 distinct texts, so the input itself stays small and the peak measured
is the writer's; "input" below is the memory the compilation holds before writing starts.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_XLSX_S, TARGET_XLSX_MB, TARGET_CHART_S = 30.0, 300.0, 2.0
WORDS = (
    "Đảng ủy đã tổ chức hội nghị quán triệt Chỉ thị 30-CT/TW cho cán bộ, đảng viên và Nhân dân; "
    "các chi bộ thôn xây dựng quy chế dân chủ ở cơ sở, công khai thu chi, lấy ý kiến Nhân dân về "
    "các công trình phúc lợi, giải quyết kịp thời đơn thư khiếu nại tố cáo, phát huy vai trò giám sát "
    "của Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội."
).split()


def peak_mib() -> float:
    """The process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def outline_yaml(questions: int) -> str:
    lines = [
        "format: 1",
        "id: bench-xlsx",
        "version: 1",
        "title: {vi: Đo bảng tính, en: Workbook benchmark}",
        "languages: [vi, en]",
        "sections:",
        "  - id: chung",
        "    title: {vi: Chung, en: General}",
        "    questions:",
        "      - id: loai_hinh",
        "        type: choice",
        "        label: {vi: Loại hình đơn vị, en: Kind of unit}",
        "        choices:",
        '          - {value: xa, label: {vi: "Xã, phường, thị trấn", en: Commune}}',
        "          - {value: dn, label: {vi: Doanh nghiệp, en: Enterprise}}",
        "      - id: ngay",
        "        type: date",
        "        label: {vi: Ngày hội nghị tổng kết, en: Review date}",
    ]
    for n in range(3, questions + 1):
        if n % 3 == 0:
            lines += [
                f"      - id: tt{n}",
                "        type: text",
                f'        label: {{vi: "{n // 3}.{n % 7 + 1}. Kết quả nội dung {n}", en: "Result {n}"}}',
            ]
        else:
            lines += [
                f"      - id: so{n}",
                "        type: integer",
                f"        label: {{vi: Số cuộc đã tổ chức (mục {n}), en: Count {n}}}",
            ]
    return "\n".join(lines) + "\n"


def compilation(units: int, questions: int, words: int):  # type: ignore[no-untyped-def]
    from dialogs.events import Answer, unknown_value
    from dialogs.loader import load_outline
    from dialogs.plan import plan_of
    from documents.model import Compilation, Group, Header, UnitReport

    outline = load_outline(outline_yaml(questions))
    items = plan_of(outline).answerable
    rng = random.Random(9)
    pool = [" ".join(rng.choice(WORDS) for _ in range(words)) for _ in range(200)]
    pool[0] = "- " + pool[0]  # a bullet list: must stay text, not a formula
    moment = datetime(2018, 7, 20, 2, 0, tzinfo=UTC)
    reports, groups = [], []
    for g in range(0, units, 20):
        group_code = f"H{g // 20:03}"
        codes = []
        for u in range(g, min(g + 20, units)):
            answers: dict[str, Answer] = {}
            for item in items:
                kind = item.type.value
                if kind == "text":
                    answers[item.id] = Answer(pool[rng.randrange(len(pool))])
                elif kind == "integer":
                    answers[item.id] = Answer(unknown_value() if rng.random() < 0.02 else rng.randint(0, 50))
                elif kind == "choice":
                    answers[item.id] = Answer("xa")
                else:
                    answers[item.id] = Answer("2018-07-20")
            code = f"{group_code}-X{u:05}"
            codes.append(code)
            reports.append(
                UnitReport(code, f"Đảng ủy xã số {u}", group_code, "submitted", 1, moment, answers)
            )
        groups.append(Group(group_code, f"Huyện ủy số {g // 20}", tuple(codes)))
    return Compilation(
        outline=outline,
        campaign_id=1,
        campaign_title="Tổng kết 20 năm Chỉ thị 30-CT/TW",
        unit_code="QT",
        unit_name="Tỉnh ủy Quảng Trị",
        header=Header(committee="TỈNH ỦY QUẢNG TRỊ"),
        units=tuple(reports),
        groups=tuple(groups),
        generated_at=moment,
    )


def child_xlsx(args: argparse.Namespace) -> dict[str, float]:
    from documents.xlsx import write_xlsx

    data = compilation(args.units, args.questions, args.words)
    before = rss_mib()
    started = time.perf_counter()
    workbook = write_xlsx(data)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_mib": peak_mib(),
        "input_mib": before,
        "file_mib": len(workbook) / 2**20,
        "cells": args.units * (6 + args.questions),
    }


def child_chart(args: argparse.Namespace) -> dict[str, float]:
    started = time.perf_counter()
    from documents.chart import ChildProgress, write_chart

    rng = random.Random(9)
    children = [
        ChildProgress(
            f"H{i:02}", f"Huyện ủy số {i}", *(rng.randint(0, 30) for _ in range(4)), overdue=rng.randint(0, 5)
        )
        for i in range(args.children)
    ]
    first = write_chart("Tổng kết 20 năm Chỉ thị 30-CT/TW", date(2026, 7, 30), children)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    write_chart("Tổng kết 20 năm Chỉ thị 30-CT/TW", date(2026, 7, 30), children)
    warm = time.perf_counter() - started
    return {"cold_seconds": cold, "warm_seconds": warm, "peak_mib": peak_mib(), "png_kib": len(first) / 1024}


def run_child(kind: str, args: argparse.Namespace) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", kind, "--units", str(args.units)]
    command += [
        "--questions",
        str(args.questions),
        "--words",
        str(args.words),
        "--children",
        str(args.children),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--words", type=int, default=150, help="words in each narrative answer")
    parser.add_argument("--children", type=int, default=40, help="child units on the chart (25 bars at most)")
    parser.add_argument("--child", choices=("xlsx", "chart"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(child_xlsx(args) if args.child == "xlsx" else child_chart(args)))
        return
    xlsx = run_child("xlsx", args)
    print(
        f"XLSX {args.units:,} units × {args.questions} questions ({xlsx['cells']:,.0f} cells, narratives of "
        f"{args.words} words): {xlsx['seconds']:.1f} s (target < {TARGET_XLSX_S:.0f} s), peak "
        f"{xlsx['peak_mib']:.0f} MiB (target < {TARGET_XLSX_MB:.0f}; "
        f"the input held {xlsx['input_mib']:.0f}), file {xlsx['file_mib']:.1f} MiB"
    )
    chart = run_child("chart", args)
    print(
        f"Chart of {args.children} child units: {chart['cold_seconds']:.2f} s in a fresh process with "
        f"matplotlib's import (target < {TARGET_CHART_S:.0f} s), {chart['warm_seconds']:.2f} s once loaded; "
        f"peak {chart['peak_mib']:.0f} MiB, PNG {chart['png_kib']:.0f} KiB"
    )


if __name__ == "__main__":
    main()
