"""`jixiao import` is all or nothing across services: every service checks its part first (a dry
run that writes nothing), and only when all accept does any service write."""

from __future__ import annotations

import httpx
import pytest

from jixiao.errors import FieldProblem, InvalidInput
from jixiao.rules import exactjson
from jixiao.samples import BAILIAN_BUNDLE
from jixiao_cli import importer
from jixiao_cli.client import ServiceProblem, StackClient

pytestmark = pytest.mark.unit


class FakeStack(StackClient):
    """The three sources as fakes: `refuse` maps a service to the problems its dry run answers."""

    def __init__(self, refuse: dict[str, list[FieldProblem]] | None = None) -> None:
        super().__init__(urls={}, grpc={}, token=None)
        self.refuse = refuse or {}
        self.calls: list[tuple[str, bool]] = []

    def request(self, service: str, method: str, path: str, **kwargs) -> httpx.Response:
        dry = (kwargs.get("params") or {}).get("dry_run") == "true"
        self.calls.append((service, dry))
        assert (method, path) == ("POST", "/v1/import")
        exactjson.loads(kwargs["content"])  # what is sent is exact JSON
        if service in self.refuse:
            err = ServiceProblem(f"{service}: the bundle was refused", problems=self.refuse[service])
            err.status = 422
            raise err
        return httpx.Response(200, json={"service": service, **({"dry_run": True} if dry else {})})


def bundle() -> dict:
    return exactjson.loads(BAILIAN_BUNDLE.read_bytes())


def test_every_service_checks_first_then_each_writes() -> None:
    stack = FakeStack()
    counts = importer.import_bundle(stack, bundle())
    assert stack.calls == [
        ("indicators", True),
        ("surveys", True),
        ("inspections", True),
        ("indicators", False),
        ("surveys", False),
        ("inspections", False),
    ]
    assert sorted(counts) == ["indicators", "inspections", "surveys"]


def test_one_refusing_service_leaves_every_service_unchanged() -> None:
    stack = FakeStack({"inspections": [FieldProblem("$.deductions[3].unit", "deduction d4 belongs to v02")]})
    with pytest.raises(InvalidInput) as caught:
        importer.import_bundle(stack, bundle())
    assert all(dry for _, dry in stack.calls), "nothing but dry runs was sent"
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("inspections: $.deductions[3].unit", "deduction d4 belongs to v02")
    ]
    assert "nothing was written anywhere" in caught.value.detail


def test_a_bundle_the_rules_refuse_reaches_no_service() -> None:
    doc = bundle()
    doc["results"][0]["unit"] = "nobody"
    stack = FakeStack()
    with pytest.raises(InvalidInput):
        importer.import_bundle(stack, doc)
    assert stack.calls == []


class RecordingStack(FakeStack):
    """Keeps every body sent; refuses the dry run of one chunk when `refuse_chunk` says which."""

    def __init__(self, refuse_chunk: tuple[str, int] | None = None) -> None:
        super().__init__()
        self.bodies: list[tuple[str, bool, dict]] = []
        self.refuse_chunk = refuse_chunk

    def request(self, service: str, method: str, path: str, **kwargs) -> httpx.Response:
        dry = (kwargs.get("params") or {}).get("dry_run") == "true"
        body = exactjson.loads(kwargs["content"])
        self.bodies.append((service, dry, body))
        seen = sum(1 for s, d, _ in self.bodies if s == service and d == dry)
        if dry and self.refuse_chunk == (service, seen):
            err = ServiceProblem(f"{service}: refused", problems=[FieldProblem("$.results[0].actual", "too large")])
            err.status = 422
            raise err
        counts = {key: len(value) for key, value in body.items() if isinstance(value, list)}
        return httpx.Response(200, json={"service": service, **counts})


def test_a_large_part_goes_in_chunks_that_each_fit_and_keep_the_order() -> None:
    doc = bundle()
    limit = 64 << 10
    stack = RecordingStack()
    counts = importer.import_bundle(stack, doc, chunk_bytes=limit)
    written = [(s, b) for s, dry, b in stack.bodies if not dry]
    indicators = [b for s, b in written if s == "indicators"]
    surveys = [b for s, b in written if s == "surveys"]
    assert len(surveys) > 1, "the township's survey responses do not fit in 64 KiB: several chunks"
    for body in (b for _, b in written):
        assert len(exactjson.dumps(body).encode()) <= limit
    # every chunk carries the shared records, and the slices add up to the bundle in its order
    assert all(b["plan"] == doc["plan"] and b["units"] == doc["units"] for b in surveys)
    assert [r for b in surveys for r in b["survey_responses"]] == doc["survey_responses"]
    assert [r for b in indicators for r in b["results"]] == doc["results"]
    assert counts["surveys"]["survey_responses"] == len(doc["survey_responses"])
    # every chunk of every service was checked before the first write
    first_write = next(i for i, (_, dry, _) in enumerate(stack.bodies) if not dry)
    assert all(dry for _, dry, _ in stack.bodies[:first_write])
    assert sum(1 for _, dry, _ in stack.bodies if dry) == len(written)


def test_a_refused_later_chunk_leaves_every_service_unchanged() -> None:
    stack = RecordingStack(refuse_chunk=("surveys", 2))
    with pytest.raises(InvalidInput) as caught:
        importer.import_bundle(stack, bundle(), chunk_bytes=64 << 10)
    assert all(dry for _, dry, _ in stack.bodies), "nothing but dry runs was sent"
    assert caught.value.problems[0].path.startswith("surveys (chunk 2 of ")


def test_shared_records_larger_than_a_chunk_are_refused_with_the_way_out() -> None:
    with pytest.raises(InvalidInput, match="raise --chunk-bytes"):
        importer.import_bundle(RecordingStack(), bundle(), chunk_bytes=2 << 10)
