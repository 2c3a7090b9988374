"""Errors of the reports service (subclasses of the kernel's, so they map to HTTP problems)."""

from __future__ import annotations

from jixiao.errors import Conflict, InvalidInput, NotFound, Unavailable


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


class ScoringUnavailable(Unavailable):
    """Scoring could not be asked for a unit's explanation (the card is shown without it)."""


class NoticeUnknown(NotFound):
    """No notice exists for that snapshot version (it is not a complete graded snapshot)."""


class NoticePeriodOver(Conflict):
    """The notice period (公示期) has ended: no more objections."""


class ObjectionUnknown(NotFound):
    """No objection with that id."""


class InvalidObjection(InvalidInput):
    """An objection or answer that cannot be stored."""


class PdfUnavailable(Unavailable):
    """The PDF renderer (WeasyPrint and its Pango libraries) is not installed on this machine."""
