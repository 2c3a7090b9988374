"""Which errors park an event (poison) and which are retried (transient)."""

from __future__ import annotations

import pytest
import sqlalchemy.exc as sa_exc

from jixiao.errors import InvalidInput, Unavailable
from jixiao.messaging.failures import describe_error, is_poison, is_transient

pytestmark = pytest.mark.unit


class FakeDriverError(Exception):
    """What asyncpg's errors carry: a SQLSTATE."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def _db_error(sqlstate: str, invalidated: bool = False) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError(
        "INSERT ...", {}, FakeDriverError(f"error {sqlstate}", sqlstate), connection_invalidated=invalidated
    )


@pytest.mark.parametrize(
    ("error", "poison", "transient"),
    [
        (InvalidInput("bad"), True, False),
        (Unavailable("snapshot service away"), False, True),
        (_db_error("22003"), True, False),  # numeric value out of range
        (_db_error("22001"), True, False),  # string too long
        (_db_error("23505"), True, False),  # unique violation
        (_db_error("08003", invalidated=True), False, True),  # connection gone
        (_db_error("40P01"), False, True),  # deadlock
        (_db_error("57P01"), False, True),  # admin shutdown
        (_db_error("42703"), False, False),  # undefined column: a bug, retried until fixed, not parked
        (ConnectionResetError(), False, True),
        (KeyError("x"), False, False),
    ],
)
def test_classification(error, poison, transient):
    assert (is_poison(error), is_transient(error)) == (poison, transient)


def test_a_dead_letter_records_the_driver_error_not_the_statement():
    assert describe_error(_db_error("22003")) == "FakeDriverError: error 22003"
