"""The use cases of the inspections service (one module per area; this is the single entry point)."""

from __future__ import annotations

from services.inspections.adapters.repository import ListFilter

from .appeals import Decision, decide_appeal, file_appeal, get_appeal
from .common import new_id
from .deductions import Ledger, get_deduction, ledger, record_deduction, revoke_deduction
from .discipline import leave_eligibility, record_absence, record_leave
from .importing import IMPORT_REVOKE_REASON, ImportCounts, import_bundle
from .inspections import (
    MAX_EVIDENCE_BYTES,
    add_finding,
    attach_evidence,
    confirm_finding,
    create_inspection,
    edit_finding,
    edit_inspection,
    get_evidence,
    get_finding,
    get_inspection,
)
from .plans import configure_plan, get_plan
from .queries import audit_log, list_records
from .snapshot import position, snapshot
from .vetoes import get_veto, issue_veto, lift_veto

__all__ = [
    "ListFilter",
    "new_id",
    "configure_plan",
    "get_plan",
    "Ledger",
    "get_deduction",
    "ledger",
    "record_deduction",
    "revoke_deduction",
    "get_veto",
    "issue_veto",
    "lift_veto",
    "Decision",
    "decide_appeal",
    "file_appeal",
    "get_appeal",
    "MAX_EVIDENCE_BYTES",
    "add_finding",
    "attach_evidence",
    "confirm_finding",
    "create_inspection",
    "edit_finding",
    "edit_inspection",
    "get_evidence",
    "get_finding",
    "get_inspection",
    "leave_eligibility",
    "record_absence",
    "record_leave",
    "audit_log",
    "list_records",
    "IMPORT_REVOKE_REASON",
    "ImportCounts",
    "import_bundle",
    "position",
    "snapshot",
]
