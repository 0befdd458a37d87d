"""The progress chart, reopened as an image: a PNG a phone shows, one bar per child, the rest as "khác"."""

from __future__ import annotations

import io
import warnings
from datetime import date

from matplotlib.image import imread

from documents.chart import MAX_BARS, ChildProgress, bars, write_chart
from storage.oversight import Counts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def communes(count: int) -> list[ChildProgress]:
    return [
        ChildProgress(
            f"HL-{i:02}", f"Đảng ủy xã Hải Ba {i}", submitted=i % 5, in_progress=1, not_started=i % 3
        )
        for i in range(count)
    ]


def test_a_png_a_phone_shows() -> None:
    with warnings.catch_warnings(record=True) as heard:
        warnings.simplefilter("always")
        data = write_chart("Tổng kết 20 năm Chỉ thị 30-CT/TW ở Quảng Trị", date(2026, 7, 30), communes(12))
    # Every Vietnamese letter has its glyph (matplotlib warns "Glyph … missing from font" otherwise).
    assert not [w for w in heard if "Glyph" in str(w.message)]
    assert data.startswith(PNG_SIGNATURE)
    image = imread(io.BytesIO(data), format="png")
    height, width = image.shape[:2]
    assert width == 1080  # a phone screen's width: no shrinking that blurs the labels
    assert 600 < height < 1500


def test_the_supervisors_counts_from_storage_are_drawn_as_they_are() -> None:
    counts = [Counts(1, "HL-HB", "Đảng ủy xã Hải Ba", 5, 2, 1, 1, 1, 2)]
    data = write_chart("Tổng kết", date(2026, 7, 30), counts)
    assert data.startswith(PNG_SIGNATURE)
    assert bars(counts) == [ChildProgress("HL-HB", "Đảng ủy xã Hải Ba", 2, 1, 1, 1, 2)]


def test_more_than_25_children_are_summed_as_khac() -> None:
    children = communes(40)
    drawn = bars(children)
    assert len(drawn) == MAX_BARS == 25
    other = drawn[-1]
    assert other.name == "khác (16 đơn vị)"
    # Nothing is lost: every status sums to the same as the 40 communes.
    for field in ("submitted", "in_progress", "not_started", "returned", "overdue"):
        assert sum(getattr(b, field) for b in drawn) == sum(getattr(c, field) for c in children)
    # The ones furthest behind keep their own bar, in the children's order.
    kept = drawn[:-1]
    assert [b.code for b in kept] == sorted(b.code for b in kept)
    least_kept = min(b.total - b.submitted for b in kept)
    summed = [c for c in children if c.code not in {b.code for b in kept}]
    assert all(c.total - c.submitted <= least_kept for c in summed)
    image = imread(io.BytesIO(write_chart("Tổng kết", date(2026, 7, 30), children)), format="png")
    assert image.shape[0] < 2000  # 25 bars, not 40


def test_no_children_still_makes_a_chart() -> None:
    assert write_chart("", date(2026, 7, 30), []).startswith(PNG_SIGNATURE)


def test_drawing_leaves_no_pyplot_figure_behind() -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    write_chart("Tổng kết", date(2026, 7, 30), communes(3))
    assert plt.get_fignums() == before
