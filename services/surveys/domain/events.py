"""Domain events raised by the surveys aggregates.

Events never carry personal data: respondents appear only by their opaque respondent_id and
stratum, never by name, phone or address. The service maps them to the published contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Event:
    """Base of the surveys domain events."""


@dataclass(frozen=True)
class RoundOpened(Event):
    round_id: str
    plan_id: str
    weight: Decimal
    period: str


@dataclass(frozen=True)
class QuestionnairePublished(Event):
    round_id: str
    group: str
    version: int
    items: int


@dataclass(frozen=True)
class FieldworkStarted(Event):
    round_id: str


@dataclass(frozen=True)
class RoundClosed(Event):
    round_id: str


@dataclass(frozen=True)
class SampleDrawn(Event):
    round_id: str
    unit_id: str
    algorithm: str
    seed: int
    frame_sha256: str
    allocation: str
    size: int
    allocated: tuple[tuple[str, int], ...]  # (stratum, n_h) by stratum name


@dataclass(frozen=True)
class RespondentsAssigned(Event):
    round_id: str
    unit_id: str
    assignments: tuple[tuple[str, str], ...]  # (respondent_id, interviewer)


@dataclass(frozen=True)
class InterviewRecorded(Event):
    round_id: str
    unit_id: str
    interview_id: str
    respondent_id: str
    stratum: str
    interviewer: str
    mode: str
    outcome: str


@dataclass(frozen=True)
class RespondentReplaced(Event):
    round_id: str
    unit_id: str
    respondent_id: str
    replacement_id: str
    stratum: str
    draw_number: int


@dataclass(frozen=True)
class ResponseCompleted(Event):
    """A counted response, shaped like a bundle's `survey_responses[]` record."""

    round_id: str
    unit_id: str
    response_id: str
    stratum: str
    mode: str
    questionnaire_version: int
    answers: tuple[str | None, ...]  # in item order; None = not answered
