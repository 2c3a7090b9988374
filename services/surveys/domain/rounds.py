"""Survey rounds (open → fieldwork → closed) and their versioned questionnaires."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from . import events
from .errors import (
    FieldworkNotReady,
    IllegalTransition,
    InvalidAnswer,
    NoQuestionnaire,
    QuestionnaireInvalid,
    QuestionnaireLocked,
    RoundInvalid,
    UnknownGroup,
)
from .model import NO_ANSWER, PERIODS, RESPONDENT_GROUPS


def _exact_decimal(value: object) -> Decimal | None:
    if isinstance(value, (bool, float)):
        return None  # no binary floats on the way to a score
    try:
        d = Decimal(value) if isinstance(value, (int, str, Decimal)) else None
    except InvalidOperation:
        return None
    return d if d is not None and d.is_finite() else None


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
                f"option {self.answer!r}: score must be a decimal between 0 and 100, got {self.score!r}"
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

    def answers_in_order(self, answers: Mapping[str, str | None] | Sequence[str | None]) -> tuple[str | None, ...]:
        """Validate answers (by item key, or a list in item order); return them in item order."""
        if isinstance(answers, Mapping):
            unknown = sorted(set(answers) - {i.key for i in self.items})
            if unknown:
                raise InvalidAnswer(f"questionnaire {self.group} v{self.version} has no item(s) {', '.join(unknown)}")
            ordered = [answers.get(i.key) for i in self.items]
        elif isinstance(answers, (list, tuple)):
            if len(answers) != len(self.items):
                raise InvalidAnswer(f"expected {len(self.items)} answers (one per item), got {len(answers)}")
            ordered = list(answers)
        else:
            raise InvalidAnswer("answers must be a mapping by item key or a list in item order")
        for item, answer in zip(self.items, ordered, strict=True):
            if answer is None or answer == NO_ANSWER:
                continue
            if not isinstance(answer, str) or item.option(answer) is None:
                offered = ", ".join(o.answer for o in item.options)
                raise InvalidAnswer(f"item {item.key!r}: {answer!r} is not one of its options ({offered})")
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
            raise IllegalTransition(self.id, self.state.value, target.value, tuple(s.value for s in _NEXT[self.state]))
        self.state = target

    def start_fieldwork(self) -> None:
        """open → fieldwork; every group must have a questionnaire."""
        if self.state is RoundState.OPEN:
            missing = [g for g in self.groups if not self.questionnaires.get(g)]
            if missing:
                raise FieldworkNotReady(f"round {self.id!r}: no questionnaire for {', '.join(missing)}")
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
            raise QuestionnaireLocked(f"round {self.id!r} is closed: its questionnaires cannot change")
        self.check_group(group)
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
        self.check_group(group)
        versions = self.questionnaires.get(group) or []
        if not versions:
            raise NoQuestionnaire(f"round {self.id!r}: no questionnaire for {group}")
        if version is None:
            return versions[-1]
        if not 1 <= version <= len(versions):
            raise NoQuestionnaire(f"round {self.id!r}: {group} has no questionnaire v{version}")
        return versions[version - 1]

    def check_group(self, group: str) -> None:
        """Refuse a group this round does not survey."""
        if group not in self.groups:
            raise UnknownGroup(f"round {self.id!r} does not survey {group!r} (groups: {', '.join(self.groups)})")
