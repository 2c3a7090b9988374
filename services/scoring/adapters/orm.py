"""The scoring schema: the latest facts per (plan, unit), current scores, graded snapshots, history."""

from __future__ import annotations

import sqlalchemy as sa

from jixiao.messaging.outbox import messaging_tables

metadata = sa.MetaData()
messaging = messaging_tables(metadata)

_NOW = sa.func.now()

# --- facts, latest version wins ----------------------------------------------------------------

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("plan_json", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
)

units = sa.Table(
    "units",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("group", sa.String(100), nullable=False),
    sa.Column("parent", sa.String(100)),
    sa.Column("version", sa.BigInteger, nullable=False),
)

targets = sa.Table(
    "targets",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("indicator_id", sa.String(100), primary_key=True),
    sa.Column("target", sa.Numeric, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

# One row per result id and state: the latest confirmed version and, apart from it, the latest
# unconfirmed one (a pending correction never replaces a confirmed result).
results = sa.Table(
    "results",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("result_id", sa.String(200), primary_key=True),
    sa.Column("confirmed", sa.Boolean, primary_key=True),
    sa.Column("indicator_id", sa.String(100), nullable=False),
    sa.Column("part", sa.String(100), nullable=False, server_default=""),
    sa.Column("period", sa.String(4), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("actual", sa.Numeric),
    sa.Column("rating", sa.String(100)),
    sa.Column("done", sa.Boolean),
    sa.Column("points", sa.Numeric),
    sa.Column("confirmed_by", sa.String(200), nullable=False, server_default=""),
    sa.Column("budget", sa.Numeric),  # budget_execution: the budget and the amount spent (0006)
    sa.Column("spent", sa.Numeric),
    sa.Column("confirmed_at", sa.String(40), nullable=False, server_default=""),  # ISO 8601, "" unknown
    sa.Column("event_id", sa.String(36), nullable=False),
)

survey_rounds = sa.Table(
    "survey_rounds",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("round_id", sa.String(100), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("score", sa.Numeric),  # NULL: no counted response
    sa.Column("se", sa.Numeric),
    sa.Column("strata_json", sa.Text, nullable=False, server_default="[]"),
    sa.Column("responses", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("event_id", sa.String(36), nullable=False),
    # a score supplied from outside (the county office's own evaluation), used as given
    sa.Column("external", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("document", sa.Text, nullable=False, server_default=""),
)

deductions = sa.Table(
    "deductions",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("deduction_id", sa.String(200), primary_key=True),
    sa.Column("recorded", sa.Boolean, nullable=False),  # False: only a revocation was seen
    sa.Column("kind", sa.String(100)),
    sa.Column("points", sa.Numeric),
    sa.Column("date", sa.Date),
    sa.Column("aspect", sa.String(100)),
    sa.Column("revoked", sa.Boolean, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("inspection_id", sa.String(200)),
    sa.Column("appeal_id", sa.String(200)),
    sa.Column("appeal_outcome", sa.String(20)),  # open | rejected | granted
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("person", sa.String(100)),  # (0007) the staff id of a person's discipline deduction
)

vetoes = sa.Table(
    "vetoes",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("veto_id", sa.String(200), primary_key=True),
    sa.Column("category", sa.String(100)),
    sa.Column("date", sa.Date),
    sa.Column("document", sa.Text),
    sa.Column("lifted", sa.Boolean, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("event_id", sa.String(36), nullable=False),
)

# --- scores ------------------------------------------------------------------------------------

# The current (provisional) score of a unit in a period, recomputed when its facts change.
unit_scores = sa.Table(
    "unit_scores",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(4), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # final|incomplete|provisional|error
    sa.Column("group", sa.String(100), nullable=False),
    sa.Column("total", sa.Numeric),
    sa.Column("grade", sa.String(100)),
    sa.Column("score_json", sa.Text, nullable=False),  # the unit's jixiao.results/v1 entry
    sa.Column("explanation_json", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
)

# Every version of a unit's score (provisional and graded), with the events that made it.
score_history = sa.Table(
    "score_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("period", sa.String(4), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # provisional | graded
    sa.Column("version", sa.BigInteger, nullable=False),  # unit score version or snapshot version
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("total", sa.Numeric),
    sa.Column("grade", sa.String(100)),
    sa.Column("score_json", sa.Text, nullable=False),
    sa.Column("event_ids_json", sa.Text, nullable=False, server_default="[]"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
    sa.Index("ix_score_history_unit", "plan_id", "unit_id", "period", "id"),
)

# Immutable graded snapshots: one row per close, one row per unit in it.
snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(4), primary_key=True),
    sa.Column("version", sa.BigInteger, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("plan_version", sa.BigInteger, nullable=False),
    sa.Column("units", sa.Integer, nullable=False),
    sa.Column("results_json", sa.Text, nullable=False),
    sa.Column("diff_json", sa.Text, nullable=False),
    # hex SHA-256 of exactjson.dumps(results document), carried by the graded events
    sa.Column("results_sha256", sa.String(64), nullable=False),
)

snapshot_scores = sa.Table(
    "snapshot_scores",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(4), primary_key=True),
    sa.Column("version", sa.BigInteger, primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("group", sa.String(100), nullable=False),
    sa.Column("score_json", sa.Text, nullable=False),
    sa.Column("explanation_json", sa.Text, nullable=False),
)

# PeriodClosed events waiting to be closed (reconciliation needs the network, so not in the batch).
close_requests = sa.Table(
    "close_requests",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("period", sa.String(4), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
)

# --- people (0005) -------------------------------------------------------------------------------

# Facts about people from inspections (StaffMember*, LeaveRecorded, AbsenceRecorded): kind is
# staff | leave | absence, data_json the payload as exact JSON. Latest version wins, like every fact.
people_facts = sa.Table(
    "people_facts",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("fact_id", sa.String(200), primary_key=True),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("data_json", sa.Text, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("event_id", sa.String(36), nullable=False),
)

# Each person's eligibility for excellence (评优资格) as graded with a snapshot (immutable like it).
person_eligibility = sa.Table(
    "person_eligibility",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(4), primary_key=True),
    sa.Column("version", sa.BigInteger, primary_key=True),
    sa.Column("staff_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("eligible", sa.Boolean, nullable=False),
    sa.Column("entry_json", sa.Text, nullable=False),
)

# Objections (异议, reports' ids) a re-score or close named (0007): pending (snapshot_version NULL) until
# the next close that makes a new snapshot version, which records and publishes them (PeriodGraded).
rescore_objections = sa.Table(
    "rescore_objections",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(4), primary_key=True),
    sa.Column("objection_id", sa.String(100), primary_key=True),
    sa.Column("named_by", sa.String(200), nullable=False),
    sa.Column("named_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
    sa.Column("snapshot_version", sa.BigInteger),
)

FACT_TABLES = (plans, units, targets, results, survey_rounds, deductions, vetoes, people_facts)
SCORE_TABLES = (
    unit_scores,
    score_history,
    snapshots,
    snapshot_scores,
    close_requests,
    person_eligibility,
    rescore_objections,
)
