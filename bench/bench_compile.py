"""Benchmark of issue 9: compiling a province's report (DOCX; XLSX and chart sections to be added).

A generated `Compilation` (no database): a province over N grassroots units in 10 districts, an
outline of 40 questions in 4 sections and 2 parts (36 narrative questions, 4 counts of which 2 are
"trong đó" parts), every unit submitted, each narrative answer about 150 Vietnamese words, distinct.

Each measurement runs in a fresh subprocess (`--child`), so that its peak memory (ru_maxrss) is its
own: the figure printed is the process's peak while writing, and how much writing added over the
generated data.

Sections (`--only`, default all):
  docx     documents.docx.write_docx at 250, 500 and 1,000 units (`--units`), then the obvious
           python-docx code (`Document.add_paragraph` for every paragraph of the same body, ~72,000
           at 1,000 units) at the largest size, and our time's ratio to it.
  (xlsx, chart: helper X adds them here, as functions in SECTIONS.)

Run by hand:  .venv/bin/python bench/bench_compile.py [--only docx] [--units 250,500,1000] [--no-obvious]
Nothing here is asserted by the tests. Targets (issue 9): DOCX of 1,000 units × 40 questions under 8 s
and 400 MB peak, time in proportion to size, ratio to the obvious code ≤ 0.15.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dialogs.events import Answer  # noqa: E402
from dialogs.loader import load_outline  # noqa: E402
from dialogs.outline import Outline  # noqa: E402
from documents.model import Compilation, Group, Header, UnitReport  # noqa: E402

DISTRICTS = 10
SECTIONS_COUNT = 4
QUESTIONS = 40
WORDS = 150
_VOCABULARY = (
    "Đảng ủy chi bộ cán bộ đảng viên nhân dân dân chủ cơ sở quy chế thực hiện kết quả tổ chức hội nghị "
    "tuyên truyền phổ biến quán triệt chỉ thị nghị quyết công khai minh bạch đối thoại tiếp xúc cử tri "
    "giám sát phản biện xã hội mặt trận tổ quốc đoàn thể chính quyền thôn bản khu phố hương ước quy ước "
    "khiếu nại tố cáo giải quyết kịp thời đúng pháp luật nâng cao chất lượng hiệu quả phát huy quyền làm "
    "chủ biết bàn làm kiểm tra thụ hưởng xây dựng nông thôn mới đóng góp công trình phúc lợi an sinh"
).split()


# --- the generated compilation --------------------------------------------------------------------


def make_outline(questions: int = QUESTIONS) -> Outline:
    """4 sections, 2 parts; the last question of each section a count (every second one a part of the
    count before it), the others narrative."""
    per = questions // SECTIONS_COUNT
    lines = [
        "format: 1",
        "id: bench-compile",
        "version: 1",
        "title: {vi: Tổng kết thử, en: Trial}",
        "parts:",
        "  - {id: phan_1, title: {vi: 'Phần thứ nhất: Kết quả', en: One}, sections: [muc_1, muc_2, muc_3]}",
        "  - {id: phan_2, title: {vi: 'Phần thứ hai: Phương hướng', en: Two}, sections: [muc_4]}",
        "sections:",
    ]
    for s in range(1, SECTIONS_COUNT + 1):
        lines += [
            f"  - id: muc_{s}",
            f"    title: {{vi: 'Mục {s} của báo cáo', en: 'Section {s}'}}",
            "    questions:",
        ]
        for q in range(1, per + 1):
            qid = f"c_{s}_{q}"
            label = (
                f"{{vi: '{s}.{q}. Nội dung câu hỏi {s}.{q} về thực hiện dân chủ ở cơ sở', en: 'Q {s}.{q}'}}"
            )
            if q < per:
                lines.append(f"      - {{id: {qid}, type: text, label: {label}}}")
            else:
                bound = f", max: c_{s - 1}_{per}" if s % 2 == 0 else ""
                lines.append(
                    f"      - {{id: {qid}, type: integer, label: {label}, unit: {{vi: cuộc, en: x}}{bound}}}"
                )
    return load_outline("\n".join(lines) + "\n")


def make_compilation(
    units: int, questions: int = QUESTIONS, words: int = WORDS, seed: int = 9
) -> Compilation:
    """A province over `units` grassroots units, every one submitted, distinct narratives."""
    rng = random.Random(seed)
    outline = make_outline(questions)
    corpus = [rng.choice(_VOCABULARY) for _ in range(20_000)]
    items = [q for q in outline.questions()]
    reports = []
    per_district = -(-units // DISTRICTS)
    for n in range(units):
        district = n // per_district
        answers: dict[str, Answer] = {}
        count = 0
        for i, question in enumerate(items):
            if question.is_numeric:
                # a count, then a "trong đó" part of it
                count = rng.randint(0, 100) if question.max_of is None else rng.randint(0, count)
                answers[question.id] = Answer(count)
            else:
                start = (n * 131 + i * 17) % (len(corpus) - words)
                text = " ".join(corpus[start : start + words]).capitalize() + f" (đơn vị {n}, câu {i})."
                answers[question.id] = Answer(text)
        reports.append(
            UnitReport(
                code=f"X{n:05d}",
                name=f"Xã số {n + 1} huyện {district + 1}",
                parent_code=f"H{district:02d}",
                status="submitted",
                version=1,
                submitted_at=datetime(2018, 7, 20, tzinfo=UTC),
                answers=answers,
            )
        )
    groups = tuple(
        Group(f"H{d:02d}", f"Huyện {d + 1}", tuple(r.code for r in reports if r.parent_code == f"H{d:02d}"))
        for d in range(DISTRICTS)
    )
    header = Header(
        committee="TỈNH ỦY QUẢNG TRỊ",
        number="Số      -BC/TU",
        place="Quảng Trị",
        signed_on=date(2018, 8, 15),
        signer_title="PHÓ BÍ THƯ THƯỜNG TRỰC",
        recipients=("- Ban Bí thư (b/c),", "- Lưu Văn phòng Tỉnh ủy."),
        basis="Kế hoạch số 88-KH/TU",
    )
    return Compilation(
        outline=outline,
        campaign_id=1,
        campaign_title="Tổng kết 20 năm thực hiện Chỉ thị số 30-CT/TW",
        unit_code="QT",
        unit_name="Tỉnh Quảng Trị",
        header=header,
        units=tuple(reports),
        groups=groups,
        generated_at=datetime(2018, 8, 15, tzinfo=UTC),
    )


# --- one measurement, in a child process ----------------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_docx(compilation: Compilation) -> int:
    from documents.docx import write_docx

    return len(write_docx(compilation))


def child_docx_obvious(compilation: Compilation) -> int:
    """The obvious python-docx code writing the same body paragraphs: `add_paragraph` each time."""
    from docx import Document

    from documents.docx import _paragraphs

    document = Document()
    add = document.add_paragraph
    for section in compilation.outline.sections:
        add(section.title.get("vi").upper())
        for question in section.questions:
            add(question.label.get("vi"))
            if question.is_numeric:
                continue
            for unit in compilation.units:
                answer = unit.answers.get(question.id)
                if answer is None:
                    continue
                add().add_run(f"- {unit.name}:").bold = True
                for line in _paragraphs(str(answer.value)):
                    add(line)
    out = io.BytesIO()
    document.save(out)
    return len(out.getvalue())


CHILDREN: dict[str, Callable[[Compilation], int]] = {"docx": child_docx, "docx-obvious": child_docx_obvious}


def run_child(kind: str, units: int) -> None:
    compilation = make_compilation(units)
    before = _rss_mb()
    started = time.perf_counter()
    size = CHILDREN[kind](compilation)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "bytes": size, "rss_before": before, "rss_peak": _rss_mb()}))


def measure(kind: str, units: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--units", str(units)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- sections -------------------------------------------------------------------------------------


def section_docx(args: argparse.Namespace) -> None:
    sizes = [int(n) for n in args.units.split(",")]
    print(f"DOCX: province over N units × {QUESTIONS} questions ({QUESTIONS - 4} narrative, ~{WORDS} words)")
    print(f"{'units':>6} {'time s':>8} {'s/1000u':>8} {'MB file':>8} {'peak MB':>8} {'+MB':>6}")
    ours = {}
    for units in sizes:
        row = measure("docx", units)
        ours[units] = row["seconds"]
        print(
            f"{units:>6} {row['seconds']:>8.2f} {row['seconds'] / units * 1000:>8.2f} "
            f"{row['bytes'] / 1e6:>8.1f} {row['rss_peak']:>8.0f} {row['rss_peak'] - row['rss_before']:>6.0f}",
            flush=True,
        )
    if args.no_obvious:
        return
    largest = max(sizes)
    row = measure("docx-obvious", largest)
    print(
        f"obvious python-docx (add_paragraph each time), {largest} units: {row['seconds']:.2f} s, "
        f"peak {row['rss_peak']:.0f} MB; our ratio {ours[largest] / row['seconds']:.3f} (target ≤ 0.15)"
    )


SECTIONS: dict[str, Callable[[argparse.Namespace], None]] = {"docx": section_docx}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections to run, comma-separated")
    parser.add_argument("--units", default="250,500,1000", help="sizes for the DOCX")
    parser.add_argument("--no-obvious", action="store_true", help="skip the obvious python-docx code")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, int(args.units))
        return
    for name in args.only.split(","):
        SECTIONS[name](args)


if __name__ == "__main__":
    main()
