"""Frame files: phone formats, per-row problem reports, all-or-nothing, CSV and XLSX."""

from __future__ import annotations

import io

import openpyxl
import pytest

from services.surveys.adapters.frames_io import load_frame, read_table
from services.surveys.domain.errors import FrameFileError, FrameInvalid, FrameProblem
from services.surveys.domain.frames import mask_phone, normalize_phone, validate_frame

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("86-138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese IME
        ("0871-1234567", "0871-1234567"),
        ("0871 12345678", "0871-12345678"),
        ("010-12345678", "010-12345678"),
    ],
)
def test_accepted_phone_numbers(raw: str, normal: str) -> None:
    assert normalize_phone(raw) == normal


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",  # 12x is not a mobile prefix
        "1381234567",  # too short
        "138123456789",  # too long
        "+8713812345678",
        "0871-12345",
        "08711234567",  # landline without separator: area code ambiguous
        "871-1234567",
        "phone",
        "138 1234 567a",
        "",
    ],
)
def test_malformed_phone_numbers(raw: str) -> None:
    assert normalize_phone(raw) is None


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0871-1234567") == "087****4567"


def test_a_good_csv_frame(frame_csv) -> None:
    data = frame_csv(
        [
            ("v2", "rural_resident", "王芳", "+86 139-0000-1111", "杨河乡3村"),
            ("v1", "npc_deputy", "李强", "0873-7654321", ""),
            ("v3", "农村居民", "张伟", "", "白莲镇5号"),  # alias, address only
        ]
    )
    frame = load_frame(data, "units/v01.csv")
    assert [e.respondent_id for e in frame.entries] == ["v1", "v2", "v3"]  # canonical order
    assert [e.row for e in frame.entries] == [3, 2, 4]
    by_id = {e.respondent_id: e for e in frame.entries}
    assert by_id["v2"].phone == "13900001111"
    assert by_id["v1"].phone == "0873-7654321"
    assert by_id["v3"].stratum == "rural_resident"
    assert by_id["v3"].phone == ""
    assert frame.strata_sizes() == {"npc_deputy": 1, "rural_resident": 2}
    assert frame.keys()[0] == ("v1", "npc_deputy")


def test_a_bad_frame_reports_every_bad_row_and_accepts_nothing(frame_csv) -> None:
    data = frame_csv(
        [
            ("a1", "business", "赵敏", "13812345678", "1号"),  # row 2: fine
            ("a2", "farmers", "钱静", "13812345679", "2号"),  # row 3: unknown stratum
            ("a1", "business", "孙丽", "13812345670", "3号"),  # row 4: duplicate id
            ("a4", "business", "李娜", "55555", "4号"),  # row 5: malformed phone
            ("a5", "urban_resident", "", "13812345671", "5号"),  # row 6: missing name
            ("a6", "urban_resident", "周军", "", ""),  # row 7: no contact at all
            ("", "", "吴洋", "13812345672", ""),  # row 8: no id, no stratum
            ("13912345678", "business", "郑磊", "13912345678", ""),  # row 9: id is a phone
            ("a9", "npc_deputy", "冯伟", "13812345673", "9号"),  # row 10: fine
        ]
    )
    with pytest.raises(FrameInvalid) as caught:
        load_frame(data, "v01.csv")
    problems = caught.value.problems
    assert [(p.row, p.column) for p in problems] == [
        (3, "stratum"),
        (4, "respondent_id"),
        (5, "phone"),
        (6, "name"),
        (7, "phone"),
        (8, "respondent_id"),
        (8, "stratum"),
        (9, "respondent_id"),
    ]
    messages = {(p.row, p.column): p.message for p in problems}
    assert "unknown stratum 'farmers'" in messages[(3, "stratum")]
    assert messages[(4, "respondent_id")] == "duplicate respondent_id 'a1' (first on row 2)"
    assert messages[(5, "phone")].startswith("malformed phone number")
    assert messages[(6, "name")] == "missing name"
    assert "no contact" in messages[(7, "phone")]
    # personal data never appears in a problem message (they may end up in logs)
    text = str(caught.value) + " ".join(p.message for p in problems)
    for pii in ("赵敏", "孙丽", "李娜", "55555", "13812345670", "13912345678", "周军"):
        assert pii not in text


