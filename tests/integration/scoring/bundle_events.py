"""Test helper: the events the three sources would publish for a jixiao.bundle/v1 document."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jixiao.messaging.envelope import Envelope, make_envelope
from jixiao.messaging.topics import TOPIC_OF_SERVICE
from jixiao.proto.events.v1 import indicators_pb2, inspections_pb2, surveys_pb2
from jixiao.rules import exactjson
from jixiao.rules.bundle import load_bundle
from jixiao.rules.exactjson import dumps
from jixiao.rules.survey import round_score, stratum_weights
from jixiao.samples import BAILIAN_BUNDLE

EXAMPLES = Path(__file__).resolve().parents[2] / "data"  # the project's own copy of shared/examples
BUNDLE = BAILIAN_BUNDLE
GOLDEN = EXAMPLES / "bailian-2026.results.json"


def _text(value) -> str:
    return format(Decimal(value), "f") if not isinstance(value, str) else value


def bundle_events(doc: dict, plan_id: str | None = None) -> dict[str, list[Envelope]]:
    """Envelopes by source (indicators, surveys, inspections), in the order the sources publish them.

    Surveys publish round scores computed by the domain's `round_score` (as the surveys service does);
    only confirmed results are published (a later confirmation is a new version of the result id).
    """
    plan_id = plan_id or doc["plan"]["id"]
    plan_doc = {**doc["plan"], "id": plan_id}
    out: dict[str, list[Envelope]] = defaultdict(list)

    def emit(source: str, payload, unit: str = "", aggregate: str = "", version: int = 1) -> None:
        out[source].append(
            make_envelope(
                source=source,
                payload=payload,
                plan_id=plan_id,
                unit_id=unit,
                aggregate_id=aggregate,
                version=version,
                trace_id="test",
            )
        )

    emit(
        "indicators",
        indicators_pb2.PlanPublished(
            plan_id=plan_id,
            year=int(plan_doc["year"]),
            version=1,
            plan_json=dumps({"plan": plan_doc, "indicators": doc["indicators"]}, indent=None),
        ),
        aggregate=plan_id,
    )
    for u in doc["units"]:
        emit(
            "indicators",
            indicators_pb2.UnitUpserted(
                plan_id=plan_id,
                unit_id=u["id"],
                name=u["name"],
                kind=u["kind"],
                group=u.get("group") or "",
                parent=u.get("parent") or "",
                version=1,
            ),
            u["id"],
            u["id"],
        )
    for t in doc.get("targets", []):
        emit(
            "indicators",
            indicators_pb2.TargetSet(
                plan_id=plan_id, unit_id=t["unit"], indicator_id=t["indicator"], target=_text(t["target"]), version=1
            ),
            t["unit"],
            f"{t['unit']}:{t['indicator']}",
        )
    versions: dict[str, int] = defaultdict(int)
    for r in doc.get("results", []):
        if not r["confirmed"]:
            continue
        rid = f"{r['unit']}:{r['indicator']}#{r.get('part') or ''}@{r['period']}"
        versions[rid] += 1
        value = {}
        for name in ("actual", "points"):
            if name in r:
                value[name] = _text(r[name])
        if "rating" in r:
            value["rating"] = r["rating"]
        if "done" in r:
            value["done"] = bool(r["done"])
        emit(
            "indicators",
            indicators_pb2.IndicatorResultConfirmed(
                plan_id=plan_id,
                unit_id=r["unit"],
                indicator_id=r["indicator"],
                part=r.get("part") or "",
                period=r["period"],
                result_id=rid,
                version=versions[rid],
                confirmed=True,
                confirmed_by="assessor",
                **value,
            ),
            r["unit"],
            rid,
            versions[rid],
        )
    _survey_events(doc, plan_id, emit)
    _inspection_events(doc, plan_id, emit)
    return dict(out)


def _survey_events(doc: dict, plan_id: str, emit) -> None:
    bundle = load_bundle(dumps(doc, indent=None))
    survey = bundle.plan.survey
    for unit in bundle.units:
        facts = bundle.facts.get(unit.id)
        if facts is None:
            continue
        weights = stratum_weights(survey, facts.stratum_weights)
        for rnd in survey.rounds:
            external = facts.round_scores.get(rnd.id)
            if external is not None and external.external:  # supplied from outside: wins over responses
                emit(
                    "surveys",
                    surveys_pb2.SurveyScoreUpdated(
                        plan_id=plan_id,
                        unit_id=unit.id,
                        round_id=rnd.id,
                        version=1,
                        score=format(external.score, "f"),
                        external=True,
                        source=external.source or "",
                        document=external.document or "",
                    ),
                    unit.id,
                    f"{unit.id}:{rnd.id}",
                )
                continue
            rs = round_score(rnd.id, facts.responses, weights, survey.answer_scores)
            if rs is None:
                continue
            emit(
                "surveys",
                surveys_pb2.SurveyScoreUpdated(
                    plan_id=plan_id,
                    unit_id=unit.id,
                    round_id=rnd.id,
                    version=1,
                    score=format(rs.score, "f"),
                    se=format(rs.se, "f"),
                    strata=[
                        surveys_pb2.StratumScore(
                            stratum=s.stratum,
                            n=s.n,
                            mean=format(s.mean, "f"),
                            sd=format(s.sd, "f"),
                            weight=format(s.weight, "f"),
                        )
                        for s in rs.strata
                    ],
                    responses=sum(s.n for s in rs.strata),
                ),
                unit.id,
                f"{unit.id}:{rnd.id}",
            )


def _inspection_events(doc: dict, plan_id: str, emit) -> None:
    versions: dict[str, int] = defaultdict(int)
    state: dict[str, bool] = {}
    for d in doc.get("deductions", []):
        did = d["id"]
        if did not in state or not d["revoked"]:
            versions[did] += 1
            emit(
                "inspections",
                inspections_pb2.DeductionRecorded(
                    plan_id=plan_id,
                    unit_id=d["unit"],
                    deduction_id=did,
                    kind=d["kind"],
                    points=_text(d["points"]),
                    date=d["date"],
                    aspect=d.get("aspect") or "",
                    version=versions[did],
                ),
                d["unit"],
                did,
                versions[did],
            )
            state[did] = False
        if d["revoked"] and not state[did]:
            versions[did] += 1
            emit(
                "inspections",
                inspections_pb2.DeductionRevoked(
                    plan_id=plan_id, unit_id=d["unit"], deduction_id=did, reason="appeal upheld", version=versions[did]
                ),
                d["unit"],
                did,
                versions[did],
            )
            state[did] = True
    for v in doc.get("vetoes", []):
        emit(
            "inspections",
            inspections_pb2.VetoIssued(
                plan_id=plan_id, unit_id=v["unit"], veto_id=v["id"], category=v["category"], date=v["date"], version=1
            ),
            v["unit"],
            v["id"],
        )


def load_doc(path: Path = BUNDLE) -> dict:
    return exactjson.loads(path.read_bytes())


def golden_units(path: Path = GOLDEN) -> list[dict]:
    return exactjson.loads(path.read_bytes())["units"]


@dataclass
class Record:
    """Just enough of aiokafka's ConsumerRecord for BatchApplier."""

    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes


def records(envelopes: Iterable[Envelope]) -> list[Record]:
    return [
        Record(
            TOPIC_OF_SERVICE[e.source], 0, i, (e.unit_id or e.plan_id).encode(), e.SerializeToString(deterministic=True)
        )
        for i, e in enumerate(envelopes)
    ]


def all_events(events: dict[str, list[Envelope]]) -> list[Envelope]:
    return [e for source in ("indicators", "surveys", "inspections") for e in events.get(source, [])]
