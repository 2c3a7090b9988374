"""Use cases of the reports service: apply score and label events, settle snapshots, answer queries."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from services.reports.adapters.repository import AbstractReadModel
from services.reports.domain import notice as notice_rules
from services.reports.domain import rules
from services.reports.domain.errors import (
    InvalidObjection,
    NoticePeriodOver,
    NoticeUnknown,
    ObjectionUnknown,
    PeriodNotGraded,
    PeriodUnknown,
    SnapshotUnknown,
    UnitUnknown,
)
from services.reports.domain.model import (
    GradedScoreReceived,
    Notice,
    Objection,
    PeriodGradedReceived,
    PeriodState,
    PlanLabels,
    PlanPublishedReceived,
    ProvisionalScoreReceived,
    RankingView,
    ScoreCard,
    Snapshot,
    UnitScore,
    UnitUpsertedReceived,
    VetoReceived,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_OBJECTION = 2000
ScoreEvent = ProvisionalScoreReceived | GradedScoreReceived | PeriodGradedReceived
LabelEvent = PlanPublishedReceived | UnitUpsertedReceived | VetoReceived
ReportsEvent = ScoreEvent | LabelEvent


class UnitOfWork(Protocol):
    """What the query and command handlers need (SqlAlchemyReportsUnitOfWork, or a fake in tests)."""

    reports: AbstractReadModel

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc) -> None: ...

    async def commit(self) -> None: ...


# -- events (inside the consumer's batch transaction) -----------------------------------------


async def apply_event(repo: AbstractReadModel, event: ReportsEvent) -> tuple[str, str] | None:
    """Store one event; returns the (plan, period) to settle at the end of the batch, if any.

    Label events (from jixiao.indicators.v1) keep the latest version per plan and per unit, so a
    late, older one never replaces a newer name; they touch no period.
    """
    return (await apply_event_counted(repo, event))[0]


async def apply_event_counted(repo: AbstractReadModel, event: ReportsEvent) -> tuple[tuple[str, str] | None, bool]:
    """`apply_event`, and whether the read model changed (a resync counts what it repaired)."""
    if isinstance(event, PlanPublishedReceived):
        return None, bool(await repo.save_plan_grades(event))
    if isinstance(event, UnitUpsertedReceived):
        return None, bool(await repo.save_unit_name(event))
    if isinstance(event, VetoReceived):
        return None, bool(await repo.save_veto(event))
    if isinstance(event, ProvisionalScoreReceived):
        changed = await repo.save_provisional(event)
    elif isinstance(event, GradedScoreReceived):
        changed = await repo.add_graded(event)
    else:
        changed = await repo.add_period_graded(event)
    return (event.plan_id, event.period), bool(changed)


async def settle(repo: AbstractReadModel, plan_id: str, period: str, zone: ZoneInfo = SHANGHAI) -> PeriodState:
    """Show the newest complete snapshot if it is newer than the one shown; drop dead ones; freeze
    the new snapshot's public notice (公示) with the names and labels known at that moment.

    Called once per touched period after a batch, with the period row locked, so concurrent
    consumers (one per partition set) cannot both miss the moment a snapshot becomes complete.
    """
    state = await repo.lock_period(plan_id, period)
    snapshots = await repo.snapshots(plan_id, period)
    newer = rules.snapshot_to_show(state.current_snapshot, snapshots)
    current = state.current_snapshot
    if newer is not None:
        await repo.show_snapshot(plan_id, period, newer)
        current = newer.version
        await freeze_notice(repo, plan_id, period, newer, zone)
    if current is not None:
        await repo.drop_snapshots(plan_id, period, rules.obsolete_snapshots(current, snapshots))
    return state


# -- queries ----------------------------------------------------------------------------------


async def _shown_scores(
    repo: AbstractReadModel, plan_id: str, period: str, snapshot: int | None, require_graded: bool
) -> tuple[list[UnitScore], Snapshot | None]:
    """The scores of a complete graded snapshot (the shown one by default), else the provisional ones."""
    state = await repo.period(plan_id, period)
    if state is None:
        raise PeriodUnknown(f"no scores for plan {plan_id!r}, period {period!r}")
    version = snapshot if snapshot is not None else state.current_snapshot
    if version is None:
        if require_graded:
            raise PeriodNotGraded(f"plan {plan_id!r}, period {period!r} has no graded snapshot yet")
        return await repo.provisional_scores(plan_id, period), None
    snap = next((s for s in await repo.snapshots(plan_id, period) if s.version == version and s.complete), None)
    if snap is None:
        raise SnapshotUnknown(f"snapshot {version} of plan {plan_id!r}, period {period!r} is not available")
    return await repo.graded_scores(plan_id, period, version), snap


async def _labels(repo: AbstractReadModel, plan_id: str) -> PlanLabels:
    return rules.labels_in_effect(plan_id, await repo.learned_labels(plan_id), await repo.labels(plan_id))


async def _veto_categories(repo: AbstractReadModel, plan_id: str) -> dict[str, list[str]]:
    """unit → categories of its vetoes still in force (the mark beside a vetoed unit's rank)."""
    result: dict[str, list[str]] = {}
    for v in await repo.vetoes(plan_id):
        if not v.lifted and v.category not in result.get(v.unit_id, []):
            result.setdefault(v.unit_id, []).append(v.category)
    return result


async def _view(
    repo: AbstractReadModel,
    plan_id: str,
    period: str,
    *,
    group: str | None = None,
    snapshot: int | None = None,
    require_graded: bool = False,
):
    scores, snap = await _shown_scores(repo, plan_id, period, snapshot, require_graded)
    labels = await _labels(repo, plan_id)
    view = rules.build_view(
        plan_id,
        period,
        scores,
        provisional=snap is None,
        labels=labels,
        snapshot=snap,
        group=group,
        vetoes=await _veto_categories(repo, plan_id),
    )
    return view, scores


async def ranking_view(
    uow: UnitOfWork,
    plan_id: str,
    period: str,
    *,
    group: str | None = None,
    snapshot: int | None = None,
    require_graded: bool = False,
) -> RankingView:
    """The graded ranking if a complete snapshot exists, else the provisional one."""
    async with uow:
        view, _scores = await _view(
            uow.reports, plan_id, period, group=group, snapshot=snapshot, require_graded=require_graded
        )
    return view


@dataclass(frozen=True)
class Dashboard:
    """The dashboard of a (plan, period): its ranking, the movers since the previous snapshot, the notices."""

    view: RankingView
    movers: list = field(default_factory=list)
    previous_snapshot: int | None = None
    notices: list[int] = field(default_factory=list)


async def dashboard(uow: UnitOfWork, plan_id: str, period: str, *, group: str | None = None) -> Dashboard:
    """The ranking, and the units whose total moved most since the previous complete snapshot."""
    async with uow:
        view, _scores = await _view(uow.reports, plan_id, period, group=group)
        previous = None
        moved: list = []
        if view.snapshot_version is not None:
            older = [
                s
                for s in await uow.reports.snapshots(plan_id, period)
                if s.complete and s.version < view.snapshot_version
            ]
            if older:
                previous = older[-1].version
                moved = rules.movers(view, await uow.reports.graded_scores(plan_id, period, previous))
        notices = await uow.reports.notice_versions(plan_id, period)
    return Dashboard(view, moved, previous, notices)


# -- the public notice (公示) and objections (异议) --------------------------------------------------


async def freeze_notice(
    repo: AbstractReadModel, plan_id: str, period: str, snap: Snapshot, zone: ZoneInfo = SHANGHAI
) -> Notice:
    """The notice of a complete snapshot: stored once, from then on read back byte for byte."""
    stored = await repo.notice(plan_id, period, snap.version)
    if stored is not None:
        return stored
    scores = await repo.graded_scores(plan_id, period, snap.version)
    view = rules.build_view(
        plan_id,
        period,
        scores,
        provisional=False,
        labels=await _labels(repo, plan_id),
        snapshot=snap,
        vetoes=await _veto_categories(repo, plan_id),
    )
    published_at = snap.graded_at or datetime.now(UTC)
    followed = []
    for oid in snap.objection_ids:  # the objections the re-score that made this version followed
        o = await repo.objection(oid)
        followed.append({"id": oid, "version": o.snapshot_version if o else None, "unit": o.unit_id if o else None})
    content = notice_rules.notice_content(view, scores, published_at.astimezone(zone).date(), snap.sha256, followed)
    notice = Notice(
        plan_id,
        period,
        snap.version,
        notice_rules.canonical_json(content),
        content["sha256"],
        published_at,
        content["ends_on"],
    )
    await repo.save_notice(notice)
    await repo.add_audit(  # the notice is out: its hash and the end of its notice period are on record
        snap.closed_by or "scoring",
        "notice.published",
        plan_id,
        f"{plan_id}/{period}/v{snap.version}",
        {"period": period, "snapshot_version": snap.version, "sha256": notice.sha256, "ends_on": notice.ends_on},
    )
    return await repo.notice(plan_id, period, snap.version) or notice


async def _notice(repo: AbstractReadModel, plan_id: str, period: str, version: int | None, zone: ZoneInfo) -> Notice:
    state = await repo.period(plan_id, period)
    if state is None:
        raise PeriodUnknown(f"no scores for plan {plan_id!r}, period {period!r}")
    version = version if version is not None else state.current_snapshot
    if version is None:
        raise PeriodNotGraded(f"plan {plan_id!r}, period {period!r} has no graded snapshot yet")
    stored = await repo.notice(plan_id, period, version)
    if stored is not None:
        return stored
    snap = next((s for s in await repo.snapshots(plan_id, period) if s.version == version and s.complete), None)
    if snap is None:
        raise NoticeUnknown(f"snapshot {version} of plan {plan_id!r}, period {period!r} has no notice")
    return await freeze_notice(repo, plan_id, period, snap, zone)


async def rescored_in(uow: UnitOfWork, plan_id: str, period: str) -> dict[str, int]:
    """Objection id → the snapshot version whose re-score followed it (scoring's PeriodGraded.objection_ids)."""
    async with uow:
        snaps = await uow.reports.snapshots(plan_id, period)
    return {oid: s.version for s in snaps if s.complete for oid in s.objection_ids}


async def objections_before(uow: UnitOfWork, found: Notice) -> list[Objection]:
    """Objections against the period's earlier notices: the correction that made this version followed them."""
    async with uow:
        earlier = [
            v for v in await uow.reports.notice_versions(found.plan_id, found.period) if v < found.snapshot_version
        ]
        result = []
        for v in earlier:
            result += await uow.reports.objections(found.plan_id, found.period, v)
    return result


async def notice(
    uow: UnitOfWork, plan_id: str, period: str, version: int | None = None, *, zone: ZoneInfo = SHANGHAI
) -> tuple[Notice, list[Objection]]:
    """A snapshot's notice (the latest graded one by default) and the objections filed against it."""
    async with uow:
        found = await _notice(uow.reports, plan_id, period, version, zone)
        objections = await uow.reports.objections(plan_id, period, found.snapshot_version)
        await uow.commit()  # a notice frozen here (a snapshot from before migration 0004) stays
    return found, objections


def notice_open(found: Notice, now: datetime, zone: ZoneInfo) -> bool:
    """Objections are taken until the end of the notice period's last day, county time."""
    return now.astimezone(zone).date().isoformat() <= found.ends_on


async def file_objection(
    uow: UnitOfWork,
    plan_id: str,
    period: str,
    version: int,
    unit_id: str,
    text: str,
    actor: str,
    *,
    now: datetime | None = None,
    zone: ZoneInfo = SHANGHAI,
) -> Objection:
    """Anyone signed in may object to a unit's result within the notice period; audited."""
    text = text.strip()
    if not text or len(text) > MAX_OBJECTION:
        raise InvalidObjection(f"an objection needs 1-{MAX_OBJECTION} characters of text")
    now = now or datetime.now(UTC)
    async with uow:
        found = await _notice(uow.reports, plan_id, period, version, zone)
        units = {row["unit"] for g in json.loads(found.content)["groups"] for row in g["rows"]}
        if unit_id not in units:
            raise UnitUnknown(f"unit {unit_id!r} is not on the notice of snapshot {version}")
        if not notice_open(found, now, zone):
            raise NoticePeriodOver(f"the notice period ended on {found.ends_on}: objections are closed")
        objection = Objection(str(uuid.uuid4()), plan_id, period, version, unit_id, text, actor, now)
        await uow.reports.add_objection(objection)
        await uow.reports.add_audit(
            actor,
            "objection.filed",
            plan_id,
            objection.id,
            {"period": period, "snapshot_version": version, "unit": unit_id, "text": text},
        )
        await uow.commit()
    return objection


async def answer_objection(
    uow: UnitOfWork, objection_id: str, answer: str, actor: str, *, now: datetime | None = None
) -> Objection:
    """The office answers an objection (a later answer replaces an earlier one; both are audited)."""
    answer = answer.strip()
    if not answer or len(answer) > MAX_OBJECTION:
        raise InvalidObjection(f"an answer needs 1-{MAX_OBJECTION} characters of text")
    async with uow:
        found = await uow.reports.objection(objection_id, lock=True)
        if found is None:
            raise ObjectionUnknown(f"no objection {objection_id!r}")
        answered = replace(found, answer=answer, answered_by=actor, answered_at=now or datetime.now(UTC))
        await uow.reports.save_answer(answered)
        await uow.reports.add_audit(
            actor,
            "objection.answered",
            found.plan_id,
            objection_id,
            {
                "period": found.period,
                "snapshot_version": found.snapshot_version,
                "unit": found.unit_id,
                "answer": answer,
                "previous_answer": found.answer,
            },
        )
        await uow.commit()
    return answered


async def score_card(
    uow: UnitOfWork, plan_id: str, period: str, unit_id: str, *, snapshot: int | None = None
) -> ScoreCard:
    """One unit's score card from the same scores the ranking shows."""
    async with uow:
        scores, snap = await _shown_scores(uow.reports, plan_id, period, snapshot, False)
        labels = await _labels(uow.reports, plan_id)
        vetoes = await _veto_categories(uow.reports, plan_id)
    card = rules.build_card(
        plan_id, period, scores, unit_id, provisional=snap is None, labels=labels, snapshot=snap, vetoes=vetoes
    )
    if card is None:
        raise UnitUnknown(f"unit {unit_id!r} has no score in plan {plan_id!r}, period {period!r}")
    return card


async def list_periods(uow: UnitOfWork) -> list[PeriodState]:
    async with uow:
        return await uow.reports.periods()


async def get_labels(uow: UnitOfWork, plan_id: str) -> tuple[PlanLabels, PlanLabels]:
    """The plan's explicit override (empty if none) and the labels in effect (override over learned)."""
    async with uow:
        override = await uow.reports.labels(plan_id) or PlanLabels(plan_id)
        return override, await _labels(uow.reports, plan_id)


async def set_labels(uow: UnitOfWork, labels: PlanLabels, actor: str = "office") -> tuple[PlanLabels, PlanLabels]:
    """Replace a plan's explicit override (it wins over the labels learned from events; {} clears it); audited."""
    rules.validate_labels(labels.grades, labels.units)
    async with uow:
        before = await uow.reports.labels(labels.plan_id)
        await uow.reports.save_labels(labels)
        await uow.reports.add_audit(
            actor,
            "labels.set",
            labels.plan_id,
            labels.plan_id,
            {
                "grades": dict(labels.grades),
                "units": dict(labels.units),
                "previous": {"grades": dict(before.grades), "units": dict(before.units)} if before else None,
            },
        )
        effective = await _labels(uow.reports, labels.plan_id)
        await uow.commit()
    return labels, effective


async def quarterly_trend(uow: UnitOfWork, plan_id: str, unit_id: str) -> list[tuple[str, object]]:
    """The unit's total in Q1–Q4 as the read model shows them (graded if the quarter was, else provisional)."""
    trend = []
    async with uow:
        for q in ("Q1", "Q2", "Q3", "Q4"):
            try:
                scores, _snap = await _shown_scores(uow.reports, plan_id, q, None, False)
            except (PeriodUnknown, SnapshotUnknown):
                continue
            score = next((s for s in scores if s.unit_id == unit_id), None)
            if score is not None and score.total is not None:
                trend.append((q, score.total))
    return trend
