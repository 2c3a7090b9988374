"""The consumer of jixiao.scores.v1 and jixiao.indicators.v1: envelope → domain event → handler.

Score events settle their (plan, period) once per batch; of the indicators events only
PlanPublished (grade labels) and UnitUpserted (unit names) are read, the others acknowledged.
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.logging import get_logger
from jixiao.messaging.envelope import Envelope, occurred_at, payload_of
from jixiao.messaging.inbox import BrokerLoss
from jixiao.proto.events.v1 import indicators_pb2, inspections_pb2, scores_pb2
from services.reports.adapters.people_repository import SqlAlchemyPeopleReadModel
from services.reports.adapters.sql_read_model import SqlAlchemyReadModel
from services.reports.domain.errors import BadIndicatorEvent, BadScoreEvent
from services.reports.domain.model import (
    GradedScoreReceived,
    PeriodGradedReceived,
    PlanPublishedReceived,
    ProvisionalScoreReceived,
    UnitScore,
    UnitUpsertedReceived,
    VetoReceived,
)
from services.reports.domain.rules import MAX_NAME, decimal_or_none, grades_of_plan, plan_info_of
from services.reports.entrypoints import people_events, resync
from services.reports.service import handlers, people

log = get_logger("reports.consumer")
_TOUCHED = "reports.touched"


# Column sizes of adapters/orm.py: longer values are poison, not a reason to retry forever.
_MAX = {
    "plan_id": 100,
    "period": 20,
    "unit_id": 100,
    "group": 100,
    "status": 20,
    "grade": 100,
    "name": MAX_NAME,
    "snapshot_sha256": 64,
    "objection_ids": 100,
}
_MAX_ABS = Decimal("1e12")


def _short(field: str, value: str, error: type[Exception] = BadScoreEvent) -> str:
    if len(value) > _MAX[field]:
        raise error(f"{field} longer than {_MAX[field]} characters")
    return value


def _number(text: str, what: str) -> Decimal | None:
    value = decimal_or_none(text, what)
    if value is not None and abs(value) >= _MAX_ABS:
        raise BadScoreEvent(f"{what} out of range: {text!r}")
    return value


def unit_score(msg: scores_pb2.UnitScore) -> UnitScore:
    """The domain score of a UnitScore message (decimals travel as strings)."""
    if not msg.unit_id:
        raise BadScoreEvent("score without unit_id")
    for name in ("unit_id", "group", "status", "grade"):
        _short(name, getattr(msg, name))
    components = {}
    for key, text in msg.components.items():
        value = _number(text, f"components.{key}")
        if value is not None:
            components[key] = value
    return UnitScore(
        unit_id=msg.unit_id,
        group=msg.group or "",
        status=msg.status or "final",
        total=_number(msg.total, "total"),
        grade=msg.grade or None,
        rank=msg.rank or None,
        vetoed=msg.vetoed,
        award_eligible=msg.award_eligible,
        components=components,
        survey_se=_number(msg.survey_se, "survey_se"),
        missing=tuple(msg.missing),
    )


def _version(payload, env: Envelope) -> int:
    """The aggregate version of the envelope, else the payload's own (0 = unversioned, oldest)."""
    version = env.aggregate_version or payload.version
    if version < 0:
        raise BadIndicatorEvent(f"{env.type} with version {version}")
    return version


def label_event(
    env: Envelope,
    payload: indicators_pb2.PlanPublished | indicators_pb2.UnitUpserted,
) -> handlers.LabelEvent:
    """The grade labels of a PlanPublished, or the unit name of a UnitUpserted."""
    plan_id = _short("plan_id", payload.plan_id or env.plan_id, BadIndicatorEvent)
    if not plan_id:
        raise BadIndicatorEvent(f"{env.type} without plan_id")
    if isinstance(payload, indicators_pb2.PlanPublished):
        return PlanPublishedReceived(
            plan_id,
            _version(payload, env),
            grades_of_plan(plan_id, payload.plan_json),
            plan_info_of(plan_id, payload.plan_json),
        )
    unit_id = _short("unit_id", payload.unit_id or env.unit_id, BadIndicatorEvent)
    if not unit_id:
        raise BadIndicatorEvent("UnitUpserted without unit_id")
    return UnitUpsertedReceived(
        plan_id, unit_id, _short("name", payload.name.strip(), BadIndicatorEvent), _version(payload, env)
    )


