"""The surveys schema: plans, rounds, strata, questionnaires, frames (PII encrypted), samples, responses,
their running aggregates and round scores."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from jixiao.messaging.outbox import messaging_tables

metadata = sa.MetaData()
messaging = messaging_tables(metadata)

_NOW = sa.func.now()
_DEC = sa.Numeric(38, 18)


def _ts(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=_NOW)


plans = sa.Table(
    "plans",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("answer_scores", pg.JSONB, nullable=False),  # {answer: "decimal"}
    # the indicators service's plan version last applied (PlanPublished); 0 = only PUT / import so far
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
    _ts(),
    _ts("updated_at"),
)

# no foreign key to plans: a UnitUpserted may arrive before its plan's PlanPublished (other key)
units = sa.Table(
    "units",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("kind", sa.String(100), nullable=False, server_default=""),
    # the UnitUpserted version last applied; 0 = only PUT / import so far
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
)

rounds = sa.Table(
    "rounds",
    metadata,
    sa.Column("plan_id", sa.String(100), sa.ForeignKey("plans.plan_id"), primary_key=True),
    sa.Column("round_id", sa.String(100), primary_key=True),
    sa.Column("weight", _DEC, nullable=False),
    sa.Column("period", sa.String(10), nullable=False),
    sa.Column("state", sa.String(20), nullable=False, server_default="open"),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    _ts(),
    _ts("updated_at"),
)

# W_h: unit_id '' holds the plan's default, any other unit id a per-unit override
strata = sa.Table(
    "strata",
    metadata,
    sa.Column("plan_id", sa.String(100), sa.ForeignKey("plans.plan_id"), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("stratum", sa.String(100), primary_key=True),
    sa.Column("weight", _DEC, nullable=False),
)

questionnaires = sa.Table(
    "questionnaires",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("round_id", sa.String(100), primary_key=True),
    sa.Column("group", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("items", pg.JSONB, nullable=False),
    _ts(),
    sa.ForeignKeyConstraint(["plan_id", "round_id"], ["rounds.plan_id", "rounds.round_id"]),
)

frames = sa.Table(
    "frames",
    metadata,
    sa.Column("frame_id", sa.String(36), primary_key=True),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("round_id", sa.String(100), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("respondents", sa.Integer, nullable=False),
    sa.Column("strata_sizes", pg.JSONB, nullable=False),
    sa.Column("filename", sa.Text, nullable=False, server_default=""),
    sa.Column("current", sa.Boolean, nullable=False, server_default=sa.text("true")),
    _ts(),
    sa.ForeignKeyConstraint(["plan_id", "round_id"], ["rounds.plan_id", "rounds.round_id"]),
    sa.Index("ux_frames_current", "plan_id", "round_id", "unit_id", unique=True, postgresql_where=sa.text("current")),
)

# personal data only ever as ciphertext (PiiCipher); ids and strata are not personal data
respondents = sa.Table(
    "respondents",
    metadata,
    sa.Column("frame_id", sa.String(36), sa.ForeignKey("frames.frame_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("respondent_id", sa.String(64), primary_key=True),
    sa.Column("stratum", sa.String(100), nullable=False),
    sa.Column("name_enc", sa.Text, nullable=False),
    sa.Column("phone_enc", sa.Text, nullable=False),
    sa.Column("address_enc", sa.Text, nullable=False),
    sa.Column("row", sa.Integer, nullable=False, server_default="0"),
    sa.Column("area", sa.Text, nullable=False, server_default=""),  # e.g. the village (sample balance)
)

samples = sa.Table(
    "samples",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("round_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("frame_id", sa.String(36), sa.ForeignKey("frames.frame_id"), nullable=False),
    sa.Column("algorithm", sa.String(60), nullable=False),
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("frame_sha256", sa.String(64), nullable=False),
    sa.Column("allocation", sa.String(20), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sds", pg.JSONB),
    sa.Column("reserve_rate", _DEC, nullable=False),
    sa.Column("allocated", pg.JSONB, nullable=False),
    _ts(),
)

# one row per respondent drawn into a unit's sample: sampled, reserve-used replacements
sample_members = sa.Table(
    "sample_members",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("round_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("respondent_id", sa.String(64), primary_key=True),
    sa.Column("stratum", sa.String(100), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),  # 0-based place in the stratum's draw order
    sa.Column("draw_number", sa.Integer, nullable=False, server_default="0"),  # 0 = in the first draw
    sa.Column("replaces", sa.String(64)),
    sa.Column("replaced_by", sa.String(64)),
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
    sa.Column("interviewer", sa.String(100)),
    _ts("updated_at"),
    sa.Index("ix_sample_members_interviewer", "plan_id", "interviewer"),
)

interviews = sa.Table(
    "interviews",
    metadata,
    sa.Column("interview_id", sa.String(100), primary_key=True),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("round_id", sa.String(100), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("respondent_id", sa.String(64), nullable=False),
    sa.Column("stratum", sa.String(100), nullable=False),
    sa.Column("interviewer", sa.String(100), nullable=False),
    sa.Column("mode", sa.String(10), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("questionnaire_version", sa.Integer),
    sa.Column("answers", pg.ARRAY(sa.Text)),
    sa.Column("replacement_id", sa.String(64)),
    _ts(),
    sa.Index("ix_interviews_unit", "plan_id", "round_id", "unit_id"),
)

# the counted input of the score; first delivery of an id wins (primary key + ON CONFLICT DO NOTHING)
responses = sa.Table(
    "responses",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("response_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("round_id", sa.String(100), nullable=False),
    sa.Column("stratum", sa.String(100), nullable=False),
    sa.Column("mode", sa.String(10), nullable=False, server_default=""),
    sa.Column("answers", pg.ARRAY(sa.Text), nullable=False),  # in item order, NULL = not answered
    sa.Column("source", sa.String(20), nullable=False, server_default="import"),
    _ts(),
    sa.Index("ix_responses_unit_round", "plan_id", "unit_id", "round_id"),
)

# The running aggregates of the responses (domain/aggregates.py), written in the responses' own
# transaction: per unit, round and stratum, how many responses scored r (its exact decimal text;
# '' = no scored answer). A batch of responses adds to the rows of the pairs it touches only.
response_aggregates = sa.Table(
    "response_aggregates",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("round_id", sa.String(100), primary_key=True),
    sa.Column("stratum", sa.String(100), primary_key=True),
    sa.Column("score", sa.Text, primary_key=True),
    sa.Column("responses", sa.BigInteger, nullable=False),
)

round_scores = sa.Table(
    "round_scores",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("round_id", sa.String(100), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("score", sa.Text, nullable=False),  # exact decimal as text ("" = no counted response)
    sa.Column("se", sa.Text, nullable=False),
    sa.Column("responses", sa.BigInteger, nullable=False),
    sa.Column("strata", pg.JSONB, nullable=False),  # [{stratum, n, mean, sd, weight}] decimals as strings
    sa.Column("envelope", sa.LargeBinary, nullable=False),  # the last published envelope (snapshots)
    # the score is an external one (external_scores), used as given: se "", no strata
    sa.Column("external", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("document", sa.Text, nullable=False, server_default=""),
    _ts("updated_at"),
)

# Survey scores supplied from outside (以县效能办等部门组织评议结果为准): the county office's own
# evaluation of a unit in a round, used as that round's score S_r; responses of the round are kept
# but not counted while one is stored.
external_scores = sa.Table(
    "external_scores",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("round_id", sa.String(100), primary_key=True),
    sa.Column("score", sa.Text, nullable=False),  # exact decimal as text, within [0, 100]
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("entered_by", sa.Text, nullable=False, server_default=""),
    _ts(),
    _ts("updated_at"),
)
