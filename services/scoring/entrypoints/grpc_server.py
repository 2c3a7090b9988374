"""gRPC ScoringService: the same use cases as REST, for services and programmatic clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc

from jixiao.errors import JixiaoError
from jixiao.grpc import Registration, abort_with, caller
from jixiao.proto.events.v1 import scores_pb2
from jixiao.proto.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc
from jixiao.rules.exactjson import dumps
from jixiao.rules.periods import PERIODS
from jixiao.snapshots import ListsOutboxPlans
from services.scoring.adapters.facts import score_message_fields
from services.scoring.service import closing, queries
from services.scoring.service.common import Dependencies
from services.scoring.service.diff import DiffEntry
from services.scoring.service.rescore import rescore
from services.scoring.service.score_snapshot import score_envelopes

if TYPE_CHECKING:
    from jixiao.runtime import Runtime


def _text(value) -> str:
    return "" if value is None else format(value, "f")


def _diff(entries: list[DiffEntry]) -> list[scoring_pb2.DiffEntry]:
    return [
        scoring_pb2.DiffEntry(
            unit_id=d.unit,
            old_total=_text(d.old_total),
            new_total=_text(d.new_total),
            old_grade=d.old_grade or "",
            new_grade=d.new_grade or "",
            why="; ".join(d.why),
        )
        for d in entries
    ]


class ScoringServicer(scoring_pb2_grpc.ScoringServiceServicer):
    """Translates requests to the scoring use cases and our errors to gRPC statuses."""

    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def GetUnitScore(self, request, context):
        try:
            got = await queries.unit_score(self.deps, request.plan_id, request.period or "Y", request.unit_id)
        except JixiaoError as exc:
            await abort_with(context, exc)
        return scoring_pb2.GetUnitScoreResponse(
            score=scores_pb2.UnitScore(**score_message_fields(got["score"])),
            explanation_json=dumps(got["explanation"], indent=None),
        )

    async def ListScores(self, request, context):
        try:
            doc, version = await queries.results_doc(
                self.deps, request.plan_id, request.period or "Y", request.snapshot_version or None
            )
        except JixiaoError as exc:
            await abort_with(context, exc)
        units = [e for e in doc["units"] if not request.group or e["group"] == request.group]
        units.sort(key=lambda e: (e["group"], e.get("rank") is None, e.get("rank") or 0, e["unit"]))
        return scoring_pb2.ListScoresResponse(
            scores=[scores_pb2.UnitScore(**score_message_fields(e)) for e in units],
            snapshot_version=version,
            results_json=dumps(doc, indent=None),
        )

    async def ClosePeriod(self, request, context):
        try:
            report = await closing.close_period(
                self.deps, request.plan_id, request.period or "Y", caller(request.actor or "grpc")
            )
        except JixiaoError as exc:
            await abort_with(context, exc)
        return scoring_pb2.ClosePeriodResponse(
            snapshot_version=report.snapshot_version, units=report.units, diff=_diff(report.diff)
        )

    async def Rescore(self, request, context):
        try:
            report = await rescore(self.deps, request.plan_id, request.period or "Y", caller(request.actor or "grpc"))
        except JixiaoError as exc:
            await abort_with(context, exc)
        return scoring_pb2.RescoreResponse(diff=_diff(report.diff), units=report.units)


class ScoreSnapshotServicer(ListsOutboxPlans, snapshot_pb2_grpc.SnapshotServiceServicer):
    """SnapshotService of jixiao.scores.v1: the plan's current and graded scores as envelopes."""

    source = "scoring"

    def __init__(self, deps: Dependencies, runtime: Runtime | None = None) -> None:
        self.deps = deps
        self.runtime = runtime

    async def StreamSnapshot(self, request, context):
        if request.period and request.period not in PERIODS:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"unknown period {request.period!r}")
        async for env in score_envelopes(self.deps, request.plan_id, request.period):
            yield env

    async def GetPosition(self, request, context):
        position = 0
        if self.runtime is not None and self.runtime.outbox is not None:
            async with self.runtime.db.transaction() as session:
                position = await self.runtime.outbox.position(session, request.plan_id)
        return snapshot_pb2.GetPositionResponse(position=position, source="scoring")


def registrations(deps: Dependencies, runtime: Runtime | None = None) -> list[Registration]:
    return [
        (scoring_pb2_grpc.add_ScoringServiceServicer_to_server, ScoringServicer(deps)),
        (snapshot_pb2_grpc.add_SnapshotServiceServicer_to_server, ScoreSnapshotServicer(deps, runtime)),
    ]


SERVICE_NAMES = [
    scoring_pb2.DESCRIPTOR.services_by_name["ScoringService"].full_name,
    snapshot_pb2.DESCRIPTOR.services_by_name["SnapshotService"].full_name,
]
