"""The platform's own exception hierarchy; entrypoints map it to HTTP problems in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: where (a JSON path or sheet!cell) and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class JixiaoError(Exception):
    """Base of every error the platform raises on purpose."""

    status = 500
    title = "Internal error"

    def __init__(self, detail: str = "", *, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.problems = list(problems or [])


class InvalidInput(JixiaoError):
    """The request or file is not acceptable; `problems` lists every bad field."""

    status = 422
    title = "Invalid input"


class PayloadTooLarge(InvalidInput):
    """An uploaded file or body is larger than the configured limit."""

    status = 413
    title = "Payload too large"


class Unauthorized(JixiaoError):
    """No valid bearer token where one is required."""

    status = 401
    title = "Unauthorized"
    headers = {"WWW-Authenticate": 'Bearer realm="jixiao"'}


class Forbidden(JixiaoError):
    """The caller's roles or units do not allow this action."""

    status = 403
    title = "Forbidden"


class NotFound(JixiaoError):
    """The addressed resource does not exist."""

    status = 404
    title = "Not found"


class Conflict(JixiaoError):
    """The request conflicts with the current state (duplicate, wrong state, closed period)."""

    status = 409
    title = "Conflict"


class PreconditionFailed(JixiaoError):
    """An `If-Match` version did not match: someone else changed the resource first."""

    status = 412
    title = "Precondition failed"


class PreconditionRequired(JixiaoError):
    """An update came without `If-Match`."""

    status = 428
    title = "Precondition required"


class Unavailable(JixiaoError):
    """A dependency (database, broker, another service) cannot be reached."""

    status = 503
    title = "Service unavailable"
