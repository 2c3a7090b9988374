"""Survey rounds, versioned questionnaires and the fieldwork of one unit in one round."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from . import events
from .errors import (
    AlreadyCompleted,
    AssignmentError,
    DuplicateInterview,
    FieldworkNotReady,
    IllegalTransition,
    InvalidAnswer,
    InvalidInterview,
    NoQuestionnaire,
    NotInSample,
    QuestionnaireInvalid,
    QuestionnaireLocked,
    ReplacementExhausted,
    RespondentAlreadyReplaced,
    RoundClosed,
    RoundInvalid,
    RoundNotInFieldwork,
    SurveyError,
    UnknownGroup,
)
from .sampling import Sample

# Respondent groups (strata) of the plans' public evaluation: people's congress deputies,
# business operators, urban residents, rural residents.
RESPONDENT_GROUPS = ("npc_deputy", "business", "urban_resident", "rural_resident")
NO_ANSWER = "no_answer"  # an explicit "no answer": stored, never scored
PERIODS = ("Y", "H1", "Q1", "Q2", "Q3", "Q4")
_RATE = Decimal("0.0001")


def _exact_decimal(value: object) -> Decimal | None:
    if isinstance(value, (bool, float)):
        return None  # no binary floats on the way to a score
    try:
        d = Decimal(value) if isinstance(value, (int, str, Decimal)) else None
    except InvalidOperation:
        return None
    return d if d is not None and d.is_finite() else None


# --- rounds ---------------------------------------------------------------------------------


class RoundState(StrEnum):
    """open → fieldwork → closed; nothing leaves closed."""

    OPEN = "open"
    FIELDWORK = "fieldwork"
    CLOSED = "closed"


_NEXT: dict[RoundState, tuple[RoundState, ...]] = {
    RoundState.OPEN: (RoundState.FIELDWORK,),
    RoundState.FIELDWORK: (RoundState.CLOSED,),
    RoundState.CLOSED: (),
}


@dataclass(frozen=True)
class AnswerOption:
    """One answer an item offers, with the score it earns (0-100)."""

    answer: str
    label: str
    score: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.answer, str) or not self.answer.strip():
            raise QuestionnaireInvalid("an answer option needs a non-empty answer code")
        if self.answer == NO_ANSWER:
            raise QuestionnaireInvalid(f"{NO_ANSWER!r} is reserved and cannot be an option")
        score = _exact_decimal(self.score)
        if score is None or not 0 <= score <= 100:
            raise QuestionnaireInvalid(
                f"option {self.answer!r}: score must be a decimal between 0 and 100, "
                f"got {self.score!r}"
            )
        object.__setattr__(self, "score", score)


@dataclass(frozen=True)
class Item:
    """A question with its answer options."""

    key: str
    text: str
    options: tuple[AnswerOption, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key.strip():
            raise QuestionnaireInvalid("an item needs a non-empty key")
        if not isinstance(self.text, str) or not self.text.strip():
            raise QuestionnaireInvalid(f"item {self.key!r} needs a text")
        options = tuple(self.options)
        if not options:
            raise QuestionnaireInvalid(f"item {self.key!r} has no answer options")
        answers = [o.answer for o in options]
        if len(set(answers)) != len(answers):
            raise QuestionnaireInvalid(f"item {self.key!r} repeats an answer option")
        object.__setattr__(self, "options", options)

    def option(self, answer: str) -> AnswerOption | None:
        """The option with this answer code, if any."""
        return next((o for o in self.options if o.answer == answer), None)


@dataclass(frozen=True)
class Questionnaire:
    """One version of a respondent group's questionnaire in a round; never edited in place."""

    round_id: str
    group: str
    version: int
    items: tuple[Item, ...]

    def answers_in_order(
        self, answers: Mapping[str, str | None] | Sequence[str | None]
    ) -> tuple[str | None, ...]:
        """Validate answers (by item key, or a list in item order); return them in item order."""
        if isinstance(answers, Mapping):
            unknown = sorted(set(answers) - {i.key for i in self.items})
            if unknown:
                raise InvalidAnswer(
                    f"questionnaire {self.group} v{self.version} "
                    f"has no item(s) {', '.join(unknown)}"
                )
            ordered = [answers.get(i.key) for i in self.items]
        elif isinstance(answers, (list, tuple)):
            if len(answers) != len(self.items):
                raise InvalidAnswer(
                    f"expected {len(self.items)} answers (one per item), got {len(answers)}"
                )
            ordered = list(answers)
        else:
            raise InvalidAnswer("answers must be a mapping by item key or a list in item order")
        for item, answer in zip(self.items, ordered, strict=True):
            if answer is None or answer == NO_ANSWER:
                continue
            if not isinstance(answer, str) or item.option(answer) is None:
                offered = ", ".join(o.answer for o in item.options)
                raise InvalidAnswer(
                    f"item {item.key!r}: {answer!r} is not one of its options ({offered})"
                )
        return tuple(ordered)


