"""Fieldwork: assignment, interviews, the one-completed-response rule, replacements, rates."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from services.surveys.adapters.frames_io import load_frame
from services.surveys.domain import events
from services.surveys.domain.errors import (
    AlreadyCompleted,
    AssignmentError,
    DuplicateInterview,
    InvalidAnswer,
    InvalidInterview,
    NotInSample,
    ReplacementExhausted,
    RespondentAlreadyReplaced,
    RoundClosed,
    RoundNotInFieldwork,
    UnknownGroup,
)
from services.surveys.domain.fieldwork import Fieldwork
from services.surveys.domain.model import Outcome, RespondentStatus
from services.surveys.domain.rounds import AnswerOption, Item, Round
from services.surveys.domain.sampling import draw_sample

pytestmark = pytest.mark.unit

SIZES = {"business": 20, "npc_deputy": 6, "rural_resident": 40, "urban_resident": 34}


def make_round() -> Round:
    r = Round.open("mid", "bailian-2026", Decimal("0.5"), "H1")
    opts = (
        AnswerOption("satisfied", "满意", Decimal(100)),
        AnswerOption("basically_satisfied", "基本满意", Decimal(80)),
        AnswerOption("dissatisfied", "不满意", Decimal(0)),
    )
    for g in r.groups:
        r.publish_questionnaire(g, [Item("q1", "总体满意度", opts), Item("q2", "办事效率", opts)])
    return r


@pytest.fixture
def setup(make_keys):
    r = make_round()
    sample = draw_sample(make_keys(SIZES), 20, seed=2026)
    fw = Fieldwork.start(r, "v01", sample)
    r.start_fieldwork()
    return r, fw


def record(fw: Fieldwork, r: Round, rid: str, outcome: str = "completed", **kw):
    kw.setdefault("interview_id", f"i-{rid}-{len(fw.interviews)}")
    kw.setdefault("interviewer", "ivr-a")
    kw.setdefault("mode", "phone")
    if outcome == "completed":
        kw.setdefault("answers", {"q1": "satisfied", "q2": "dissatisfied"})
    return fw.record_interview(r, respondent_id=rid, outcome=outcome, **kw)


def test_start_takes_the_sample_and_announces_it(setup) -> None:
    r, fw = setup
    # 20·N_h/100: 4, 1.2, 8, 6.8 -> 4, 1, 8, 7
    assert fw.sample.allocated() == {
        "business": 4,
        "npc_deputy": 1,
        "rural_resident": 8,
        "urban_resident": 7,
    }
    assert len(fw.respondents) == 20
    drawn = [e for e in fw.events if isinstance(e, events.SampleDrawn)]
    assert drawn and drawn[0].seed == 2026 and drawn[0].frame_sha256 == fw.sample.frame_sha256


def test_no_sample_for_a_closed_round_or_unknown_group(make_keys) -> None:
    r = make_round()
    r.start_fieldwork()
    r.close()
    with pytest.raises(RoundClosed):
        Fieldwork.start(r, "v01", draw_sample(make_keys(SIZES), 20, seed=1))
    with pytest.raises(UnknownGroup):
        Fieldwork.start(make_round(), "v01", draw_sample(make_keys({"farmers": 5}), 2, seed=1))


def test_round_robin_assignment_is_deterministic_and_even(setup, make_keys) -> None:
    r, fw = setup
    done = fw.assign(["chen", "an", "bo"])
    assert len(done) == 20
    assert sorted(Counter(done.values()).values()) == [6, 7, 7]
    ordered = sorted(fw.respondents.values(), key=lambda x: (x.stratum, x.position))
    assert [x.interviewer for x in ordered[:4]] == ["an", "bo", "chen", "an"]
    twin = Fieldwork.start(make_round(), "v01", draw_sample(make_keys(SIZES), 20, seed=2026))
    assert twin.assign(["bo", "an", "chen"]) == done  # input order of names does not matter
    assert fw.assign(["an"]) == {}  # nobody left unassigned


def test_balanced_assignment_balances_each_stratum(setup) -> None:
    r, fw = setup
    done = fw.assign(["an", "bo", "chen"], strategy="balanced")
    per = Counter((fw.respondents[rid].stratum, who) for rid, who in done.items())
    for h, n in fw.sample.allocated().items():
        loads = [per[(h, who)] for who in ("an", "bo", "chen")]
        assert max(loads) - min(loads) <= 1 and sum(loads) == n
    totals = Counter(done.values())
    assert max(totals.values()) - min(totals.values()) <= 1
    with pytest.raises(AssignmentError):
        fw.assign([])
    with pytest.raises(AssignmentError):
        fw.assign(["an"], strategy="random")


def test_one_completed_response_per_respondent(setup) -> None:
    r, fw = setup
    rid = fw.sample.strata["business"].sampled[0]
    first = record(fw, r, rid)
    assert first.answers == ("satisfied", "dissatisfied") and first.questionnaire_version == 1
    with pytest.raises(AlreadyCompleted):
        record(fw, r, rid, interview_id="again")
    with pytest.raises(AlreadyCompleted):
        record(fw, r, rid, "unreachable", interview_id="later")
    assert [i.id for i in fw.interviews] == [first.id]
    (response,) = fw.responses()
    assert (response.id, response.unit_id, response.round_id, response.stratum) == (
        first.id,
        "v01",
        "mid",
        "business",
    )
    completed = [e for e in fw.events if isinstance(e, events.ResponseCompleted)]
    assert len(completed) == 1 and completed[0].answers == ("satisfied", "dissatisfied")


def test_retries_after_unreachable_or_refused_are_allowed(setup) -> None:
    r, fw = setup
    rid = fw.sample.strata["urban_resident"].sampled[0]
    record(fw, r, rid, "unreachable")
    assert fw.respondents[rid].status is RespondentStatus.UNREACHABLE
    record(fw, r, rid, "completed", mode="face")
    assert fw.respondents[rid].status is RespondentStatus.COMPLETED


def test_interviews_only_during_fieldwork(make_keys) -> None:
    r = make_round()
    fw = Fieldwork.start(r, "v01", draw_sample(make_keys(SIZES), 20, seed=1))
    rid = next(iter(fw.respondents))
    with pytest.raises(RoundNotInFieldwork, match="is open"):
        record(fw, r, rid)
    r.start_fieldwork()
    r.close()
    with pytest.raises(RoundNotInFieldwork, match="is closed"):
        record(fw, r, rid)
    assert fw.interviews == []


def test_malformed_interviews_are_refused(setup) -> None:
    r, fw = setup
    rid = fw.sample.strata["rural_resident"].sampled[0]
    with pytest.raises(NotInSample):
        record(fw, r, "stranger")
    with pytest.raises(InvalidInterview, match="mode"):
        record(fw, r, rid, mode="email")
    with pytest.raises(InvalidInterview, match="outcome"):
        record(fw, r, rid, "maybe")
    with pytest.raises(InvalidInterview, match="needs its answers"):
        record(fw, r, rid, answers=None)
    with pytest.raises(InvalidAnswer):
        record(fw, r, rid, answers={"q1": "great"})
    with pytest.raises(InvalidInterview, match="carries no answers"):
        record(fw, r, rid, "refused", answers={"q1": "satisfied"})
    with pytest.raises(InvalidInterview, match="interviewer"):
        record(fw, r, rid, interviewer=" ")
    record(fw, r, rid, "refused", interview_id="x1")
    with pytest.raises(DuplicateInterview):
        record(fw, r, rid, interview_id="x1")
    assert [i.id for i in fw.interviews] == ["x1"]


def test_replacement_comes_from_the_same_stratum_in_draw_order(setup) -> None:
    r, fw = setup
    fw.assign(["an", "bo"])
    draw = fw.sample.strata["business"]
    gone = draw.sampled[1]
    interview = record(fw, r, gone, "replaced", interviewer="bo")
    new_id = interview.replacement_id
    assert new_id == fw.sample.replacement("business", 1) == draw.order[draw.allocated]
    new = fw.respondents[new_id]
    assert (new.stratum, new.draw_number, new.replaces) == ("business", 1, gone)
    assert new.interviewer == fw.respondents[gone].interviewer  # the quota stays with them
    assert fw.respondents[gone].status is RespondentStatus.REPLACED
    assert fw.respondents[gone].replaced_by == new_id
    with pytest.raises(RespondentAlreadyReplaced):
        record(fw, r, gone)
    replaced = [e for e in fw.events if isinstance(e, events.RespondentReplaced)]
    assert [(e.respondent_id, e.replacement_id, e.draw_number) for e in replaced] == [(gone, new_id, 1)]


def test_replacements_never_repeat_and_run_out_cleanly(setup) -> None:
    r, fw = setup
    draw = fw.sample.strata["npc_deputy"]  # 6 members, 1 sampled -> 5 replacements
    current = draw.sampled[0]
    seen = [current]
    for _ in range(5):
        current = record(fw, r, current, "replaced").replacement_id
        assert current not in seen
        seen.append(current)
    assert seen == list(draw.order)
    before = (len(fw.interviews), dict(fw.respondents))
    with pytest.raises(ReplacementExhausted):
        record(fw, r, current, "replaced")
    assert (len(fw.interviews), dict(fw.respondents)) == before  # nothing recorded
    record(fw, r, current, "completed")


def test_response_rate_per_stratum(setup) -> None:
    r, fw = setup
    b = fw.sample.strata["business"].sampled  # 4
    record(fw, r, b[0])
    record(fw, r, b[1])
    record(fw, r, b[2], "refused")
    replacement = record(fw, r, b[3], "replaced").replacement_id
    record(fw, r, replacement)
    u = fw.sample.strata["urban_resident"].sampled  # 7
    record(fw, r, u[0], "unreachable")
    progress = fw.progress()
    pb = progress["business"]
    counts = (pb.allocated, pb.issued, pb.completed, pb.refused, pb.replaced, pb.pending)
    assert counts == (4, 5, 3, 1, 1, 0)
    assert pb.response_rate == Decimal("0.6000")  # 3 of 5 issued
    assert pb.quota_fill == Decimal("0.7500")  # 3 of 4 allocated
    pu = progress["urban_resident"]
    assert (pu.unreachable, pu.pending, pu.response_rate) == (1, 6, Decimal("0.0000"))
    assert progress["npc_deputy"].response_rate == Decimal("0.0000")
    assert set(progress) == set(SIZES)


def test_events_carry_no_personal_data(frame_csv, person_rows, make_keys) -> None:
    keys = make_keys(SIZES)
    rows = person_rows(keys)
    frame = load_frame(frame_csv(rows), "v01.csv")
    r = make_round()
    fw = Fieldwork.start(r, "v01", draw_sample(frame.keys(), 20, seed=9))
    r.start_fieldwork()
    fw.assign(["an", "bo"])
    ids = list(fw.respondents)
    record(fw, r, ids[0])
    record(fw, r, ids[1], "replaced")
    record(fw, r, ids[2], "refused")
    text = repr(r.events + fw.events) + repr(fw.responses()) + repr(list(fw.respondents.values()))
    assert ids[0] in text
    for _, _, name, phone, address in rows:
        assert name not in text and phone not in text and address not in text


def test_rehydrated_fieldwork_continues_the_replacement_sequence(setup) -> None:
    r, fw = setup
    first = record(fw, r, fw.sample.strata["business"].sampled[0], "replaced").replacement_id
    copy = Fieldwork(fw.round_id, fw.unit_id, fw.sample, fw.respondents.values(), fw.interviews)
    second = record(copy, r, fw.sample.strata["business"].sampled[1], "replaced").replacement_id
    assert second == fw.sample.replacement("business", 2) != first
    with pytest.raises(DuplicateInterview):
        copy.record_interview(
            r,
            interview_id=fw.interviews[0].id,
            respondent_id=first,
            interviewer="a",
            mode="phone",
            outcome=Outcome.REFUSED,
        )
