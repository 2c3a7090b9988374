"""The fieldwork of one unit in one round: its sample, interviewer assignments and interviews."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from . import events
from .assignment import AssignmentStrategy, deal, interviewer_names, strategy_of
from .errors import (
    AlreadyCompleted,
    AssignmentError,
    DuplicateInterview,
    InvalidInterview,
    NotInSample,
    ReplacementExhausted,
    RespondentAlreadyReplaced,
    RoundClosed,
    RoundNotInFieldwork,
    SurveyError,
)
from .model import (
    Interview,
    Mode,
    Outcome,
    RespondentStatus,
    Response,
    SampledRespondent,
    StratumProgress,
)
from .rounds import Round, RoundState
from .sampling import Sample

_RATE = Decimal("0.0001")


def _rate(num: int, den: int) -> Decimal | None:
    if den == 0:
        return None
    return (Decimal(num) / Decimal(den)).quantize(_RATE, rounding=ROUND_HALF_UP)


def _attempt(mode: Mode | str, outcome: Outcome | str, interviewer: str) -> tuple[Mode, Outcome]:
    """An attempt's mode and outcome as enums; its interviewer must be named."""
    try:
        mode = Mode(mode)
    except ValueError:
        raise InvalidInterview(f"mode must be phone or face, got {mode!r}") from None
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise InvalidInterview(
            f"outcome must be completed, refused, unreachable or replaced, got {outcome!r}"
        ) from None
    if not isinstance(interviewer, str) or not interviewer.strip():
        raise InvalidInterview("interviewer is required")
    return mode, outcome


def _answered(
    survey_round: Round,
    stratum: str,
    outcome: Outcome,
    answers: Mapping[str, str | None] | Sequence[str | None] | None,
) -> tuple[int | None, tuple[str | None, ...] | None]:
    """A completed attempt's questionnaire version and answers in item order; others carry none."""
    if outcome is Outcome.COMPLETED:
        if answers is None:
            raise InvalidInterview("a completed interview needs its answers")
        questionnaire = survey_round.questionnaire(stratum)
        return questionnaire.version, questionnaire.answers_in_order(answers)
    if answers:
        raise InvalidInterview(f"a {outcome.value} interview carries no answers")
    return None, None


