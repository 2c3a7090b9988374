"""The consumer of jixiao.scores.v1: envelope → domain event → handler, settled once per batch."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.logging import get_logger
from jixiao.messaging.envelope import Envelope, occurred_at, payload_of
from jixiao.proto.events.v1 import scores_pb2
from services.reports.adapters.repository import SqlAlchemyReadModel
from services.reports.domain.errors import BadScoreEvent
from services.reports.domain.model import (
    GradedScoreReceived,
    PeriodGradedReceived,
    ProvisionalScoreReceived,
    UnitScore,
)
from services.reports.domain.rules import decimal_or_none
from services.reports.service import handlers

log = get_logger("reports.consumer")
_TOUCHED = "reports.touched"


# Column sizes of adapters/orm.py: longer values are poison, not a reason to retry forever.
_MAX = {"plan_id": 100, "period": 20, "unit_id": 100, "group": 100, "status": 20, "grade": 100}
_MAX_ABS = Decimal("1e12")


def _short(field: str, value: str) -> str:
    if len(value) > _MAX[field]:
        raise BadScoreEvent(f"{field} longer than {_MAX[field]} characters")
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
        unit_id=msg.unit_id, group=msg.group or "", status=msg.status or "final",
        total=_number(msg.total, "total"), grade=msg.grade or None, rank=msg.rank or None,
        vetoed=msg.vetoed, award_eligible=msg.award_eligible, components=components,
        survey_se=_number(msg.survey_se, "survey_se"), missing=tuple(msg.missing))


def to_event(env: Envelope) -> handlers.ScoreEvent | None:
    """The domain event an envelope carries, or None for types this service does not read."""
    payload = payload_of(env)
    if isinstance(payload, scores_pb2.UnitScoreUpdated):
        return ProvisionalScoreReceived(payload.plan_id or env.plan_id, _period(payload),
                                        unit_score(payload.score), payload.version or env.aggregate_version,
                                        occurred_at(env))
    if isinstance(payload, scores_pb2.UnitScoreGraded):
        return GradedScoreReceived(payload.plan_id or env.plan_id, _period(payload),
                                   unit_score(payload.score), payload.snapshot_version)
    if isinstance(payload, scores_pb2.PeriodGraded):
        if payload.units < 0:
            raise BadScoreEvent(f"PeriodGraded with {payload.units} units")
        return PeriodGradedReceived(payload.plan_id or env.plan_id, _period(payload),
                                    payload.snapshot_version, payload.units, payload.closed_by,
                                    occurred_at(env))
    return None


def _period(payload) -> str:
    if not payload.period:
        raise BadScoreEvent(f"{payload.DESCRIPTOR.name} without period")
    return _short("period", payload.period)


class ReportsEventHandler:
    """The kernel's EventHandler for the reports read model."""

    async def apply(self, session: AsyncSession, env: Envelope) -> None:
        event = to_event(env)
        if event is None:
            return
        if not event.plan_id:
            raise BadScoreEvent(f"{env.type} without plan_id")
        _short("plan_id", event.plan_id)
        key = await handlers.apply_event(SqlAlchemyReadModel(session), event)
        # The batch's session lives exactly as long as its transaction: the right place for this.
        session.info.setdefault(_TOUCHED, set()).add(key)

    async def after_batch(self, session: AsyncSession) -> None:
        touched = session.info.pop(_TOUCHED, set())
        repo = SqlAlchemyReadModel(session)
        for plan_id, period in sorted(touched):       # one lock order for every instance
            await handlers.settle(repo, plan_id, period)


def make_handler(_runtime) -> ReportsEventHandler:
    return ReportsEventHandler()