@dataclass(eq=False)
class Round:
    """A public-evaluation round of a plan (mid-year, year-end) and its questionnaires."""

    id: str
    plan_id: str
    weight: Decimal
    period: str
    groups: tuple[str, ...] = RESPONDENT_GROUPS
    answer_scores: Mapping[str, Decimal] | None = None
    state: RoundState = RoundState.OPEN
    questionnaires: dict[str, list[Questionnaire]] = field(default_factory=dict)
    events: list[events.Event] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.id, str) or not self.id.strip():
            problems.append("a round needs an id")
        if not isinstance(self.plan_id, str) or not self.plan_id.strip():
            problems.append("a round needs a plan id")
        weight = _exact_decimal(self.weight)
        if weight is None or weight <= 0:
            problems.append(f"weight must be a positive decimal, got {self.weight!r}")
        if self.period not in PERIODS:
            problems.append(f"period must be one of {', '.join(PERIODS)}, got {self.period!r}")
        groups = tuple(self.groups)
        if not groups or len(set(groups)) != len(groups) or not all(groups):
            problems.append("groups must be distinct, non-empty names")
        scores: dict[str, Decimal] | None = None
        if self.answer_scores is not None:
            scores = {}
            for answer, raw in self.answer_scores.items():
                d = _exact_decimal(raw)
                if d is None:
                    problems.append(f"answer score of {answer!r} must be a decimal, got {raw!r}")
                else:
                    scores[answer] = d
        if problems:
            raise RoundInvalid(f"round {self.id!r}: " + "; ".join(problems))
        self.weight = weight  # type: ignore[assignment]
        self.groups = groups
        self.answer_scores = scores
        self.state = RoundState(self.state)

    @classmethod
    def open(
        cls,
        id: str,
        plan_id: str,
        weight: Decimal | int | str,
        period: str,
        *,
        groups: Iterable[str] = RESPONDENT_GROUPS,
        answer_scores: Mapping[str, Decimal] | None = None,
    ) -> Round:
        """Open a new round (raises RoundOpened); the plain constructor only rehydrates."""
        r = cls(id, plan_id, weight, period, tuple(groups), answer_scores)  # type: ignore[arg-type]
        r.events.append(events.RoundOpened(r.id, r.plan_id, r.weight, r.period))
        return r

    # state machine

    def allowed_next(self) -> tuple[RoundState, ...]:
        """The states this round may move to next."""
        return _NEXT[self.state]

    def _move(self, target: RoundState) -> None:
        if target not in _NEXT[self.state]:
            raise IllegalTransition(
                self.id, self.state.value, target.value, tuple(s.value for s in _NEXT[self.state])
            )
        self.state = target

    def start_fieldwork(self) -> None:
        """open → fieldwork; every group must have a questionnaire."""
        if self.state is RoundState.OPEN:
            missing = [g for g in self.groups if not self.questionnaires.get(g)]
            if missing:
                raise FieldworkNotReady(
                    f"round {self.id!r}: no questionnaire for {', '.join(missing)}"
                )
        self._move(RoundState.FIELDWORK)
        self.events.append(events.FieldworkStarted(self.id))

    def close(self) -> None:
        """fieldwork → closed; the round's questionnaires are frozen from now on."""
        self._move(RoundState.CLOSED)
        self.events.append(events.RoundClosed(self.id))

    # questionnaires

    def publish_questionnaire(self, group: str, items: Iterable[Item]) -> Questionnaire:
        """Publish the next version of a group's questionnaire (refused once closed)."""
        if self.state is RoundState.CLOSED:
            raise QuestionnaireLocked(
                f"round {self.id!r} is closed: its questionnaires cannot change"
            )
        self._check_group(group)
        items = tuple(items)
        if not items:
            raise QuestionnaireInvalid("a questionnaire needs at least one item")
        if not all(isinstance(i, Item) for i in items):
            raise QuestionnaireInvalid("questionnaire items must be Item objects")
        keys = [i.key for i in items]
        if len(set(keys)) != len(keys):
            raise QuestionnaireInvalid("item keys must be distinct")
        if self.answer_scores is not None:
            for item in items:
                for o in item.options:
                    plan_score = self.answer_scores.get(o.answer)
                    if plan_score is None or plan_score != o.score:
                        raise QuestionnaireInvalid(
                            f"item {item.key!r}: option {o.answer!r} scores {o.score} but the "
                            f"plan's answer_scores give {plan_score}"
                        )
        versions = self.questionnaires.setdefault(group, [])
        q = Questionnaire(self.id, group, len(versions) + 1, items)
        versions.append(q)
        self.events.append(events.QuestionnairePublished(self.id, group, q.version, len(items)))
        return q

    def questionnaire(self, group: str, version: int | None = None) -> Questionnaire:
        """A group's questionnaire: the given version, else the latest."""
        self._check_group(group)
        versions = self.questionnaires.get(group) or []
        if not versions:
            raise NoQuestionnaire(f"round {self.id!r}: no questionnaire for {group}")
        if version is None:
            return versions[-1]
        if not 1 <= version <= len(versions):
            raise NoQuestionnaire(f"round {self.id!r}: {group} has no questionnaire v{version}")
        return versions[version - 1]

    def _check_group(self, group: str) -> None:
        if group not in self.groups:
            raise UnknownGroup(
                f"round {self.id!r} does not survey {group!r} (groups: {', '.join(self.groups)})"
            )


