"""Respondent frames: validation of uploaded rows into a frame, all-or-nothing.

The input is already split into cells by an adapter (CSV or XLSX); this module decides what is
acceptable. Names, phones and addresses are personal data: they are kept out of `repr`, never
echoed in problem messages, and must be encrypted before they are stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from .errors import FrameInvalid, FrameProblem
from .model import RESPONDENT_GROUPS
from .sampling import AreaKey, FrameKey, frame_key

COLUMNS = ("respondent_id", "stratum", "name", "phone", "address")
# Optional: the respondent's area (e.g. village, 村), to balance the sample across areas.
AREA_COLUMN = "area"
AREA_ALIASES = {"village": AREA_COLUMN, "村": AREA_COLUMN, "地区": AREA_COLUMN, "区域": AREA_COLUMN}
MAX_AREA_LENGTH = 100
PII_COLUMNS = ("name", "phone", "address")

# Chinese labels for the four standard groups, as they appear in spreadsheets from the field.
STRATUM_ALIASES = {
    "人大代表": "npc_deputy",
    "企业经营者": "business",
    "城镇居民": "urban_resident",
    "农村居民": "rural_resident",
}

MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 100
MAX_ADDRESS_LENGTH = 500

_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
_LANDLINE = re.compile(r"(0\d{2,3})[- ](\d{7,8})")
_SEPARATORS = re.compile(r"[\s-]+")
_ID_CARD = re.compile(r"\d{17}[\dXx]|\d{15}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
PHONE_HELP = (
    "malformed phone number: expected a mobile number 1[3-9]xxxxxxxxx "
    "(optionally +86/86, spaces or dashes) or a landline like 0871-1234567"
)


@dataclass(frozen=True)
class FrameEntry:
    """One validated respondent; PII fields are hidden from repr so logs cannot leak them."""

    respondent_id: str
    stratum: str
    name: str = field(repr=False)
    phone: str = field(repr=False)  # normalised: "13812345678" or "0871-1234567"; "" if none
    address: str = field(repr=False)
    row: int = 0
    area: str = ""  # e.g. the village; "" when the frame has no area column

    @property
    def key(self) -> FrameKey | AreaKey:
        """The (respondent_id, stratum[, area]) sampling uses."""
        return frame_key(self.respondent_id, self.stratum, self.area)


@dataclass(frozen=True)
class Frame:
    """A validated respondent frame, entries in canonical order (respondent_id ascending)."""

    entries: tuple[FrameEntry, ...]

    def keys(self) -> tuple[FrameKey | AreaKey, ...]:
        """The (respondent_id, stratum, area) keys, canonical order."""
        return tuple(e.key for e in self.entries)

    def strata_sizes(self) -> dict[str, int]:
        """Members per stratum, strata in name order."""
        sizes: dict[str, int] = {}
        for e in self.entries:
            sizes[e.stratum] = sizes.get(e.stratum, 0) + 1
        return dict(sorted(sizes.items()))

    def __len__(self) -> int:
        return len(self.entries)


def normalize_phone(raw: str) -> str | None:
    """Return the canonical form of a Chinese mobile or landline number, or None if malformed."""
    text = unicodedata.normalize("NFKC", raw).strip()  # full-width digits from Chinese IMEs
    landline = _LANDLINE.fullmatch(text)
    if landline:
        return f"{landline[1]}-{landline[2]}"
    mobile = _MOBILE.fullmatch(_SEPARATORS.sub("", text))
    return mobile[1] if mobile else None


def mask_phone(phone: str) -> str:
    """Show a phone for interviewers' lists without the middle digits: 138****5678."""
    digits = phone.replace("-", "")
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def _cell(value: object) -> str:
    return "" if value is None else str(value).strip()


def _header_name(value: object) -> str:
    name = _cell(value).lstrip("\ufeff").strip().lower()
    return AREA_ALIASES.get(name, name)


