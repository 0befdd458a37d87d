"""An outline for the roll-up: the unit's kind first, a narrative, a total and its "trong đó" part,
a count asked only of communes (`when:`), a yes/no."""

from __future__ import annotations

from dialogs.loader import load_outline

ROLLUP = load_outline(
    """
format: 1
id: ct30-20nam
version: 1
title: {vi: Báo cáo tổng kết, en: Review}
languages: [vi, en]
sections:
  - id: chung
    title: {vi: Kết quả, en: Results}
    questions:
      - id: loai
        type: choice
        label: {vi: Loại hình đơn vị, en: Kind of unit}
        choices:
          - {value: xa, label: {vi: Xã, en: Commune}}
          - {value: cap_tren, label: {vi: Cấp huyện, en: District}}
      - id: danh_gia
        type: text
        label: {vi: Đánh giá chung, en: Overall assessment}
      - id: don_nhan
        type: integer
        label: {vi: Số đơn thư đã nhận, en: Petitions received}
        unit: {vi: đơn, en: petitions}
        min: 0
        max: 100000
      - id: don_giai_quyet
        type: integer
        label: {vi: Trong đó đã giải quyết, en: Of which settled}
        unit: {vi: đơn, en: petitions}
        min: 0
        max: don_nhan
        when: don_nhan > 0
      - id: so_thon
        type: integer
        label: {vi: Số thôn có hương ước, en: Villages with a covenant}
        min: 0
        max: 1000
        when: loai == 'xa'
      - id: so_hoi_nghi
        type: integer
        required: false
        label: {vi: Số hội nghị, en: Conferences}
        min: 0
        max: 1000
      - id: co_khen
        type: yesno
        label: {vi: "Có đề nghị khen thưởng?", en: "Commendations proposed?"}
"""
)
