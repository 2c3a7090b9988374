"""The inspections domain's own errors; each subclasses the kernel error that fixes its HTTP status."""

from __future__ import annotations

from jixiao.errors import Conflict, FieldProblem, InvalidInput, NotFound, PreconditionFailed, PreconditionRequired

__all__ = [
    "AlreadyRevoked",
    "AppealAlreadyOpen",
    "AppealDecided",
    "AppealNotAllowed",
    "AppealWindowClosed",
    "FieldProblem",
    "InLedger",
    "InvalidInput",
    "PlanNotConfigured",
    "PreconditionFailed",
    "PreconditionRequired",
    "RecordNotFound",
    "VetoAlreadyLifted",
]


class PlanNotConfigured(NotFound):
    """The plan's settings are unknown here: `PUT /v1/plans/{plan_id}` or import a bundle first."""

    def __init__(self, plan_id: str) -> None:
        super().__init__(
            f"plan {plan_id!r} is not configured in inspections; PUT /v1/plans/{plan_id} or POST /v1/import first"
        )


class RecordNotFound(NotFound):
    """A deduction, veto, appeal, inspection or finding that does not exist in the plan."""

    def __init__(self, what: str, plan_id: str, record_id: str) -> None:
        super().__init__(f"{what} {record_id!r} not found in plan {plan_id!r}")


class AlreadyRevoked(Conflict):
    """The deduction is already revoked; revoking again changes nothing."""


class VetoAlreadyLifted(Conflict):
    """The veto is already lifted; lifting again changes nothing."""


class AppealWindowClosed(Conflict):
    """The appeal window of the deduction has passed."""


class AppealAlreadyOpen(Conflict):
    """The deduction already has an open appeal (one open appeal per deduction)."""


class AppealNotAllowed(Conflict):
    """The deduction cannot be appealed (revoked, or its appeal was already decided: decisions are final)."""


class AppealDecided(Conflict):
    """The appeal was already decided differently; decisions are final."""


class InLedger(Conflict):
    """The edit would change facts a deduction in the ledger was recorded with: revoke it and record a new one."""
