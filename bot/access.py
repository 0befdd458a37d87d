"""Who may see and act on what: the one place that decides it.

A supervisor of a unit sees that unit and every unit under it, at any depth, in the campaigns that
cover it; a reporter and a stranger see no other unit; the operator (the command line) sees
everything. Every oversight query and action — typed, pressed or forged — asks `oversees` first.
"""

from __future__ import annotations

from typing import Final, Protocol

from storage.members import MembershipView, MemberView
from storage.units import ancestor_ids


class _Placed(Protocol):
    """A unit as far as access goes: where it sits in the tree ("/1/5/23/")."""

    @property
    def path(self) -> str: ...


class _Covering(Protocol):
    @property
    def root_unit_id(self) -> int: ...


class Operator:
    """The person at the command line: sees every unit."""

    def __repr__(self) -> str:
        return "OPERATOR"


OPERATOR: Final = Operator()


def oversees(
    who: MemberView | Operator | None, unit: _Placed, campaign: _Covering | None = None
) -> MembershipView | Operator | None:
    """What lets `who` see and act on `unit` (in `campaign`, if given): their supervisor membership
    of the unit or of an ancestor of it (the current one first), the operator, or None: not allowed.

    A campaign must cover the unit (be rooted at it or above it); None asks about the unit alone.
    """
    if campaign is not None and campaign.root_unit_id not in ancestor_ids(unit.path):
        return None
    if isinstance(who, Operator):
        return who
    if who is None:
        return None
    current = who.current
    ordered = (current, *who.memberships) if current is not None else who.memberships
    for membership in ordered:
        if membership.role == "supervisor" and unit.path.startswith(membership.path):
            return membership
    return None


def supervised(who: MemberView) -> tuple[MembershipView, ...]:
    """The member's supervisor memberships, the current one first."""
    current = who.current
    rest = tuple(m for m in who.memberships if m.role == "supervisor" and m != current)
    return ((current,) if current is not None and current.role == "supervisor" else ()) + rest