class Fieldwork:
    """The sample of one unit in one round, its interviewer assignments and its interviews."""

    def __init__(
        self,
        round_id: str,
        unit_id: str,
        sample: Sample,
        respondents: Iterable[SampledRespondent] | None = None,
        interviews: Iterable[Interview] = (),
    ) -> None:
        self.round_id = round_id
        self.unit_id = unit_id
        self.sample = sample
        self.events: list[events.Event] = []
        if respondents is None:
            respondents = (
                SampledRespondent(rid, h, pos)
                for h, draw in sample.strata.items()
                for pos, rid in enumerate(draw.sampled)
            )
        self.respondents: dict[str, SampledRespondent] = {r.respondent_id: r for r in respondents}
        self.interviews: list[Interview] = list(interviews)
        self._interview_ids = {i.id for i in self.interviews}

    @classmethod
    def start(cls, survey_round: Round, unit_id: str, sample: Sample) -> Fieldwork:
        """Take a freshly drawn sample for a unit into a round that is not closed."""
        if survey_round.state is RoundState.CLOSED:
            raise RoundClosed(f"round {survey_round.id!r} is closed: no new sample")
        if not isinstance(unit_id, str) or not unit_id:
            raise SurveyError("a sample belongs to a unit: unit_id is required")
        for h in sample.strata:
            survey_round.check_group(h)
        fw = cls(survey_round.id, unit_id, sample)
        fw.events.append(
            events.SampleDrawn(
                fw.round_id,
                unit_id,
                sample.algorithm,
                sample.seed,
                sample.frame_sha256,
                sample.allocation.value,
                sample.size,
                tuple(sample.allocated().items()),
            )
        )
        return fw

    # assignment

    def _ordered(self) -> list[SampledRespondent]:
        return sorted(self.respondents.values(), key=lambda r: (r.stratum, r.position))

    def assign(
        self,
        interviewers: Iterable[str],
        strategy: AssignmentStrategy | str = AssignmentStrategy.ROUND_ROBIN,
    ) -> dict[str, str]:
        """Assign every unassigned open respondent; deterministic for the same interviewers."""
        how = strategy_of(strategy)
        names = interviewer_names(interviewers)
        todo = [
            r
            for r in self._ordered()
            if r.interviewer is None and r.status not in (RespondentStatus.COMPLETED, RespondentStatus.REPLACED)
        ]
        done = deal(todo, names, how, self.respondents.values())
        if done:
            self.events.append(events.RespondentsAssigned(self.round_id, self.unit_id, tuple(done.items())))
        return done

    def reassign(self, respondent_id: str, interviewer: str) -> None:
        """Hand one open respondent to another interviewer."""
        r = self._open_respondent(respondent_id)
        if not isinstance(interviewer, str) or not interviewer.strip():
            raise AssignmentError("interviewer must be named")
        r.interviewer = interviewer
        self.events.append(events.RespondentsAssigned(self.round_id, self.unit_id, ((respondent_id, interviewer),)))

    def workload(self) -> dict[str, int]:
        """Open (not completed, not replaced) respondents per interviewer."""
        load: dict[str, int] = {}
        for r in self.respondents.values():
            if r.interviewer and r.status not in (
                RespondentStatus.COMPLETED,
                RespondentStatus.REPLACED,
            ):
                load[r.interviewer] = load.get(r.interviewer, 0) + 1
        return dict(sorted(load.items()))

    # interviews

    def _open_respondent(self, respondent_id: str) -> SampledRespondent:
        r = self.respondents.get(respondent_id)
        if r is None:
            raise NotInSample(
                f"respondent {respondent_id!r} is not in the sample of unit {self.unit_id!r} in round {self.round_id!r}"
            )
        if r.status is RespondentStatus.REPLACED:
            raise RespondentAlreadyReplaced(f"respondent {respondent_id!r} was replaced by {r.replaced_by!r}")
        if r.status is RespondentStatus.COMPLETED:
            raise AlreadyCompleted(
                f"respondent {respondent_id!r} already has a completed response; a second submission is refused"
            )
        return r

    def record_interview(
        self,
        survey_round: Round,
        *,
        interview_id: str,
        respondent_id: str,
        interviewer: str,
        mode: Mode | str,
        outcome: Outcome | str,
        answers: Mapping[str, str | None] | Sequence[str | None] | None = None,
    ) -> Interview:
        """Record one interview attempt; `replaced` draws the stratum's next replacement."""
        self._check_recordable(survey_round, interview_id)
        r = self._open_respondent(respondent_id)
        mode, outcome = _attempt(mode, outcome, interviewer)
        version, ordered = _answered(survey_round, r.stratum, outcome, answers)
        replacement_id = self._draw_replacement(r) if outcome is Outcome.REPLACED else None
        interview = Interview(
            id=interview_id,
            respondent_id=respondent_id,
            stratum=r.stratum,
            interviewer=interviewer,
            mode=mode,
            outcome=outcome,
            questionnaire_version=version,
            answers=ordered,
            replacement_id=replacement_id,
        )
        self.interviews.append(interview)
        self._interview_ids.add(interview_id)
        r.status = RespondentStatus(outcome.value)
        self._raise_recorded(interview)
        return interview

    def _check_recordable(self, survey_round: Round, interview_id: str) -> None:
        """Interviews are recorded in this fieldwork's round, during fieldwork, each id once."""
        if survey_round.id != self.round_id:
            raise SurveyError(f"fieldwork belongs to round {self.round_id!r}, not {survey_round.id!r}")
        if survey_round.state is not RoundState.FIELDWORK:
            raise RoundNotInFieldwork(
                f"round {self.round_id!r} is {survey_round.state.value}: interviews are recorded only during fieldwork"
            )
        if not isinstance(interview_id, str) or not interview_id:
            raise InvalidInterview("interview_id is required")
        if interview_id in self._interview_ids:
            raise DuplicateInterview(f"interview {interview_id!r} was already recorded")

    def _raise_recorded(self, iv: Interview) -> None:
        """InterviewRecorded, then RespondentReplaced or ResponseCompleted if the attempt did that."""
        where = {"round_id": self.round_id, "unit_id": self.unit_id}
        self.events.append(
            events.InterviewRecorded(
                **where,
                interview_id=iv.id,
                respondent_id=iv.respondent_id,
                stratum=iv.stratum,
                interviewer=iv.interviewer,
                mode=iv.mode.value,
                outcome=iv.outcome.value,
            )
        )
        if iv.replacement_id is not None:
            new = self.respondents[iv.replacement_id]
            self.events.append(
                events.RespondentReplaced(
                    **where,
                    respondent_id=iv.respondent_id,
                    replacement_id=iv.replacement_id,
                    stratum=iv.stratum,
                    draw_number=new.draw_number,
                )
            )
        if iv.outcome is Outcome.COMPLETED:
            assert iv.answers is not None and iv.questionnaire_version is not None
            self.events.append(
                events.ResponseCompleted(
                    **where,
                    response_id=iv.id,
                    stratum=iv.stratum,
                    mode=iv.mode.value,
                    questionnaire_version=iv.questionnaire_version,
                    answers=iv.answers,
                )
            )

    def _draw_replacement(self, r: SampledRespondent) -> str:
        drawn = max(
            (x.draw_number for x in self.respondents.values() if x.stratum == r.stratum),
            default=0,
        )
        draw_number = drawn + 1
        candidate = self.sample.replacement(r.stratum, draw_number)
        if candidate is None:
            raise ReplacementExhausted(f"stratum {r.stratum!r} has no one left to replace {r.respondent_id!r}")
        if candidate in self.respondents:  # only possible if the stored state is inconsistent
            raise SurveyError(f"replacement {candidate!r} is already in the sample")
        allocated = self.sample.strata[r.stratum].allocated
        self.respondents[candidate] = SampledRespondent(
            candidate,
            r.stratum,
            allocated + draw_number - 1,
            draw_number=draw_number,
            replaces=r.respondent_id,
            interviewer=r.interviewer,  # the replaced respondent's interviewer keeps the quota
        )
        r.replaced_by = candidate
        return candidate

    # queries

    def responses(self) -> tuple[Response, ...]:
        """The completed responses, in the order they were recorded."""
        return tuple(
            Response(
                id=i.id,
                unit_id=self.unit_id,
                round_id=self.round_id,
                stratum=i.stratum,
                mode=i.mode,
                questionnaire_version=i.questionnaire_version,
                answers=i.answers,
            )
            for i in self.interviews
            if i.outcome is Outcome.COMPLETED and i.answers is not None and i.questionnaire_version is not None
        )

    def progress(self) -> dict[str, StratumProgress]:
        """Counts, response rate (completed / issued) and quota fill per stratum."""
        result = {}
        for h, draw in self.sample.strata.items():
            members = [r for r in self.respondents.values() if r.stratum == h]
            count = {s: sum(1 for r in members if r.status is s) for s in RespondentStatus}
            completed = count[RespondentStatus.COMPLETED]
            result[h] = StratumProgress(
                stratum=h,
                allocated=draw.allocated,
                issued=len(members),
                completed=completed,
                refused=count[RespondentStatus.REFUSED],
                unreachable=count[RespondentStatus.UNREACHABLE],
                replaced=count[RespondentStatus.REPLACED],
                pending=count[RespondentStatus.PENDING],
                response_rate=_rate(completed, len(members)),
                quota_fill=_rate(completed, draw.allocated),
            )
        return result
