"""Which database errors a consumer parks (the event's data: SQLSTATE classes 22, 23), which it retries
(connections, deadlocks, shutdowns), and how an error is described in a dead letter."""

from __future__ import annotations

import sqlalchemy.exc as sa_exc

from jixiao.errors import JixiaoError, Unavailable

# SQLSTATE classes caused by the data a statement carries: 22 data exception (value too long, out
# of range, bad text), 23 integrity constraint violation. The same event fails the same way again.
_DATA_CLASSES = ("22", "23")


# Classes that pass: 08 connection, 40 transaction rollback (deadlock, serialization), 53
# insufficient resources, 57 operator intervention (shutdown), 58 system error.
_TRANSIENT_CLASSES = ("08", "40", "53", "57", "58")


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in (exc, getattr(exc, "orig", None), getattr(getattr(exc, "orig", None), "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str) and code:
            return code
    return None


def is_poison(exc: BaseException) -> bool:
    """True for an error the event itself causes (parked, not retried): a JixiaoError other than
    Unavailable, or a database error about its data (SQLSTATE class 22 or 23)."""
    if isinstance(exc, JixiaoError):
        return not isinstance(exc, Unavailable)
    if isinstance(exc, sa_exc.DBAPIError) and not exc.connection_invalidated:
        code = _sqlstate(exc)
        return code is not None and code[:2] in _DATA_CLASSES
    return False


def is_transient(exc: BaseException) -> bool:
    """True for an error that passes (database or a dependency away): retried with backoff."""
    if isinstance(exc, (Unavailable, OSError, TimeoutError, sa_exc.TimeoutError, sa_exc.DisconnectionError)):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
            return True
        code = _sqlstate(exc)
        return code is not None and code[:2] in _TRANSIENT_CLASSES
    return False


def describe_error(exc: BaseException) -> str:
    """What a dead letter records: the error's class and message (a database error's own, not the SQL)."""
    if isinstance(exc, JixiaoError):
        return f"{type(exc).__name__}: {exc.detail}"
    cause = getattr(exc, "orig", None)
    cause = getattr(cause, "__cause__", None) or cause or exc
    return f"{type(cause).__name__}: {str(cause).strip()}"[:2000]
