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


def check_with_services(client: StackClient, parts: dict[str, bytes]) -> None:
    """Ask every service to check its part without writing (`dry_run`); InvalidInput naming each
    refusal (`<service>: <path>`) when any service refuses, so that no service is changed."""
    problems: list[FieldProblem] = []
    for service, body in parts.items():
        try:
            _post_import(client, service, body, dry_run=True)
        except ServiceProblem as exc:
            if not 400 <= exc.status < 500:
                raise
            problems.extend(FieldProblem(f"{service}: {p.path}", p.message) for p in exc.problems)
            if not exc.problems:
                problems.append(FieldProblem(service, exc.detail))
    if problems:
        refused = sorted({p.path.split(":")[0] for p in problems})
        raise InvalidInput(f"{', '.join(refused)} refused the bundle; nothing was written anywhere", problems=problems)


def import_bundle(client: StackClient, data: dict[str, Any], progress=None) -> dict[str, dict[str, Any]]:
    """Validate with the rules, let every service check its part (dry run), and only when all accept
    POST each part to its service's `/v1/import` (idempotent); returns their counts."""
    validate_bundle(data)
    parts = {service: exactjson.dumps(body).encode() for service, body in split_bundle(data).items()}
    if progress:
        progress("check")
    check_with_services(client, parts)
    counts: dict[str, dict[str, Any]] = {}
    for service, body in parts.items():
        if progress:
            progress(service)
        counts[service] = _post_import(client, service, body)
    # Reports learns grade labels and unit names from the indicators events (PlanPublished, UnitUpserted).
    return counts
