"""Fixed per-stratum quotas and area balance in sampling (分层配额、随机抽样, 兼顾地理分布): quotas
checked against the frame, seats spread across areas by largest remainder, the same seed and frame
giving the same sample, the area read from CSV and XLSX frames."""

from __future__ import annotations

import io
import random
from collections import Counter

import openpyxl
import pytest

from services.surveys.adapters.frames_io import load_frame
from services.surveys.domain.errors import SamplingError
from services.surveys.domain.sampling import (
    SAMPLING_ALGORITHM,
    SAMPLING_ALGORITHM_AREAS,
    AreaKey,
    FrameKey,
    draw_sample,
    frame_sha256,
)

pytestmark = pytest.mark.unit


def keys(sizes: dict[str, int]) -> list[FrameKey]:
    return [FrameKey(f"{h}-{i:03d}", h) for h, n in sizes.items() for i in range(n)]


def area_keys(counts: dict[tuple[str, str], int]) -> list[AreaKey]:
    """{(stratum, area): members}"""
    return [AreaKey(f"{h}-{a}-{i:03d}", h, a) for (h, a), n in counts.items() for i in range(n)]


def test_fixed_quotas_are_the_allocation_and_the_sample_is_reproducible():
    frame = keys({"business": 40, "npc_deputy": 10, "rural_resident": 50})
    sample = draw_sample(frame, None, 7, allocation="fixed", quotas={"business": 5, "npc_deputy": 10})
    assert sample.allocated() == {"business": 5, "npc_deputy": 10, "rural_resident": 0}
    assert sample.size == 15 and sample.algorithm == SAMPLING_ALGORITHM
    assert Counter(k.stratum for k in sample.respondents()) == {"business": 5, "npc_deputy": 10}
    shuffled = frame[:]
    random.Random(1).shuffle(shuffled)
    again = draw_sample(shuffled, 15, 7, allocation="fixed", quotas={"business": 5, "npc_deputy": 10})
    assert again.respondents() == sample.respondents() and again.frame_sha256 == sample.frame_sha256
    other = draw_sample(frame, None, 8, allocation="fixed", quotas={"business": 5, "npc_deputy": 10})
    assert other.respondents() != sample.respondents()


@pytest.mark.parametrize(
    ("quotas", "size", "field", "words"),
    [
        ({"business": 41}, None, "quotas.business", "above the stratum's 40"),
        ({"teachers": 1}, None, "quotas.teachers", "unknown stratum"),
        ({"business": -1}, None, "quotas.business", "non-negative integer"),
        ({"business": 0}, None, "quotas", "add up to 0"),
        (None, None, "quotas", "needs `quotas`"),
        ({"business": 4}, 5, "size", "not the sum"),
    ],
)
def test_bad_quotas_are_refused_naming_the_field(quotas, size, field, words):
    with pytest.raises(SamplingError) as refused:
        draw_sample(keys({"business": 40, "npc_deputy": 10}), size, 7, allocation="fixed", quotas=quotas)
    assert refused.value.field == field and words in str(refused.value)


def test_quotas_belong_to_fixed_allocation_only():
    with pytest.raises(SamplingError) as refused:
        draw_sample(keys({"business": 40}), 5, 7, quotas={"business": 5})
    assert refused.value.field == "quotas"


def test_seats_are_spread_across_areas_by_largest_remainder():
    # business: v1 50, v2 30, v3 20 → 10 seats: exact 5, 3, 2
    # rural: a 5, b 3, c 2 → 3 seats: quotas 1.5, 0.9, 0.6 → floors 1, 0, 0; the one left goes to b (0.9)
    frame = area_keys(
        {
            ("business", "v1"): 50,
            ("business", "v2"): 30,
            ("business", "v3"): 20,
            ("rural", "a"): 5,
            ("rural", "b"): 3,
            ("rural", "c"): 2,
        }
    )
    sample = draw_sample(frame, None, 2026, allocation="fixed", quotas={"business": 10, "rural": 3})
    assert sample.allocated_by_area() == {"business": {"v1": 5, "v2": 3, "v3": 2}, "rural": {"a": 1, "b": 1, "c": 1}}
    area_of = {k.respondent_id: k.area for k in frame}
    drawn = Counter((k.stratum, area_of[k.respondent_id]) for k in sample.respondents())
    assert drawn == {
        ("business", "v1"): 5,
        ("business", "v2"): 3,
        ("business", "v3"): 2,
        ("rural", "a"): 1,
        ("rural", "b"): 1,
        ("rural", "c"): 1,
    }
    assert sample.algorithm == SAMPLING_ALGORITHM_AREAS
    # replacements stay in the stratum and never repeat the sample
    sampled = {k.respondent_id for k in sample.respondents()}
    reserve = [sample.replacement("business", d) for d in range(1, 91)]
    assert len(set(reserve)) == 90 and not sampled & set(reserve) and sample.replacement("business", 91) is None


def test_equal_remainders_go_to_the_area_first_by_name():
    frame = area_keys({("business", "b"): 2, ("business", "a"): 2, ("business", "c"): 2})
    sample = draw_sample(frame, 2, 5)  # three remainders of 2/3: a and b take the seats, by name
    assert sample.allocated_by_area() == {"business": {"a": 1, "b": 1, "c": 0}}


def test_area_balanced_samples_are_reproducible_and_the_hash_covers_the_area():
    frame = area_keys({("business", "v1"): 30, ("business", "v2"): 12, ("npc_deputy", "v1"): 8})
    a = draw_sample(frame, 20, 99, allocation="proportional")
    shuffled = frame[:]
    random.Random(3).shuffle(shuffled)
    b = draw_sample(shuffled, 20, 99)
    assert a.respondents() == b.respondents() and a.frame_sha256 == b.frame_sha256
    assert a.allocated_by_area() == b.allocated_by_area()
    moved = [AreaKey(k.respondent_id, k.stratum, "v2" if i == 0 else k.area) for i, k in enumerate(frame)]
    assert frame_sha256(moved) != a.frame_sha256
    # without areas the hash is the one of (respondent_id, stratum) pairs, as before
    plain = [FrameKey(k.respondent_id, k.stratum) for k in frame]
    assert frame_sha256(plain) != a.frame_sha256 and draw_sample(plain, 20, 99).allocated_by_area() is None


def _xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(header)
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_area_column_is_read_from_csv_and_xlsx_frames():
    rows = [["R1", "business", "张三", "13912340001", "甲", "东村"], ["R2", "business", "李四", "", "乙", "西村"]]
    csv = "respondent_id,stratum,name,phone,address,area\n" + "".join(",".join(r) + "\n" for r in rows)
    from_csv = load_frame(csv.encode(), "frame.csv")
    assert from_csv.keys() == (AreaKey("R1", "business", "东村"), AreaKey("R2", "business", "西村"))
    from_xlsx = load_frame(_xlsx(["respondent_id", "stratum", "name", "phone", "address", "村"], rows), "frame.xlsx")
    assert from_xlsx.keys() == from_csv.keys()
    without = load_frame(b"respondent_id,stratum,name,phone,address\nR1,business,x,,y\n", "f.csv")
    assert without.keys() == (FrameKey("R1", "business"),)
