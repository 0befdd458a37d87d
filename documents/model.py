"""What a compiled report is made from: plain frozen values, gathered by storage, written by the writers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from dialogs.events import Answer, DocumentDetails
from dialogs.outline import Outline


@dataclass(frozen=True)
class Header:
    """The header and signature block of a Party report (Hướng dẫn 36-HD/VPTW), from the campaign and
    the compiled unit, settable by the operator (`baocao campaign set`), never hard-coded."""

    committee: str  # the issuing committee, upper case, left: "HUYỆN ỦY HẢI LĂNG"
    superior: str = ""  # the line above it, where there is one: "ĐẢNG BỘ TỈNH QUẢNG TRỊ"
    number: str = "Số      -BC/HU"  # số and ký hiệu; blank number to fill by hand
    place: str = ""  # "Hải Lăng" of "Hải Lăng, ngày 30 tháng 7 năm 2018"
    signed_on: date | None = None  # None: "ngày    tháng    năm 20.." left to fill
    on_behalf: str = "T/M BAN THƯỜNG VỤ"
    signer_title: str = ""  # "PHÓ BÍ THƯ"
    signer_name: str = ""  # left blank to sign
    recipients: tuple[str, ...] = ()  # "Nơi nhận" lines: "- Ban Thường vụ Tỉnh ủy (b/c)," …
    basis: str = ""  # the plan the report answers: "Kế hoạch số 88-KH/TU ngày … của Ban Thường vụ Tỉnh ủy"


@dataclass(frozen=True)
class UnitReport:
    """One unit's submitted report as it goes into the compilation (the version submitted)."""

    code: str
    name: str
    parent_code: str | None
    status: str  # submitted | approved | returned | draft | none (no submission)
    version: int | None
    submitted_at: datetime | None
    answers: Mapping[str, Answer] = field(default_factory=dict)
    document: DocumentDetails | None = None


@dataclass(frozen=True)
class Group:
    """A child unit of the compiled unit: a row of the annex table, the sum of the units under it
    (a district's table lists its communes — each its own group — a province's its districts)."""

    code: str
    name: str
    units: tuple[str, ...]  # codes of the reporting units counted in this row (reported or not)


@dataclass(frozen=True)
class Compilation:
    """Everything a writer needs for one unit's subtree in one campaign."""

    outline: Outline
    campaign_id: int
    campaign_title: str
    unit_code: str
    unit_name: str
    header: Header
    # The units whose reports are compiled (the grassroots units, or the children's own reports for
    # a roll-up), in the units' own order (tree order), reported or not.
    units: tuple[UnitReport, ...]
    groups: tuple[Group, ...]
    generated_at: datetime

    @property
    def reported(self) -> tuple[UnitReport, ...]:
        """The units whose report is in (submitted or approved)."""
        return tuple(u for u in self.units if u.status in ("submitted", "approved"))

    @property
    def missing(self) -> tuple[UnitReport, ...]:
        """The units that did not report (no submission, a draft, or returned and not yet resubmitted)."""
        return tuple(u for u in self.units if u.status not in ("submitted", "approved"))
