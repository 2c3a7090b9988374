"""Frames, samples and fieldwork through the API; personal data never in the database, events or logs."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from services.surveys.domain.sampling import FrameKey, draw_sample

from .conftest import bundle_plan, outbox_events, post_json, raw_session

pytestmark = pytest.mark.integration
UNIT = "/v1/plans/p1/rounds/mid/units/u1"

PEOPLE = [  # respondent_id, stratum, name, phone, address
    (
        f"R{i:03d}",
        "urban_resident" if i % 2 else "rural_resident",
        f"张{'三四五六七八九十'[i % 8]}{i}号",
        f"1391234{i:04d}",
        f"白莲镇幸福路{i}号院",
    )
    for i in range(1, 21)
]
SECRETS = [p[2] for p in PEOPLE] + [p[3] for p in PEOPLE] + [p[4] for p in PEOPLE]


def frame_csv(rows) -> bytes:
    return ("respondent_id,stratum,name,phone,address\n" + "".join(",".join(r) + "\n" for r in rows)).encode()


def frame_xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["respondent_id", "stratum", "name", "phone", "address"])
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def _dump_schema(app) -> str:
    """Every row of every table of the service's schema, as text."""
    async with raw_session(app) as s:
        tables = (
            (await s.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'surveys'"))).scalars().all()
        )
        parts = []
        for t in tables:
            parts += (await s.execute(sa.text(f'SELECT row_to_json(x)::text FROM surveys."{t}" x'))).scalars().all()
    return "\n".join(parts)


async def test_frame_sample_fieldwork_and_pii_stays_encrypted(svc, capfd):
    app, client = svc
    assert (await post_json(client, "/v1/import", bundle_plan())).status_code == 200

    # a bad file: every problem reported by row and column, nothing stored
    bad = PEOPLE[:3] + [("R900", "martians", "李四", "12345", "某地"), ("R001", "urban_resident", "王五", "", "")]
    r = await client.put(UNIT + "/frame", files={"file": ("frame.csv", frame_csv(bad), "text/csv")})
    assert r.status_code == 422, r.text
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"row 5: stratum", "row 5: phone", "row 6: respondent_id", "row 6: phone"} <= fields
    assert "李四" not in r.text and "某地" not in r.text, r.text
    async with raw_session(app) as s:
        assert (await s.execute(sa.text("SELECT count(*) FROM frames"))).scalar_one() == 0
        assert (await s.execute(sa.text("SELECT count(*) FROM respondents"))).scalar_one() == 0

    r = await client.put(
        UNIT + "/frame",
        files={
            "file": (
                "frame.xlsx",
                frame_xlsx(PEOPLE),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
    )
    assert r.status_code == 201, r.text
    frame = r.json()
    assert frame["respondents"] == 20 and frame["strata"] == {"rural_resident": 10, "urban_resident": 10}

    # the sample is reproducible by anyone from the seed and the frame
    r = await client.post(UNIT + "/sample", json={"size": 6, "seed": 20260701, "reserve_rate": "0.5"})
    assert r.status_code == 201, r.text
    sample = r.json()
    keys = [FrameKey(p[0], p[1]) for p in PEOPLE]
    redraw = draw_sample(keys, 6, 20260701, reserve_rate=Decimal("0.5"))
    assert sample["frame_sha256"] == redraw.frame_sha256 == frame["frame_sha256"]
    assert [(x["respondent_id"], x["stratum"]) for x in sample["sampled"]] == [tuple(k) for k in redraw.respondents()]
    assert sample["allocated"] == {"rural_resident": 3, "urban_resident": 3}
    assert sample["reserve"] == {h: list(redraw.reserve(h)) for h in redraw.strata}
    assert (await client.get(UNIT + "/sample")).json() == sample
    assert (await client.post(UNIT + "/sample", json={"size": 6})).status_code == 409
    assert (
        await client.put(UNIT + "/frame", files={"file": ("f.csv", frame_csv(PEOPLE), "text/csv")})
    ).status_code == 409

    # questionnaires for every group, then fieldwork
    rnd = (await client.get("/v1/plans/p1/rounds/mid")).json()
    items = {
        "items": [
            {
                "key": "q1",
                "text": "总体满意度",
                "options": [
                    {"answer": "satisfied", "label": "满意", "score": 100},
                    {"answer": "basically_satisfied", "label": "基本满意", "score": 80},
                    {"answer": "dissatisfied", "label": "不满意", "score": 0},
                ],
            }
        ]
    }
    assert (await client.post("/v1/plans/p1/rounds/mid/state", json={"state": "fieldwork"})).status_code == 409
    for group in rnd["groups"]:
        assert (await client.post(f"/v1/plans/p1/rounds/mid/questionnaires/{group}", json=items)).status_code == 201
    assert (await client.post("/v1/plans/p1/rounds/mid/state", json={"state": "fieldwork"})).json()[
        "state"
    ] == "fieldwork"

    r = await client.post(UNIT + "/assignments", json={"interviewers": ["iv1", "iv2"]})
    assert r.status_code == 200 and r.json()["assigned"] == 6
    status = (await client.get(UNIT + "/fieldwork")).json()
    who = {x["respondent_id"]: x["interviewer"] for x in status["respondents"]}
    first = sample["sampled"][0]["respondent_id"]
    person = next(p for p in PEOPLE if p[0] == first)
    other = "iv2" if who[first] == "iv1" else "iv1"

    # personal data: only the assigned interviewer sees it
    assert (await client.get(f"{UNIT}/respondents/{first}")).status_code == 403
    assert (await client.get(f"{UNIT}/respondents/{first}", headers={"X-Actor": other})).status_code == 403
    contact = (await client.get(f"{UNIT}/respondents/{first}", headers={"X-Actor": who[first]})).json()
    assert (contact["name"], contact["phone"], contact["address"]) == person[2:]
    mine = (await client.get("/v1/plans/p1/assignments", headers={"X-Actor": who[first]})).json()
    assert {m["respondent_id"] for m in mine} == {k for k, v in who.items() if v == who[first]}

    # interviews: one completed response per respondent; a second submission is refused
    iv = {
        "interview_id": "i1",
        "respondent_id": first,
        "mode": "phone",
        "outcome": "completed",
        "answers": {"q1": "satisfied"},
    }
    r = await client.post(UNIT + "/interviews", json=iv, headers={"X-Actor": who[first]})
    assert r.status_code == 201, r.text
    assert r.json()["score_version"] == 1
    r = await client.post(UNIT + "/interviews", json={**iv, "interview_id": "i2"}, headers={"X-Actor": who[first]})
    assert r.status_code == 409
    assert (
        await client.post(UNIT + "/interviews", json={**iv, "interview_id": "i3"}, headers={"X-Actor": other})
    ).status_code == 403
    second = next(x for x in sample["sampled"] if x["stratum"] == person[1] and x["respondent_id"] != first)[
        "respondent_id"
    ]
    r = await client.post(
        UNIT + "/interviews",
        headers={"X-Actor": who[second]},
        json={"interview_id": "i4", "respondent_id": second, "mode": "face", "outcome": "replaced"},
    )
    assert r.status_code == 201 and r.json()["replacement_id"] == sample["reserve"][person[1]][0]
    progress = (await client.get(UNIT + "/fieldwork")).json()["strata"][person[1]]
    assert (progress["issued"], progress["completed"], progress["replaced"], progress["response_rate"]) == (
        4,
        1,
        1,
        "0.2500",
    )

    score = (await client.get(UNIT + "/score")).json()
    assert Decimal(score["score"]) == 100 and score["responses"] == 1

    # closing freezes the questionnaires
    assert (await client.post("/v1/plans/p1/rounds/mid/state", json={"state": "closed"})).status_code == 200
    assert (await client.post("/v1/plans/p1/rounds/mid/questionnaires/urban_resident", json=items)).status_code == 409

    # personal data is nowhere in clear: not in any table, not in events, not in logs
    dump = await _dump_schema(app)
    assert "pii1." in dump and first in dump
    leaked = [x for x in SECRETS if x in dump]
    assert leaked == []
    for env, payload in await outbox_events(app):
        text = env.SerializeToString().decode("utf-8", "replace") + str(payload)
        assert [x for x in SECRETS if x in text] == []
    out, err = capfd.readouterr()
    assert "frame.stored" in out + err
    assert [x for x in SECRETS if x in out + err] == []
