"""The surveys vocabulary and the records fieldwork keeps (plain data, no rules).

Respondent groups, periods and answer codes are shared by rounds, frames and fieldwork; sampled
respondents, interview attempts, responses and progress are what `Fieldwork` records.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from jixiao.rules.model import NO_ANSWER  # noqa: F401  (an explicit "no answer": stored, never scored)
from jixiao.rules.periods import PERIODS  # noqa: F401

# Respondent groups (strata) of the plans' public evaluation: people's congress deputies,
# business operators, urban residents, rural residents.
RESPONDENT_GROUPS = ("npc_deputy", "business", "urban_resident", "rural_resident")


class Mode(StrEnum):
    """How an interview was conducted."""

    PHONE = "phone"
    FACE = "face"


class Outcome(StrEnum):
    """The outcome of one interview attempt."""

    COMPLETED = "completed"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    REPLACED = "replaced"


class RespondentStatus(StrEnum):
    """Where a sampled respondent stands: pending until the first interview attempt."""

    PENDING = "pending"
    COMPLETED = "completed"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    REPLACED = "replaced"


@dataclass
class SampledRespondent:
    """A respondent in the unit's working sample: drawn (draw_number 0) or a replacement."""

    respondent_id: str
    stratum: str
    position: int  # 0-based place in the stratum's draw order
    draw_number: int = 0
    replaces: str | None = None
    interviewer: str | None = None
    status: RespondentStatus = RespondentStatus.PENDING
    replaced_by: str | None = None


@dataclass(frozen=True)
class Interview:
    """One recorded interview attempt."""

    id: str
    respondent_id: str
    stratum: str
    interviewer: str
    mode: Mode
    outcome: Outcome
    questionnaire_version: int | None = None
    answers: tuple[str | None, ...] | None = None
    replacement_id: str | None = None


@dataclass(frozen=True)
class Response:
    """A completed interview as scoring sees it (a bundle's `survey_responses[]` record)."""

    id: str
    unit_id: str
    round_id: str
    stratum: str
    mode: Mode
    questionnaire_version: int
    answers: tuple[str | None, ...]


@dataclass(frozen=True)
class StratumProgress:
    """Fieldwork progress in one stratum; rates are rounded half-up to 4 decimals."""

    stratum: str
    allocated: int
    issued: int  # drawn + replacements
    completed: int
    refused: int
    unreachable: int
    replaced: int
    pending: int
    response_rate: Decimal | None  # completed / issued
    quota_fill: Decimal | None  # completed / allocated
