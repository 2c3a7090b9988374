"""`jixiao import`: validate a whole jixiao.bundle/v1 first, then hand each service its part."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from jixiao.errors import FieldProblem, InvalidInput
from jixiao.rules import exactjson
from jixiao_cli.client import ServiceProblem, StackClient

# Which service takes which part of a bundle (docs/service-conventions.md).
PARTS: dict[str, tuple[str, ...]] = {
    "indicators": ("plan", "indicators", "units", "targets", "results"),
    "surveys": ("plan", "units", "survey_strata", "survey_responses", "survey_external_scores"),
    "inspections": ("plan", "units", "deductions", "vetoes", "staff", "leaves", "absences"),
}
# The long lists of each part: a part larger than the chunk size is sent as several requests, each
# with the rest of the part (plan, units, targets, strata, staff) and a slice of these lists, in order.
BULK: dict[str, tuple[str, ...]] = {
    "indicators": ("results",),
    "surveys": ("survey_responses",),
    "inspections": ("deductions", "vetoes", "leaves", "absences"),
}
# Well under the services' default `/v1/import` limit (JIXIAO_HTTP_MAX_IMPORT_BYTES, 32 MiB).
DEFAULT_CHUNK_BYTES = 8 << 20


def read_bundle(path: Path) -> dict[str, Any]:
    """Read a bundle file with exact decimals; a missing or malformed file is InvalidInput."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        data = exactjson.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"{path}: not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: a bundle is a JSON object", problems=[FieldProblem("$", "must be an object")])
    return data


def validate_bundle(data: dict[str, Any]) -> None:
    """Run the scoring rules' bundle validation; every problem is reported with its JSON path."""
    from jixiao.rules.bundle import parse_bundle
    from jixiao.rules.errors import ValidationError

    try:
        parse_bundle(data)
    except ValidationError as exc:
        problems = [FieldProblem(p.path, p.message) for p in exc.problems]
        raise InvalidInput(f"the bundle has {len(problems)} problem(s)", problems=problems) from exc


def split_bundle(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {service: {key: data.get(key, []) for key in keys} for service, keys in PARTS.items()}


def chunk_part(service: str, part: dict[str, Any], limit: int = DEFAULT_CHUNK_BYTES) -> list[bytes]:
    """The request bodies of one service's part: the whole part when it fits in `limit` bytes, else
    chunks that each repeat the shared records and carry the next slice of the long lists (records
    keep their order, so a later record of the same id still comes later)."""
    whole = exactjson.dumps(part).encode()
    if len(whole) <= limit:
        return [whole]
    bulk = [key for key in BULK[service] if key in part]
    shared = {key: value for key, value in part.items() if key not in bulk}
    base = len(exactjson.dumps({**shared, **{key: [] for key in bulk}}).encode())
    if base >= limit:
        raise InvalidInput(
            f"{service}: the plan, units and other shared records alone take {base} bytes, more than the "
            f"chunk size {limit}; raise --chunk-bytes (and the services' JIXIAO_HTTP_MAX_IMPORT_BYTES)"
        )
    chunks: list[dict[str, list]] = []
    current: dict[str, list] = {key: [] for key in bulk}
    size = base
    for key in bulk:
        for record in part[key]:
            n = len(exactjson.dumps(record).encode()) + 1  # and its comma
            if base + n > limit:
                raise InvalidInput(f"{service}: one record of {key} takes {n} bytes, more than the chunk size {limit}")
            if size + n > limit:
                chunks.append(current)
                current, size = {k: [] for k in bulk}, base
            current[key].append(record)
            size += n
    chunks.append(current)
    return [exactjson.dumps({**shared, **chunk}).encode() for chunk in chunks]


def _add_counts(total: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    for key, value in more.items():
        if isinstance(value, int) and not isinstance(value, bool) and isinstance(total.get(key), int):
            total[key] += value
        else:
            total.setdefault(key, value)
    return total


def _retry_after_rollback(exc: BaseException) -> bool:
    # 503 "Try again": the service rolled the import back (a deadlock with its own consumer);
    # imports are idempotent, so sending the same part again is safe
    return isinstance(exc, ServiceProblem) and exc.status == 503


@retry(
    retry=retry_if_exception(_retry_after_rollback),
    stop=stop_after_attempt(5),
    wait=wait_exponential(multiplier=0.5, max=5),
    reraise=True,
)
def _post_import(client: StackClient, service: str, body: bytes, *, dry_run: bool = False) -> dict[str, Any]:
    return client.request(
        service,
        "POST",
        "/v1/import",
        content=body,
        params={"dry_run": "true"} if dry_run else None,
        headers={"content-type": "application/json"},
    ).json()


def check_with_services(client: StackClient, parts: dict[str, list[bytes]]) -> None:
    """Ask every service to check its part (every chunk) without writing (`dry_run`); InvalidInput
    naming each refusal (`<service>: <path>`) when any service refuses, so that no service is changed."""
    problems: list[FieldProblem] = []
    for service, bodies in parts.items():
        for index, body in enumerate(bodies):
            where = service if len(bodies) == 1 else f"{service} (chunk {index + 1} of {len(bodies)})"
            try:
                _post_import(client, service, body, dry_run=True)
            except ServiceProblem as exc:
                if not 400 <= exc.status < 500:
                    raise
                problems.extend(FieldProblem(f"{where}: {p.path}", p.message) for p in exc.problems)
                if not exc.problems:
                    problems.append(FieldProblem(where, exc.detail))
    if problems:
        refused = sorted({p.path.split(":")[0] for p in problems})
        raise InvalidInput(f"{', '.join(refused)} refused the bundle; nothing was written anywhere", problems=problems)


def import_bundle(
    client: StackClient, data: dict[str, Any], progress=None, chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> dict[str, dict[str, Any]]:
    """Validate with the rules, let every service check its part (dry run, every chunk), and only
    when all accept POST each part, in chunks of at most `chunk_bytes`, to its service's
    `/v1/import` (idempotent); returns their counts, summed over the chunks.

    All or nothing holds for refusals: nothing is written unless every chunk of every part passed
    its dry run. A failure while writing (a service gone) can leave the earlier chunks stored; the
    import is idempotent, so running it again completes it."""
    validate_bundle(data)
    parts = {service: chunk_part(service, body, chunk_bytes) for service, body in split_bundle(data).items()}
    if progress:
        progress("check")
    check_with_services(client, parts)
    counts: dict[str, dict[str, Any]] = {}
    for service, bodies in parts.items():
        if progress:
            progress(service if len(bodies) == 1 else f"{service} ({len(bodies)} chunks)")
        counts[service] = {}
        for body in bodies:
            _add_counts(counts[service], _post_import(client, service, body))
    # Reports learns grade labels and unit names from the indicators events (PlanPublished, UnitUpserted).
    return counts
