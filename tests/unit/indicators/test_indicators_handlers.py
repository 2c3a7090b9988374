"""Use cases against a FakeUnitOfWork: plan validation, publication, units, results, import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jixiao.errors import Conflict, InvalidInput, PreconditionFailed
from jixiao.messaging.envelope import payload_of
from services.indicators.service import excel
from services.indicators.service import handlers as h

pytestmark = pytest.mark.unit
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


async def test_publication_is_validated_by_the_scoring_rules(uow, part):
    part["plan"]["components"][0]["weight"] = Decimal("0.7")
    part["indicators"][3]["max_points"] = Decimal(0)
    plan = await h.create_plan(uow, part["plan"], part["indicators"])
    with pytest.raises(InvalidInput) as exc:
        await h.publish_plan(uow, plan.id, plan.revision)
    paths = {p.path for p in exc.value.problems}
    assert "$.plan.components" in paths and "$.indicators[3].max_points" in paths
    assert uow.published == []


async def test_publish_emits_the_plan_then_what_it_already_has(uow, part):
    plan = await h.create_plan(uow, part["plan"], part["indicators"])
    assert await h.upsert_units(uow, plan.id, part["units"][:2]) == {"created": 2, "updated": 0, "unchanged": 0}
    assert uow.published == []  # a draft publishes nothing
    plan = await h.publish_plan(uow, plan.id, plan.revision, NOW)
    assert uow.types() == ["PlanPublished", "UnitUpserted", "UnitUpserted"]
    body = payload_of(uow.published[0])
    assert body.version == 1 and '"weight":0.8' in body.plan_json  # decimals as JSON numbers
    with pytest.raises(Conflict):
        await h.update_draft(uow, plan.id, None, [], plan.revision)  # published: immutable
    with pytest.raises(InvalidInput):
        await h.publish_version(uow, plan.id, part["plan"], part["indicators"], "", plan.revision)
    v2 = await h.publish_version(uow, plan.id, part["plan"], part["indicators"], "调整", plan.revision, NOW)
    assert v2.version == 2 and uow.types()[-1] == "PlanPublished"
    assert [v.reason for v in await h.list_versions(uow, plan.id)] == ["first publication", "调整"]


async def test_units_bulk_upsert_versions_only_changes(uow, part):
    plan = await h.create_plan(uow, part["plan"], part["indicators"])
    await h.publish_plan(uow, plan.id, plan.revision, NOW)
    await h.upsert_units(uow, plan.id, part["units"])
    n = len(uow.published)
    units = [dict(u) for u in part["units"]]
    units[0]["name"] = "新名字"
    assert await h.upsert_units(uow, plan.id, units) == {"created": 0, "updated": 1, "unchanged": 36}
    assert len(uow.published) == n + 1 and payload_of(uow.published[-1]).version == 2
    units[1]["parent"] = units[1]["id"]
    with pytest.raises(InvalidInput) as exc:
        await h.upsert_units(uow, plan.id, units)
    assert exc.value.problems[0].path == "units[1].parent"


async def test_review_publishes_only_confirmed_versions(uow, part):
    part["results"] = []
    await h.import_bundle(uow, part, NOW)
    n = len(uow.published)
    r = await h.enter_result(uow, "bailian-2026", "v01", "I1.1", None, "Y", {"actual": Decimal("11.4")}, None)
    r = await h.submit_result(uow, r.id, r.revision)
    assert len(uow.published) == n
    with pytest.raises(PreconditionFailed):
        await h.confirm_result(uow, r.id, r.revision - 1, "张三")
    r = await h.confirm_result(uow, r.id, r.revision, "张三")
    r = await h.correct_result(uow, r.id, {"actual": Decimal("10")}, "核实", r.revision, "李四")
    events = [payload_of(e) for e in uow.published[n:]]
    assert [(e.version, e.actual, e.confirmed_by) for e in events] == [(1, "11.4", "张三"), (2, "10", "李四")]
    # and when: the time of each confirmation, ISO 8601 UTC (the score card shows it)
    assert all(e.confirmed_at.endswith("+00:00") and dt.datetime.fromisoformat(e.confirmed_at) for e in events)
    with pytest.raises(InvalidInput) as exc:
        await h.enter_result(uow, "bailian-2026", "v01", "I3.2", None, "Y", {"points": Decimal(99)}, None)
    assert exc.value.problems[0].path == "points"


async def test_closed_period_refuses_entries_but_allows_corrections(uow, part):
    part["results"] = part["results"][:1]
    await h.import_bundle(uow, part, NOW)
    await h.close_period(uow, "bailian-2026", "Y", "绩效办")
    assert uow.types()[-1] == "PeriodClosed"
    with pytest.raises(Conflict):
        await h.enter_result(uow, "bailian-2026", "v02", "I1.1", None, "Y", {"actual": Decimal(1)}, None)
    (r,), _ = await h.list_results(uow, "bailian-2026", unit=None, indicator=None, period="Y", status=None, limit=10)
    await h.correct_result(uow, r.id, {"actual": Decimal(1)}, "复核", r.revision, "a")


async def test_import_is_idempotent_and_appends_only_new_records(uow, part):
    first = await h.import_bundle(uow, part, NOW)
    n = len(uow.published)
    assert first["results"]["confirmed"] == sum(1 for r in part["results"] if r["confirmed"])
    second = await h.import_bundle(uow, part, NOW)
    assert second["results"]["applied"] == 0 and second["plan"] == "unchanged"
    assert len(uow.published) == n
    part["targets"][0]["target"] += 1
    part["results"].append({**part["results"][0], "confirmed": False, "actual": Decimal(1)})
    third = await h.import_bundle(uow, part, NOW)
    assert third["targets"]["updated"] == 1 and third["results"]["applied"] == 1
    assert uow.types()[n:] == ["TargetSet"]  # an unconfirmed record waits as a pending correction


async def test_invalid_import_writes_nothing(uow, part):
    part["results"][0]["indicator"] = "I1"
    with pytest.raises(InvalidInput) as exc:
        await h.import_bundle(uow, part, NOW)
    assert exc.value.problems[0].path == "$.results[0].indicator"
    assert uow.plans.rows == {} and uow.published == []


async def test_template_rows_follow_the_unit_kind_and_its_targets(uow, part):
    part["results"] = []
    await h.import_bundle(uow, part, NOW)
    plan = await h.get_plan(uow, "bailian-2026")
    village = await h.get_unit(uow, plan.id, "v02")
    targets, _ = await h.list_targets(uow, plan.id, unit="v02", indicator=None, limit=100, offset=0)
    rows = excel.template_rows(plan, village, targets, {})
    ids = {r["indicator"] for r in rows}
    assert "I2.2" in ids and "I1.3" not in ids  # village leaves, no agency composites
    own = {t.indicator_id: t.target for t in targets}
    assert all(r["target"] == own[r["indicator"]] for r in rows if r["indicator"] in own)


async def test_self_reports_after_the_deadline_are_flagged(uow, part):
    part["results"] = []
    part["plan"]["calendar"] = {"self_report_deadline": "2027-01-10"}
    await h.import_bundle(uow, part, NOW)
    on_time = await h.submit_report(uow, "bailian-2026", "v01", "Y", "自评", dt.datetime(2027, 1, 10, 9, tzinfo=dt.UTC))
    late = await h.submit_report(uow, "bailian-2026", "v02", "Y", "自评", dt.datetime(2027, 1, 12, tzinfo=dt.UTC))
    assert (on_time.late, late.late) == (False, True)
    items, total = await h.list_reports(uow, "bailian-2026", period="Y", late=True, limit=10, offset=0)
    assert total == 1 and items[0].unit_id == "v02"
