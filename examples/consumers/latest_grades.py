"""A downstream consumer of jixiao.scores.v1 in confluent-kafka: a table of the latest graded results.

Written from docs/score-events.md only. It needs the generated protobuf classes of
proto/jixiao/events/v1/{envelope,scores}.proto (here the ones committed in jixiao/proto; a team
outside the repository runs `protoc --python_out=. -I proto proto/jixiao/events/v1/*.proto`) and
confluent-kafka. Nothing else of the platform.

    python examples/consumers/latest_grades.py --bootstrap 127.0.0.1:9092 --db grades.sqlite
    python examples/consumers/latest_grades.py --db grades.sqlite --show bailian-2026 Y

How it works (the contract of docs/score-events.md):
- every UnitScoreGraded is stored under its snapshot (plan, period, snapshot_version, unit);
- a snapshot is complete once it holds `snapshot_units` distinct units (each unit event says how
  many the snapshot has; PeriodGraded says it too and lists their event ids, checked when it comes);
- a complete snapshot newer than the one shown replaces it in `latest` (a re-score is a new version);
- offsets are committed after the SQLite transaction: at-least-once, and storing twice changes nothing.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import time

from confluent_kafka import Consumer, KafkaError

try:  # the generated classes: the repository's copy, or your own protoc output
    from jixiao.proto.events.v1 import envelope_pb2, scores_pb2
except ImportError:  # pragma: no cover - outside the repository
    from jixiao.events.v1 import envelope_pb2, scores_pb2  # type: ignore[no-redef]

TOPIC = "jixiao.scores.v1"
TYPE_URL = "type.googleapis.com/jixiao.events.v1."

SCHEMA = """
CREATE TABLE IF NOT EXISTS graded (          -- every unit event of every snapshot seen
  plan_id TEXT, period TEXT, snapshot_version INTEGER, unit_id TEXT,
  event_id TEXT, snapshot_units INTEGER, snapshot_sha256 TEXT, row_json TEXT,
  PRIMARY KEY (plan_id, period, snapshot_version, unit_id));
CREATE TABLE IF NOT EXISTS period_graded (   -- the PeriodGraded of each snapshot
  plan_id TEXT, period TEXT, snapshot_version INTEGER, units INTEGER, unit_event_ids TEXT,
  PRIMARY KEY (plan_id, period, snapshot_version));
CREATE TABLE IF NOT EXISTS latest (          -- the table: the newest complete snapshot per plan and period
  plan_id TEXT, period TEXT, unit_id TEXT, snapshot_version INTEGER, snapshot_sha256 TEXT,
  plan_name TEXT, year INTEGER, unit_name TEXT, "group" TEXT, group_name TEXT, status TEXT,
  total TEXT, grade TEXT, grade_label TEXT, rank INTEGER, group_size INTEGER, vetoed INTEGER,
  award_eligible INTEGER, components_json TEXT, missing_json TEXT, survey_se TEXT,
  PRIMARY KEY (plan_id, period, unit_id));
