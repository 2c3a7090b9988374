"""`jixiao import` sends a part again when the service rolled it back (503), and only then."""

from __future__ import annotations

import httpx
import pytest

from jixiao_cli import importer
from jixiao_cli.client import ServiceProblem

pytestmark = pytest.mark.unit


class FlakyClient:
    """A stack client whose services answer with the given statuses, in order, then 200."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.calls = 0

    def request(self, service: str, method: str, path: str, **kwargs) -> httpx.Response:
        self.calls += 1
        if self.statuses:
            err = ServiceProblem(f"{service}: status")
            err.status = self.statuses.pop(0)
            raise err
        return httpx.Response(200, json={"ok": service})


def test_a_rolled_back_import_is_sent_again():
    client = FlakyClient([503, 503])
    assert importer._post_import(client, "surveys", b"{}") == {"ok": "surveys"}
    assert client.calls == 3


def test_a_refused_import_is_not_sent_again():
    client = FlakyClient([422])
    with pytest.raises(ServiceProblem):
        importer._post_import(client, "surveys", b"{}")
    assert client.calls == 1
