"""Errors of the reports service (subclasses of the kernel's, so they map to HTTP problems)."""

from __future__ import annotations

from jixiao.errors import Conflict, InvalidInput, NotFound


class PeriodUnknown(NotFound):
    """No score of this plan and period has arrived."""


class SnapshotUnknown(NotFound):
    """The requested graded snapshot is not (or no longer) complete in the read model."""


class PeriodNotGraded(Conflict):
    """The period has no complete graded snapshot yet (only provisional scores)."""


class InvalidLabels(InvalidInput):
    """A labels document that cannot be stored."""


class BadScoreEvent(InvalidInput):
    """A score event whose content cannot be read (parked as poison by the consumer)."""


class BadIndicatorEvent(InvalidInput):
    """An indicators event (PlanPublished, UnitUpserted) whose content cannot be read (parked as poison)."""


class UnitUnknown(NotFound):
    """The unit has no score in the period's shown ranking (graded snapshot or provisional)."""
