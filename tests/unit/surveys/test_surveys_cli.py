"""The offline `jixiao survey sample` command."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from services.surveys.adapters.frames_io import load_frame
from services.surveys.domain.sampling import draw_sample
from services.surveys.entrypoints.cli import app, sample_command

pytestmark = pytest.mark.unit

FRAME_4000 = {"rural_resident": 1234, "urban_resident": 1011, "business": 987, "npc_deputy": 768}


@pytest.fixture
def frame_4000(tmp_path: Path, make_keys, person_rows, frame_csv) -> Path:
    path = tmp_path / "v01.csv"
    path.write_bytes(frame_csv(person_rows(make_keys(FRAME_4000))))
    return path


def run(*args, **kw) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = sample_command(*args, out=out, err=err, **kw)
    return code, out.getvalue(), err.getvalue()


def test_prints_the_sample_as_csv(frame_4000: Path) -> None:
    code, out, err = run(frame_4000, 600, 2026, "proportional", None)
    assert (code, err) == (0, "")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["respondent_id", "stratum"]
    assert len(rows) == 601
    assert Counter(s for _, s in rows[1:]) == {
        "rural_resident": 185,
        "urban_resident": 152,
        "business": 148,
        "npc_deputy": 115,
    }
    # the same code as the service: validate the frame, draw, list by stratum then id
    frame = load_frame(frame_4000.read_bytes(), "v01.csv")
    expected = [list(k) for k in draw_sample(frame.keys(), 600, 2026).respondents()]
    assert rows[1:] == expected
    assert "张" not in out and "白莲镇" not in out  # no personal data in the export


def test_reproducible_and_independent_of_row_order(frame_4000: Path, tmp_path: Path) -> None:
    lines = frame_4000.read_text(encoding="utf-8").splitlines()
    body = lines[1:]
    random.Random(1).shuffle(body)
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("\n".join([lines[0], *body]) + "\n", encoding="utf-8")
    a = run(frame_4000, 600, 7, "proportional", None)
    assert run(frame_4000, 600, 7, "proportional", None) == a
    assert run(shuffled, 600, 7, "proportional", None) == a
    assert run(frame_4000, 600, 8, "proportional", None)[1] != a[1]


def test_neyman_with_sd_arguments(frame_4000: Path) -> None:
    sds = ["rural_resident=10", "urban_resident=10", "business=20", "npc_deputy=0.5"]
    code, out, err = run(frame_4000, 600, 1, "neyman", sds)
    assert (code, err) == (0, "")
    counts = Counter(row.split(",")[1] for row in out.splitlines()[1:])
    # N·S = 12340, 10110, 19740, 384 (42574): 173.91, 142.48, 278.20, 5.41 -> floors 598,
    # the two seats left go to .91 (rural_resident) and .48 (urban_resident)
    assert counts == {
        "rural_resident": 174,
        "urban_resident": 143,
        "business": 278,
        "npc_deputy": 5,
    }


def test_bad_frame_exits_2_with_one_line_per_problem(tmp_path: Path, frame_csv) -> None:
    path = tmp_path / "FRAME.csv"
    path.write_bytes(
        frame_csv(
            [
                ("a1", "business", "张三", "13812345678", "1号"),
                ("a1", "business", "李四", "13812345679", "2号"),
                ("a3", "martians", "王五", "999", "3号"),
            ]
        )
    )
    code, out, err = run(path, 1, 1, "proportional", None)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"error: {path}:row 3: respondent_id: duplicate respondent_id 'a1' (first on row 2)",
        f"error: {path}:row 4: stratum: unknown stratum 'martians' (expected one of business,"
        " npc_deputy, rural_resident, urban_resident)",
        f"error: {path}:row 4: phone: malformed phone number: expected a mobile number "
        "1[3-9]xxxxxxxxx (optionally +86/86, spaces or dashes) or a landline like 0871-1234567",
    ]


@pytest.mark.parametrize(
    ("size", "allocation", "sds", "expected"),
    [
        (0, "proportional", None, ["error: --size: must be a whole number ≥ 1, got 0"]),
        (5, "cluster", None, ["error: --allocation: 'cluster' is not one of proportional, neyman, fixed"]),
        (
            5,
            "neyman",
            None,
            ["error: --allocation neyman: give --sd stratum=value for every stratum"],
        ),
        (
            5,
            "neyman",
            ["business", "npc_deputy=x"],
            [
                "error: --sd business: expected stratum=value",
                "error: --sd npc_deputy=x: 'x' is not a decimal number",
            ],
        ),
        (
            5,
            "neyman",
            ["busines=1", "business=1"],
            [
                "error: --sd busines: unknown stratum (expected one of npc_deputy, business,"
                " urban_resident, rural_resident)"
            ],
        ),
        (
            5,
            "proportional",
            ["business=1"],
            ["error: --sd: standard deviations are only used with --allocation neyman"],
        ),
        (
            5,
            "neyman",
            ["business=1"],
            [
                "error: {path}: missing standard deviation for stratum 'npc_deputy'",
                "error: {path}: missing standard deviation for stratum 'rural_resident'",
                "error: {path}: missing standard deviation for stratum 'urban_resident'",
            ],
        ),
        (
            4001,
            "proportional",
            None,
            ["error: {path}: sample size 4001 exceeds the frame's 4000 respondents"],
        ),
    ],
)
def test_bad_arguments_exit_2(frame_4000: Path, size, allocation, sds, expected) -> None:
    code, out, err = run(frame_4000, size, 1, allocation, sds)
    assert (code, out) == (2, "")
    assert err.splitlines() == [line.format(path=frame_4000) for line in expected]


def test_unreadable_frame_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    code, _, err = run(missing, 5, 1, "proportional", None)
    assert code == 2 and err.startswith(f"error: {missing}: cannot read the file")
    txt = tmp_path / "frame.txt"
    txt.write_text("x")
    code, _, err = run(txt, 5, 1, "proportional", None)
    assert code == 2 and "unsupported file type '.txt'" in err


def test_typer_app_mounts_under_a_root_cli(frame_4000: Path) -> None:
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """jixiao."""

    root.add_typer(app, name="survey")
    runner = CliRunner()
    ok = runner.invoke(root, ["survey", "sample", str(frame_4000), "--size", "600", "--seed", "3"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.splitlines()[0] == "respondent_id,stratum"
    assert len(ok.stdout.splitlines()) == 601
    sds = [f"--sd={h}=1" for h in FRAME_4000]
    args = ["survey", "sample", str(frame_4000), "--size", "10", "--seed", "3"]
    neyman = runner.invoke(root, [*args, "--allocation", "neyman", *sds])
    assert neyman.exit_code == 0, neyman.output
    bad = runner.invoke(root, ["survey", "sample", str(frame_4000), "--size", "0", "--seed", "3"])
    assert bad.exit_code == 2
    assert "error: --size" in bad.stderr


def test_fixed_quotas_from_the_command_line(frame_4000: Path) -> None:
    code, out, err = run(frame_4000, None, 2026, "fixed", None, quotas=["business=30", "npc_deputy=20"])
    assert (code, err) == (0, "")
    rows = list(csv.reader(io.StringIO(out)))[1:]
    assert Counter(s for _, s in rows) == {"business": 30, "npc_deputy": 20}
    code, _, err = run(frame_4000, None, 2026, "fixed", None, quotas=["business=988"])
    assert code != 0 and "above the stratum's 987" in err
    code, _, err = run(frame_4000, 10, 2026, "proportional", None, quotas=["business=5"])
    assert code != 0 and "only used with --allocation fixed" in err