def validate_frame(
    header: Sequence[object],
    rows: Iterable[tuple[int, Sequence[object]]],
    strata: Collection[str] = RESPONDENT_GROUPS,
    *,
    header_row: int = 1,
) -> Frame:
    """Validate a frame's header and numbered rows; raise FrameInvalid listing every problem.

    `rows` are (row number, cells) numbered as the file shows them; `header_row` is the header's.
    Blank rows are skipped; columns other than COLUMNS are ignored and never stored.
    """
    known = set(strata)
    index = _column_index(header, header_row)
    width = len(header)
    problems: list[FrameProblem] = []
    entries: list[FrameEntry] = []
    first_row: dict[str, int] = {}
    for row_no, cells in rows:
        values = [_cell(c) for c in cells]
        if not any(values):
            continue
        if any(values[width:]):
            problems.append(
                FrameProblem(row_no, "*", f"row has {len(values)} values but the header has {width} columns")
            )
        get = {col: (values[i] if i < len(values) else "") for col, i in index.items()}
        entry, row_problems = _read_row(row_no, get, known, first_row)
        if row_problems:
            problems.extend(row_problems)
        elif not problems:
            entries.append(entry)
    if not problems and not entries:
        problems.append(FrameProblem(header_row, "*", "the file has a header but no respondents"))
    if problems:
        raise FrameInvalid(problems)
    entries.sort(key=lambda e: e.respondent_id)
    return Frame(tuple(entries))


def _column_index(header: Sequence[object], header_row: int) -> dict[str, int]:
    """Where each of COLUMNS is in the header; FrameInvalid if one is missing or repeated."""
    names = [_header_name(h) for h in header]
    if not any(names):
        raise FrameInvalid([FrameProblem(header_row, "*", "missing header row: expected " + ",".join(COLUMNS))])
    problems: list[FrameProblem] = []
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in COLUMNS or name == AREA_COLUMN:
            if name in index:
                problems.append(FrameProblem(header_row, name, "column appears more than once"))
            else:
                index[name] = i
    for col in COLUMNS:
        if col not in index:
            problems.append(FrameProblem(header_row, col, "missing column"))
    if problems:
        raise FrameInvalid(problems)
    return index


def _read_row(
    row_no: int, get: dict[str, str], known: set[str], first_row: dict[str, int]
) -> tuple[FrameEntry | None, list[FrameProblem]]:
    """One row's entry, or its problems (in column order); notes a new id's row in `first_row`."""
    found: list[tuple[str, str | None]] = []
    rid = get["respondent_id"]
    found.append(("respondent_id", _id_problem(rid, row_no, first_row)))
    stratum, problem = _stratum(get["stratum"], known)
    found.append(("stratum", problem))
    found.append(("name", _name_problem(get["name"])))
    address = get["address"]
    phone, problem = _phone(get["phone"], address)
    found.append(("phone", problem))
    if len(address) > MAX_ADDRESS_LENGTH:
        found.append(("address", f"address longer than {MAX_ADDRESS_LENGTH} characters"))
    area = get.get(AREA_COLUMN, "")
    if len(area) > MAX_AREA_LENGTH or _CONTROL.search(area):
        found.append((AREA_COLUMN, f"area must be at most {MAX_AREA_LENGTH} printable characters"))
    problems = [FrameProblem(row_no, col, message) for col, message in found if message]
    if problems:
        return None, problems
    return FrameEntry(rid, stratum, get["name"], phone, address, row_no, area), []


def _id_problem(rid: str, row_no: int, first_row: dict[str, int]) -> str | None:
    """What is wrong with a respondent id, if anything; a good one is noted in `first_row`."""
    if not rid:
        return "missing respondent_id"
    if len(rid) > MAX_ID_LENGTH or _CONTROL.search(rid):
        return f"respondent_id must be at most {MAX_ID_LENGTH} printable characters"
    if normalize_phone(rid) or _ID_CARD.fullmatch(rid):
        # ids travel in events and exports, so they must not be personal data themselves
        return "respondent_id looks like a phone or ID-card number; use an opaque id"
    if rid in first_row:
        return f"duplicate respondent_id {rid!r} (first on row {first_row[rid]})"
    first_row[rid] = row_no
    return None


def _stratum(raw: str, known: set[str]) -> tuple[str, str | None]:
    """The stratum (a Chinese label read as its group) and what is wrong with it, if anything."""
    stratum = raw
    if stratum not in known and STRATUM_ALIASES.get(stratum) in known:
        stratum = STRATUM_ALIASES[stratum]
    if not raw:
        return stratum, "missing stratum"
    if stratum not in known:
        return stratum, (f"unknown stratum {raw[:40]!r} (expected one of {', '.join(sorted(known))})")
    return stratum, None


def _name_problem(name: str) -> str | None:
    if not name:
        return "missing name"
    if len(name) > MAX_NAME_LENGTH:
        return f"name longer than {MAX_NAME_LENGTH} characters"
    return None


def _phone(raw: str, address: str) -> tuple[str, str | None]:
    """The normalised phone ("" if none) and what is wrong with the contact, if anything."""
    if raw:
        phone = normalize_phone(raw) or ""
        return phone, None if phone else PHONE_HELP
    if not address:
        return "", "no contact: give a phone number or an address"
    return "", None
