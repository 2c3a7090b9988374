"""Fixed quotas and area balance through the API: a frame with a village column, a sample with the
round's quotas spread across villages, refused quotas naming the field, the same sample re-drawn
from the stored seed and frame hash; the audit trail records frame and sample without personal data."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from services.surveys.domain.sampling import AreaKey, draw_sample

from .conftest import bundle_plan, post_json, raw_session

pytestmark = pytest.mark.integration
UNIT = "/v1/plans/p1/rounds/mid/units/u1"
PEOPLE = [  # respondent_id, stratum, name, phone, address, village: urban 东村 12 / 西村 6, rural 北村 10
    (f"R{i:03d}", stratum, f"王{i}", f"1391234{i:04d}", f"幸福路{i}号", village)
    for i, (stratum, village) in enumerate(
        [("urban_resident", "东村")] * 12 + [("urban_resident", "西村")] * 6 + [("rural_resident", "北村")] * 10
    )
]


def frame_csv() -> bytes:
    head = "respondent_id,stratum,name,phone,address,village\n"
    return (head + "".join(",".join(p) + "\n" for p in PEOPLE)).encode()


async def test_fixed_quotas_spread_across_villages_and_redrawn_the_same(svc):
    app, client = svc
    assert (await post_json(client, "/v1/import", bundle_plan())).status_code == 200
    r = await client.put(UNIT + "/frame", files={"file": ("frame.csv", frame_csv(), "text/csv")})
    assert r.status_code == 201, r.text

    too_many = await client.post(
        UNIT + "/sample", json={"allocation": "fixed", "quotas": {"urban_resident": 19}, "seed": 1}
    )
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "quotas.urban_resident"
    unknown = await client.post(UNIT + "/sample", json={"allocation": "fixed", "quotas": {"business": 1}, "seed": 1})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "quotas.business"

    body = {"allocation": "fixed", "quotas": {"urban_resident": 6, "rural_resident": 2}, "seed": 20260701}
    r = await client.post(UNIT + "/sample", json=body)
    assert r.status_code == 201, r.text
    sample = r.json()
    # urban 6 seats over 东村 12 / 西村 6 → 4 / 2
    assert sample["allocated"] == {"rural_resident": 2, "urban_resident": 6} and sample["size"] == 8
    assert sample["allocated_by_area"] == {"rural_resident": {"北村": 2}, "urban_resident": {"东村": 4, "西村": 2}}
    village = {p[0]: p[5] for p in PEOPLE}
    assert Counter(village[x["respondent_id"]] for x in sample["sampled"]) == {"东村": 4, "西村": 2, "北村": 2}
    redraw = draw_sample(
        [AreaKey(p[0], p[1], p[5]) for p in PEOPLE], None, 20260701, allocation="fixed", quotas=body["quotas"]
    )
    assert sample["frame_sha256"] == redraw.frame_sha256
    assert [x["respondent_id"] for x in sample["sampled"]] == [k.respondent_id for k in redraw.respondents()]
    assert (await client.get(UNIT + "/sample")).json() == sample  # re-drawn from the stored seed and frame

    async with raw_session(app) as s:
        trail = (
            await s.execute(sa.text("SELECT action, coalesce(after, '') AS after FROM audit_chain ORDER BY seq"))
        ).all()
    actions = [t.action for t in trail]
    assert "frame.uploaded" in actions and "sample.drawn" in actions
    text = " ".join(t.after for t in trail)
    assert not any(p[2] in text or p[3] in text or p[4] in text for p in PEOPLE)  # no names, phones, addresses
