"""The surveys domain's own exception hierarchy (entrypoints map these to HTTP status)."""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.errors import InvalidInput  # the kernel's base (standard library only): parked as poison


class SurveyError(Exception):
    """Base of every error raised by the surveys domain and its adapters."""


# --- rounds and questionnaires -------------------------------------------------------------


class IllegalTransition(SurveyError):
    """A round was asked to move to a state its current state does not lead to."""

    def __init__(self, round_id: str, current: str, target: str, allowed: tuple[str, ...]) -> None:
        self.round_id, self.current, self.target, self.allowed = round_id, current, target, allowed
        nxt = ", ".join(allowed) if allowed else "none, the round is final"
        super().__init__(f"round {round_id!r}: cannot go from {current} to {target} (allowed next: {nxt})")


class RoundInvalid(SurveyError):
    """A round's definition (id, weight, period) is not acceptable."""


class UnknownGroup(SurveyError):
    """A respondent group (stratum) that the round does not survey."""


class QuestionnaireInvalid(SurveyError):
    """A questionnaire's items or options are not acceptable."""


class QuestionnaireLocked(SurveyError):
    """The questionnaire of a closed round cannot change."""


class FieldworkNotReady(SurveyError):
    """Fieldwork cannot start: some respondent group has no questionnaire."""


class NoQuestionnaire(SurveyError):
    """No questionnaire has been published for a respondent group."""


# --- frames ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class FrameProblem:
    """One problem in a frame file: 1-based row (the header is row 1), column, message."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.column}: {self.message}"


class FrameInvalid(SurveyError):
    """A frame file was rejected as a whole; `problems` lists every bad row and column."""

    def __init__(self, problems: list[FrameProblem] | tuple[FrameProblem, ...]) -> None:
        # by row; within a row, in the order validation found them (the file's column order)
        self.problems = tuple(sorted(problems, key=lambda p: p.row))
        head = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"frame rejected, {len(self.problems)} problem(s): {head}{more}")


class FrameFileError(SurveyError):
    """A frame file that cannot be read at all (unknown type, not a spreadsheet, bad encoding)."""


# --- sampling -------------------------------------------------------------------------------


class SamplingError(SurveyError):
    """A sample cannot be drawn as asked; `problems` holds one message per problem."""

    def __init__(self, problems: str | list[str] | tuple[str, ...], field: str = "sample") -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        self.field = field  # the request field the problems are about (e.g. "quotas.business")
        super().__init__("; ".join(self.problems))


class ReplacementExhausted(SurveyError):
    """Every member of the stratum has already been sampled or drawn as a replacement."""


# --- fieldwork ------------------------------------------------------------------------------


class RoundNotInFieldwork(SurveyError):
    """Interviews are recorded only while the round is in fieldwork."""


class RoundClosed(SurveyError):
    """A closed round accepts no new sample."""


class NotInSample(SurveyError):
    """The respondent is not (or no longer) in the unit's sample."""


class AlreadyCompleted(SurveyError):
    """The respondent already has a completed response; a second submission is refused."""


class RespondentAlreadyReplaced(SurveyError):
    """The respondent was replaced; no further interview is recorded for them."""


class DuplicateInterview(SurveyError):
    """An interview id that was already recorded."""


class InvalidInterview(SurveyError):
    """An interview record that is malformed (mode, outcome, interviewer, answers)."""


class InvalidAnswer(InvalidInterview):
    """An answer to an unknown item, or one that is not an option of its item."""


class AssignmentError(SurveyError):
    """Respondents cannot be assigned as asked (no interviewers, unknown strategy, ...)."""


# --- events of the indicators service ---------------------------------------------------------


class PlanEventRejected(InvalidInput):
    """A PlanPublished the surveys service cannot take (no valid plan, a closed round would change,
    stored responses would no longer fit): the consumer parks it and keeps the settings it has."""


class UnitEventRejected(InvalidInput):
    """A UnitUpserted without a plan id, a unit id or a version: the consumer parks it."""
