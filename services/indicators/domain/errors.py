"""The indicators service's errors; each maps to an HTTP problem through the kernel's hierarchy."""

from __future__ import annotations

from jixiao.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    JixiaoError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
)

__all__ = [
    "JixiaoError",
    "FieldProblem",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "Conflict",
    "PreconditionFailed",
    "PreconditionRequired",
    "PlanNotFound",
    "UnitNotFound",
    "ResultNotFound",
    "TaskNotFound",
    "EvidenceNotFound",
    "PlanNotPublished",
    "PlanAlreadyPublished",
    "WrongState",
    "PeriodIsClosed",
]


class PlanNotFound(NotFound):
    """No plan with this id."""


class UnitNotFound(NotFound):
    """No unit with this id in the plan."""


class ResultNotFound(NotFound):
    """No result with this id."""


class TaskNotFound(NotFound):
    """No task with this id."""


class EvidenceNotFound(NotFound):
    """No evidence file with this id."""


class PlanNotPublished(Conflict):
    """The plan is still a draft: results and reports need a published plan."""


class PlanAlreadyPublished(Conflict):
    """A published plan is immutable; publish a new version with a reason instead."""


class WrongState(Conflict):
    """The workflow does not allow this action in the current state."""


class PeriodIsClosed(Conflict):
    """The period was closed by the office; its results can only be corrected by an assessor."""
