"""The use cases of the indicators service (one module per area; this is the single entry point)."""

from __future__ import annotations

from .evidence import delete_evidence, evidence_unit, list_evidence, read_evidence, upload_evidence
from .excel import download_template, export_plan, export_results, upload_template
from .importing import import_bundle
from .plans import (
    create_plan,
    get_plan,
    indicator_nodes,
    list_plans,
    list_versions,
    publish_plan,
    publish_version,
    put_indicator,
    update_draft,
)
from .reports import list_reports, submit_report
from .results import (
    close_period,
    confirm_many,
    confirm_result,
    correct_result,
    enter_result,
    get_result,
    list_periods,
    list_results,
    result_history,
    return_result,
    submit_result,
    update_result,
)
from .staff import apply_staff_event, staff_lookup
from .tasks import (
    create_task,
    delete_task,
    get_task,
    late_reports,
    list_tasks,
    record_progress,
    task_summary,
    update_task,
)
from .units import get_unit, list_targets, list_units, set_targets, update_unit, upsert_units

__all__ = [
    "delete_evidence",
    "evidence_unit",
    "list_evidence",
    "read_evidence",
    "upload_evidence",
    "list_reports",
    "submit_report",
    "download_template",
    "export_plan",
    "export_results",
    "upload_template",
    "import_bundle",
    "create_plan",
    "get_plan",
    "indicator_nodes",
    "list_plans",
    "list_versions",
    "publish_plan",
    "publish_version",
    "put_indicator",
    "update_draft",
    "close_period",
    "confirm_many",
    "confirm_result",
    "correct_result",
    "enter_result",
    "get_result",
    "list_periods",
    "list_results",
    "result_history",
    "return_result",
    "submit_result",
    "update_result",
    "create_task",
    "delete_task",
    "get_task",
    "apply_staff_event",
    "staff_lookup",
    "late_reports",
    "list_tasks",
    "record_progress",
    "task_summary",
    "update_task",
    "get_unit",
    "list_targets",
    "list_units",
    "set_targets",
    "update_unit",
    "upsert_units",
]
