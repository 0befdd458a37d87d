"""Fixtures of the storage tests."""

from __future__ import annotations

import pytest

from storage.db import Database
from tests.storage.reports import Report, make_report


@pytest.fixture
async def report(database: Database) -> Report:
    """A unit's report with a cadre who writes it and a supervisor who reviews it."""
    return await make_report(database)