def veto_event(env: Envelope, payload: inspections_pb2.VetoIssued | inspections_pb2.VetoLifted) -> VetoReceived:
    """A veto's category and date (VetoIssued) or its lifting (VetoLifted)."""
    plan_id = _short("plan_id", payload.plan_id or env.plan_id, BadIndicatorEvent)
    unit_id = _short("unit_id", payload.unit_id or env.unit_id, BadIndicatorEvent)
    if not plan_id or not payload.veto_id or len(payload.veto_id) > 100:
        raise BadIndicatorEvent(f"{env.type} without plan_id or with a bad veto_id")
    issued = isinstance(payload, inspections_pb2.VetoIssued)
    category = payload.category if issued else ""
    date = payload.date[:10] if issued else ""
    if len(category) > 100:
        raise BadIndicatorEvent("veto category longer than 100 characters")
    return VetoReceived(plan_id, unit_id, payload.veto_id, category, date, not issued, _version(payload, env))


def to_event(env: Envelope) -> handlers.ReportsEvent | None:
    """The domain event an envelope carries, or None for types this service does not read."""
    payload = payload_of(env)
    if isinstance(payload, inspections_pb2.VetoIssued | inspections_pb2.VetoLifted):
        return veto_event(env, payload)
    if isinstance(payload, indicators_pb2.PlanPublished | indicators_pb2.UnitUpserted):
        return label_event(env, payload)
    if isinstance(payload, scores_pb2.UnitScoreUpdated):
        return ProvisionalScoreReceived(
            payload.plan_id or env.plan_id,
            _period(payload),
            unit_score(payload.score),
            payload.version or env.aggregate_version,
            occurred_at(env),
        )
    if isinstance(payload, scores_pb2.UnitScoreGraded):
        return GradedScoreReceived(
            payload.plan_id or env.plan_id, _period(payload), unit_score(payload.score), payload.snapshot_version
        )
    if isinstance(payload, scores_pb2.PeriodGraded):
        if payload.units < 0:
            raise BadScoreEvent(f"PeriodGraded with {payload.units} units")
        return PeriodGradedReceived(
            payload.plan_id or env.plan_id,
            _period(payload),
            payload.snapshot_version,
            payload.units,
            payload.closed_by,
            occurred_at(env),
            _short("snapshot_sha256", payload.snapshot_sha256),
            tuple(_short("objection_ids", o) for o in payload.objection_ids),
        )
    return None  # TargetSet, results, deductions, PeriodClosed: acknowledged, nothing to show


def _period(payload) -> str:
    if not payload.period:
        raise BadScoreEvent(f"{payload.DESCRIPTOR.name} without period")
    return _short("period", payload.period)


class ReportsEventHandler:
    """The kernel's EventHandler for the reports read model."""

    def __init__(self, zone: ZoneInfo = handlers.SHANGHAI, runtime=None) -> None:
        self.zone = zone
        self.runtime = runtime  # for resync: the database and the snapshot clients

    async def apply(self, session: AsyncSession, env: Envelope) -> None:
        await self.apply_counted(session, env)

    async def apply_counted(self, session: AsyncSession, env: Envelope) -> bool:
        """`apply`, and whether the read model changed (what a resync counts as repaired)."""
        if env.type == people_events.TYPE:  # 评优资格: kept per snapshot, nothing to settle
            await people.apply_person(SqlAlchemyPeopleReadModel(session), people_events.person_eligibility(env))
            return False
        event = to_event(env)
        if event is None:
            return False
        if not event.plan_id:
            raise BadScoreEvent(f"{env.type} without plan_id")
        _short("plan_id", event.plan_id)
        key, changed = await handlers.apply_event_counted(SqlAlchemyReadModel(session), event)
        if key is not None:
            # The batch's session lives exactly as long as its transaction: the right place for this.
            session.info.setdefault(_TOUCHED, set()).add(key)
        return changed

    async def after_batch(self, session: AsyncSession) -> None:
        touched = session.info.pop(_TOUCHED, set())
        repo = SqlAlchemyReadModel(session)
        for plan_id, period in sorted(touched):  # one lock order for every instance
            await handlers.settle(repo, plan_id, period, self.zone)

    async def resync(self, loss: BrokerLoss) -> dict[str, int]:
        """The broker lost events: re-read the plans reports knows from the sources' snapshots
        (indicators, inspections) and from scoring's (provisional and graded scores)."""
        return await resync.resync(self, loss)


def make_handler(runtime) -> ReportsEventHandler:
    settings = runtime.extras.get("reports")
    return ReportsEventHandler(settings.zone if settings else handlers.SHANGHAI, runtime)
