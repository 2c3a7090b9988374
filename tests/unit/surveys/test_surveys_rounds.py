"""Rounds: the open → fieldwork → closed state machine and versioned questionnaires."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.surveys.domain import events
from services.surveys.domain.errors import (
    FieldworkNotReady,
    IllegalTransition,
    InvalidAnswer,
    NoQuestionnaire,
    QuestionnaireInvalid,
    QuestionnaireLocked,
    RoundInvalid,
    UnknownGroup,
)
from services.surveys.domain.model import RESPONDENT_GROUPS
from services.surveys.domain.rounds import AnswerOption, Item, Round, RoundState

pytestmark = pytest.mark.unit

SCORES = {"satisfied": Decimal(100), "basically_satisfied": Decimal(80), "dissatisfied": Decimal(0)}


def options() -> tuple[AnswerOption, ...]:
    return (
        AnswerOption("satisfied", "满意", Decimal(100)),
        AnswerOption("basically_satisfied", "基本满意", Decimal(80)),
        AnswerOption("dissatisfied", "不满意", Decimal(0)),
    )


def items(n: int = 2) -> list[Item]:
    return [Item(f"q{i}", f"问题{i}", options()) for i in range(1, n + 1)]


def ready_round(**kw) -> Round:
    r = Round.open("mid", "bailian-2026", Decimal("0.5"), "H1", **kw)
    for g in r.groups:
        r.publish_questionnaire(g, items())
    return r


def test_the_happy_path_open_fieldwork_closed() -> None:
    r = ready_round()
    assert r.state is RoundState.OPEN and r.allowed_next() == (RoundState.FIELDWORK,)
    r.start_fieldwork()
    assert r.state is RoundState.FIELDWORK
    r.close()
    assert r.state is RoundState.CLOSED and r.allowed_next() == ()
    kinds = [type(e) for e in r.events]
    assert kinds[0] is events.RoundOpened
    assert kinds[-2:] == [events.FieldworkStarted, events.RoundClosed]


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], "close"),  # open -> closed skips fieldwork
        (["start_fieldwork"], "start_fieldwork"),
        (["start_fieldwork", "close"], "close"),
        (["start_fieldwork", "close"], "start_fieldwork"),
    ],
)
def test_illegal_transitions_raise_a_clear_error(path, illegal) -> None:
    r = ready_round()
    for step in path:
        getattr(r, step)()
    before = r.state
    with pytest.raises(IllegalTransition) as caught:
        getattr(r, illegal)()
    assert r.state is before
    assert caught.value.current == before.value
    assert f"round 'mid': cannot go from {before.value}" in str(caught.value)


def test_fieldwork_needs_a_questionnaire_for_every_group() -> None:
    r = Round.open("mid", "p", 1, "H1")
    r.publish_questionnaire("business", items())
    with pytest.raises(FieldworkNotReady, match="npc_deputy, urban_resident, rural_resident"):
        r.start_fieldwork()
    assert r.state is RoundState.OPEN


def test_questionnaires_are_versioned_per_group() -> None:
    r = Round.open("final", "p", Decimal("0.5"), "Y")
    v1 = r.publish_questionnaire("business", items(2))
    v2 = r.publish_questionnaire("business", items(3))
    other = r.publish_questionnaire("npc_deputy", items(1))
    assert (v1.version, v2.version, other.version) == (1, 2, 1)
    assert r.questionnaire("business") is v2
    assert r.questionnaire("business", 1) is v1
    assert len(v1.items) == 2  # publishing v2 did not touch v1
    with pytest.raises(NoQuestionnaire):
        r.questionnaire("business", 3)
    with pytest.raises(NoQuestionnaire):
        r.questionnaire("urban_resident")
    with pytest.raises(UnknownGroup):
        r.publish_questionnaire("farmers", items())


def test_a_closed_rounds_questionnaire_cannot_change() -> None:
    r = ready_round()
    r.start_fieldwork()
    r.publish_questionnaire("business", items(3))  # still allowed in fieldwork, as v2
    r.close()
    with pytest.raises(QuestionnaireLocked):
        r.publish_questionnaire("business", items(1))
    assert [q.version for q in r.questionnaires["business"]] == [1, 2]


def test_option_scores_must_match_the_plans_answer_scores() -> None:
    r = Round.open("mid", "p", 1, "H1", answer_scores=SCORES)
    r.publish_questionnaire("business", items())
    wrong = Item("q1", "问题", (AnswerOption("satisfied", "满意", Decimal(90)),))
    with pytest.raises(QuestionnaireInvalid, match="plan's answer_scores give 100"):
        r.publish_questionnaire("business", [wrong])
    unknown = Item("q1", "问题", (AnswerOption("great", "很好", Decimal(100)),))
    with pytest.raises(QuestionnaireInvalid, match="give None"):
        r.publish_questionnaire("business", [unknown])


@pytest.mark.parametrize(
    "build",
    [
        lambda: AnswerOption("", "x", Decimal(1)),
        lambda: AnswerOption("no_answer", "x", Decimal(0)),
        lambda: AnswerOption("a", "x", 0.5),  # binary float
        lambda: AnswerOption("a", "x", Decimal(101)),
        lambda: Item("q", "t", ()),
        lambda: Item("q", "t", (AnswerOption("a", "x", 1), AnswerOption("a", "y", 2))),
        lambda: Item("", "t", (AnswerOption("a", "x", 1),)),
        lambda: Round.open("mid", "p", 1, "H1").publish_questionnaire("business", []),
        lambda: Round.open("mid", "p", 1, "H1").publish_questionnaire("business", [items(1)[0], items(1)[0]]),
    ],
)
def test_malformed_questionnaires(build) -> None:
    with pytest.raises(QuestionnaireInvalid):
        build()


@pytest.mark.parametrize(
    ("weight", "period"),
    [(0, "H1"), (Decimal(-1), "Y"), (0.5, "Y"), ("abc", "Y"), (1, "2026"), (1, "")],
)
def test_bad_rounds(weight, period) -> None:
    with pytest.raises(RoundInvalid):
        Round.open("mid", "p", weight, period)


def test_answers_are_validated_and_put_in_item_order() -> None:
    q = ready_round().questionnaire("business")
    assert q.answers_in_order({"q2": "dissatisfied", "q1": "satisfied"}) == (
        "satisfied",
        "dissatisfied",
    )
    assert q.answers_in_order({"q1": "no_answer"}) == ("no_answer", None)
    assert q.answers_in_order(["satisfied", None]) == ("satisfied", None)
    with pytest.raises(InvalidAnswer, match="no item"):
        q.answers_in_order({"q9": "satisfied"})
    with pytest.raises(InvalidAnswer, match="not one of its options"):
        q.answers_in_order({"q1": "great"})
    with pytest.raises(InvalidAnswer, match="expected 2 answers"):
        q.answers_in_order(["satisfied"])


def test_default_groups_are_the_four_respondent_groups() -> None:
    assert (
        Round.open("mid", "p", 1, "H1").groups
        == RESPONDENT_GROUPS
        == (
            "npc_deputy",
            "business",
            "urban_resident",
            "rural_resident",
        )
    )