"""


def unit_row(g: scores_pb2.UnitScoreGraded) -> dict:
    """One row of `latest` from a UnitScoreGraded: everything is in the event."""
    s = g.score
    return {
        "plan_id": g.plan_id,
        "period": g.period,
        "unit_id": s.unit_id,
        "snapshot_version": g.snapshot_version,
        "snapshot_sha256": g.snapshot_sha256,
        "plan_name": g.plan_name,
        "year": g.year,
        "unit_name": s.unit_name,
        "group": s.group,
        "group_name": s.group_name,
        "status": s.status,
        "total": s.total,
        "grade": s.grade,
        "grade_label": s.grade_label,
        "rank": s.rank,
        "group_size": s.group_size,
        "vetoed": int(s.vetoed),
        "award_eligible": int(s.award_eligible),
        "components_json": json.dumps(
            [
                {"key": c.key, "type": c.type, "weight": c.weight, "score": c.score, "points": c.points, "cap": c.cap}
                for c in s.component_scores
            ],
            ensure_ascii=False,
        ),
        "missing_json": json.dumps(list(s.missing), ensure_ascii=False),
        "survey_se": s.survey_se,
    }


def payload(value: bytes) -> tuple[envelope_pb2.Envelope, object | None]:
    """The envelope and its payload, decoded in one step from `body` (a google.protobuf.Any)."""
    env = envelope_pb2.Envelope.FromString(value)
    for cls in (scores_pb2.UnitScoreGraded, scores_pb2.PeriodGraded):
        if env.body.type_url == TYPE_URL + cls.DESCRIPTOR.name:
            message = cls()
            env.body.Unpack(message)
            return env, message
    return env, None  # UnitScoreUpdated (provisional) and future types: not for this table


def store(db: sqlite3.Connection, env: envelope_pb2.Envelope, message: object) -> tuple[str, str, int] | None:
    """Keep one event; returns the snapshot it belongs to."""
    if isinstance(message, scores_pb2.UnitScoreGraded):
        db.execute(
            "INSERT OR REPLACE INTO graded VALUES (?,?,?,?,?,?,?,?)",
            (
                message.plan_id,
                message.period,
                message.snapshot_version,
                message.score.unit_id,
                env.event_id,
                message.snapshot_units,
                message.snapshot_sha256,
                json.dumps(unit_row(message), ensure_ascii=False),
            ),
        )
        return message.plan_id, message.period, message.snapshot_version
    if isinstance(message, scores_pb2.PeriodGraded):
        db.execute(
            "INSERT OR REPLACE INTO period_graded VALUES (?,?,?,?,?)",
            (
                message.plan_id,
                message.period,
                message.snapshot_version,
                message.units,
                json.dumps(list(message.unit_event_ids)),
            ),
        )
        return message.plan_id, message.period, message.snapshot_version
    return None


def settle(db: sqlite3.Connection, plan_id: str, period: str, version: int) -> bool:
    """Show a snapshot once it is complete and newer than the one shown; True when it is shown."""
    rows = db.execute(
        "SELECT event_id, snapshot_units, row_json FROM graded WHERE plan_id=? AND period=? AND snapshot_version=?",
        (plan_id, period, version),
    ).fetchall()
    if not rows or len(rows) != rows[0][1]:
        return False  # not all unit events yet
    announced = db.execute(
        "SELECT unit_event_ids FROM period_graded WHERE plan_id=? AND period=? AND snapshot_version=?",
        (plan_id, period, version),
    ).fetchone()
    if announced is not None and set(json.loads(announced[0])) != {r[0] for r in rows}:
        return False  # a unit event of this version is still missing
    shown = db.execute(
        "SELECT MAX(snapshot_version) FROM latest WHERE plan_id=? AND period=?", (plan_id, period)
    ).fetchone()[0]
    if shown is not None and shown >= version:
        return shown == version  # an older version never replaces a newer one
    db.execute("DELETE FROM latest WHERE plan_id=? AND period=?", (plan_id, period))
    for _, _, row_json in rows:
        row = json.loads(row_json)
        columns = ", ".join(f'"{k}"' for k in row)
        db.execute(f"INSERT INTO latest ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    return True


def consume(bootstrap: str, db_path: str, group: str, until: tuple[str, str] | None, timeout: float) -> int:
    """Consume until stopped (or until `until` = (plan, period) is shown, within `timeout` seconds)."""
    db = sqlite3.connect(db_path)
    db.executescript(SCHEMA)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([TOPIC])
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    deadline = time.monotonic() + timeout if timeout else None
    try:
        while not stop:
            if deadline is not None and time.monotonic() > deadline:
                print(f"error: {until} not complete within {timeout} s", file=sys.stderr)
                return 1
            messages = consumer.consume(num_messages=500, timeout=1.0)
            touched = set()
            for msg in messages:
                if msg.error():
                    if msg.error().code() != KafkaError._PARTITION_EOF:
                        raise RuntimeError(msg.error())
                    continue
                env, message = payload(msg.value())
                snapshot = store(db, env, message) if message is not None else None
                if snapshot is not None:
                    touched.add(snapshot)
            shown = {(p, q) for p, q, v in sorted(touched) if settle(db, p, q, v)}
            db.commit()
            if messages:
                consumer.commit(asynchronous=False)  # after the table is stored: at-least-once
            if until is not None and until in shown:
                return 0
    finally:
        consumer.close()
        db.close()
    return 0


def show(db_path: str, plan_id: str, period: str) -> None:
    """Print the table of a plan's period as JSON lines, by unit."""
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    for row in db.execute("SELECT * FROM latest WHERE plan_id=? AND period=? ORDER BY unit_id", (plan_id, period)):
        print(json.dumps(dict(row), ensure_ascii=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--db", default="grades.sqlite")
    parser.add_argument("--group", default="county-portal-grades")
    parser.add_argument(
        "--until",
        nargs=2,
        metavar=("PLAN", "PERIOD"),
        help="exit once this plan's period is shown (a complete graded snapshot)",
    )
    parser.add_argument("--timeout", type=float, default=0, help="with --until: give up after this many seconds")
    parser.add_argument("--show", nargs=2, metavar=("PLAN", "PERIOD"), help="print the table and exit")
    args = parser.parse_args(argv)
    if args.show:
        show(args.db, *args.show)
        return 0
    return consume(args.bootstrap, args.db, args.group, tuple(args.until) if args.until else None, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
