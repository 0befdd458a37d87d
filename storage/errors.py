"""What a database error means for the update that caused it: try again later, or never."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError


def is_database_down(error: BaseException) -> bool:
    """Whether an error means the database could not be reached (tell the member to retry)."""
    return isinstance(error, OperationalError | DBAPIError | OSError | ConnectionError)