# --- fieldwork ------------------------------------------------------------------------------


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


class AssignmentStrategy(StrEnum):
    """round_robin: deal in (stratum, draw order); balanced: least loaded in stratum, then total."""

    ROUND_ROBIN = "round_robin"
    BALANCED = "balanced"


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


def _rate(num: int, den: int) -> Decimal | None:
    if den == 0:
        return None
    return (Decimal(num) / Decimal(den)).quantize(_RATE, rounding=ROUND_HALF_UP)


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
            survey_round._check_group(h)
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
        try:
            how = AssignmentStrategy(strategy)
        except ValueError:
            raise AssignmentError(
                f"unknown strategy {strategy!r} (expected round_robin or balanced)"
            ) from None
        names = sorted(set(interviewers))
        if not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise AssignmentError("assignment needs at least one interviewer, all named")
        todo = [
            r
            for r in self._ordered()
            if r.interviewer is None
            and r.status not in (RespondentStatus.COMPLETED, RespondentStatus.REPLACED)
        ]
        done: dict[str, str] = {}
        if how is AssignmentStrategy.ROUND_ROBIN:
            for k, r in enumerate(todo):
                r.interviewer = names[k % len(names)]
                done[r.respondent_id] = r.interviewer
        else:
            total = {n: 0 for n in names}
            per_stratum: dict[tuple[str, str], int] = {}
            for r in self.respondents.values():
                if r.interviewer in total and r.status is not RespondentStatus.REPLACED:
                    total[r.interviewer] += 1
                    key = (r.stratum, r.interviewer)
                    per_stratum[key] = per_stratum.get(key, 0) + 1
            for r in todo:
                pick = min(
                    names, key=lambda n: (per_stratum.get((r.stratum, n), 0), total[n], n)
                )
                r.interviewer = pick
                total[pick] += 1
                per_stratum[(r.stratum, pick)] = per_stratum.get((r.stratum, pick), 0) + 1
                done[r.respondent_id] = pick
        if done:
            self.events.append(
                events.RespondentsAssigned(self.round_id, self.unit_id, tuple(done.items()))
            )
        return done

    def reassign(self, respondent_id: str, interviewer: str) -> None:
        """Hand one open respondent to another interviewer."""
        r = self._open_respondent(respondent_id)
        if not isinstance(interviewer, str) or not interviewer.strip():
            raise AssignmentError("interviewer must be named")
        r.interviewer = interviewer
        self.events.append(
            events.RespondentsAssigned(self.round_id, self.unit_id, ((respondent_id, interviewer),))
        )

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
                f"respondent {respondent_id!r} is not in the sample of unit {self.unit_id!r} "
                f"in round {self.round_id!r}"
            )
        if r.status is RespondentStatus.REPLACED:
            raise RespondentAlreadyReplaced(
                f"respondent {respondent_id!r} was replaced by {r.replaced_by!r}"
            )
        if r.status is RespondentStatus.COMPLETED:
            raise AlreadyCompleted(
                f"respondent {respondent_id!r} already has a completed response; "
                "a second submission is refused"
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
        if survey_round.id != self.round_id:
            raise SurveyError(
                f"fieldwork belongs to round {self.round_id!r}, not {survey_round.id!r}"
            )
        if survey_round.state is not RoundState.FIELDWORK:
            raise RoundNotInFieldwork(
                f"round {self.round_id!r} is {survey_round.state.value}: "
                "interviews are recorded only during fieldwork"
            )
        if not isinstance(interview_id, str) or not interview_id:
            raise InvalidInterview("interview_id is required")
        if interview_id in self._interview_ids:
            raise DuplicateInterview(f"interview {interview_id!r} was already recorded")
        r = self._open_respondent(respondent_id)
        try:
            mode = Mode(mode)
        except ValueError:
            raise InvalidInterview(f"mode must be phone or face, got {mode!r}") from None
        try:
            outcome = Outcome(outcome)
        except ValueError:
            raise InvalidInterview(
                "outcome must be completed, refused, unreachable or replaced, "
                f"got {outcome!r}"
            ) from None
        if not isinstance(interviewer, str) or not interviewer.strip():
            raise InvalidInterview("interviewer is required")

        version: int | None = None
        ordered: tuple[str | None, ...] | None = None
        replacement_id: str | None = None
        if outcome is Outcome.COMPLETED:
            if answers is None:
                raise InvalidInterview("a completed interview needs its answers")
            questionnaire = survey_round.questionnaire(r.stratum)
            ordered = questionnaire.answers_in_order(answers)
            version = questionnaire.version
        elif answers:
            raise InvalidInterview(f"a {outcome.value} interview carries no answers")
        if outcome is Outcome.REPLACED:
            replacement_id = self._draw_replacement(r)

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
        self.events.append(
            events.InterviewRecorded(
                round_id=self.round_id,
                unit_id=self.unit_id,
                interview_id=interview_id,
                respondent_id=respondent_id,
                stratum=r.stratum,
                interviewer=interviewer,
                mode=mode.value,
                outcome=outcome.value,
            )
        )
        if replacement_id is not None:
            new = self.respondents[replacement_id]
            self.events.append(
                events.RespondentReplaced(
                    round_id=self.round_id,
                    unit_id=self.unit_id,
                    respondent_id=respondent_id,
                    replacement_id=replacement_id,
                    stratum=r.stratum,
                    draw_number=new.draw_number,
                )
            )
        if outcome is Outcome.COMPLETED:
            assert ordered is not None and version is not None
            self.events.append(
                events.ResponseCompleted(
                    round_id=self.round_id,
                    unit_id=self.unit_id,
                    response_id=interview_id,
                    stratum=r.stratum,
                    mode=mode.value,
                    questionnaire_version=version,
                    answers=ordered,
                )
            )
        return interview

    def _draw_replacement(self, r: SampledRespondent) -> str:
        drawn = max(
            (x.draw_number for x in self.respondents.values() if x.stratum == r.stratum),
            default=0,
        )
        draw_number = drawn + 1
        candidate = self.sample.replacement(r.stratum, draw_number)
        if candidate is None:
            raise ReplacementExhausted(
                f"stratum {r.stratum!r} has no one left to replace {r.respondent_id!r}"
            )
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
            if i.outcome is Outcome.COMPLETED
            and i.answers is not None
            and i.questionnaire_version is not None
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