def test_missing_columns_are_reported_on_the_header_row(frame_csv) -> None:
    data = frame_csv([("a", "business", "x")], header="respondent_id,stratum,name")
    with pytest.raises(FrameInvalid) as caught:
        load_frame(data, "f.csv")
    assert caught.value.problems == (
        FrameProblem(1, "phone", "missing column"),
        FrameProblem(1, "address", "missing column"),
    )


def test_header_may_follow_title_rows_extra_columns_are_dropped() -> None:
    data = (
        "白莲镇公众评议样本框,,,,,\n"
        "\n"
        "Respondent_ID,Stratum,Name,Phone,Address,备注\n"
        "a1,business,张三,13812345678,1号,secret note\n"
        "a2,mars,李四,13812345678,2号,\n"
    ).encode()
    with pytest.raises(FrameInvalid) as caught:
        load_frame(data, "f.csv")
    assert [(p.row, p.column) for p in caught.value.problems] == [(5, "stratum")]
    frame = load_frame(data.replace(b"mars", b"business"), "f.csv")
    assert len(frame) == 2
    assert "secret note" not in repr(frame.entries)


def test_header_without_rows_and_empty_file(frame_csv) -> None:
    with pytest.raises(FrameInvalid, match="no respondents"):
        load_frame(frame_csv([]), "f.csv")
    with pytest.raises(FrameInvalid, match="missing header row"):
        load_frame(b"", "f.csv")


def test_too_many_values_in_a_row(frame_csv) -> None:
    data = frame_csv([("a1", "business", "张三", "13812345678", "1号", "2号")])
    with pytest.raises(FrameInvalid) as caught:
        load_frame(data, "f.csv")
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "*")]


def test_gb18030_csv_from_chinese_excel(frame_csv) -> None:
    text = "respondent_id,stratum,name,phone,address\na1,企业经营者,张三,13812345678,白莲镇\n"
    frame = load_frame(text.encode("gb18030"), "f.csv")
    assert frame.entries[0].name == "张三"
    assert frame.entries[0].stratum == "business"
    bom = load_frame(("\ufeff" + text).encode("utf-8"), "f.csv")
    assert bom.entries == frame.entries


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_frame_with_numeric_cells() -> None:
    data = _xlsx(
        [
            ["respondent_id", "stratum", "name", "phone", "address"],
            [1001, "business", "张三", 13812345678, "1号"],
            [None, None, None, None, None],
            [1002, "urban_resident", "李四", "0871-1234567", None],
        ]
    )
    frame = load_frame(data, "F.XLSX")
    assert [(e.respondent_id, e.phone, e.row) for e in frame.entries] == [
        ("1001", "13812345678", 2),
        ("1002", "0871-1234567", 4),
    ]


def test_xlsx_problems_carry_sheet_row_numbers() -> None:
    data = _xlsx(
        [
            ["respondent_id", "stratum", "name", "phone", "address"],
            ["a1", "business", "张三", 13812345678, "1号"],
            [],
            ["a2", "business", "李四", 1234, "2号"],
        ]
    )
    with pytest.raises(FrameInvalid) as caught:
        load_frame(data, "f.xlsx")
    assert [(p.row, p.column) for p in caught.value.problems] == [(4, "phone")]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"whatever", "f.txt", "unsupported file type"),
        (b"whatever", "f.xls", "legacy .xls"),
        (b"not a zip", "f.xlsx", "not a readable .xlsx"),
        (b"a,b\x00", "f.csv", "NUL"),
    ],
)
def test_unreadable_files(data: bytes, name: str, message: str) -> None:
    with pytest.raises(FrameFileError, match=message):
        read_table(data, name)


def test_entries_hide_personal_data_from_repr(frame_csv) -> None:
    frame = load_frame(frame_csv([("a1", "business", "张三", "13812345678", "白莲镇1号")]), "f.csv")
    text = repr(frame) + str(frame.entries[0])
    assert "a1" in text
    for pii in ("张三", "13812345678", "白莲镇1号"):
        assert pii not in text


def test_validate_frame_with_plan_specific_strata() -> None:
    frame = validate_frame(
        ["respondent_id", "stratum", "name", "phone", "address"],
        [(2, ["x1", "teachers", "张三", "13812345678", ""])],
        strata={"teachers"},
    )
    assert frame.keys() == (("x1", "teachers"),)
    with pytest.raises(FrameInvalid, match="unknown stratum 'business'"):
        validate_frame(
            ["respondent_id", "stratum", "name", "phone", "address"],
            [(2, ["x1", "business", "张三", "13812345678", ""])],
            strata={"teachers"},
        )
