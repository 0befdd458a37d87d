"""Factories that wire the database and the report service from one Settings object."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import Settings
from bot.service import ReportService
from storage.db import Database


@asynccontextmanager
async def report_service(settings: Settings) -> AsyncIterator[ReportService]:
    """A ReportService on the configured database, closed on exit."""
    db = Database.connect(settings.database_url, pool_size=settings.database_pool_size)
    try:
        yield ReportService(db)
    finally:
        await db.dispose()
