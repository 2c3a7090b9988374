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
