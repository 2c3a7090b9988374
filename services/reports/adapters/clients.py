"""Clients of other services: scoring's unit score with its explanation, over REST.

Reports never imports services.scoring: it reads the explanation as the JSON scoring serves
(`GET /v1/plans/{plan}/periods/{period}/units/{unit}`, decimals as JSON numbers read exactly).
"""

from __future__ import annotations

import abc
from urllib.parse import quote

import httpx

from jixiao.errors import NotFound
from jixiao.rules import exactjson
from services.reports.domain.errors import ScoringUnavailable


class AbstractScoringClient(abc.ABC):
    """Port: one unit's score and explanation as scoring has it."""

    @abc.abstractmethod
    async def unit_score(
        self, plan_id: str, period: str, unit_id: str, *, version: int | None = None, token: str = ""
    ) -> dict:
        """{"score": {...}, "explanation": {...}} with Decimals, of snapshot `version` (None: the provisional
        score); NotFound if scoring has none."""


class HttpScoringClient(AbstractScoringClient):
    """Scoring's REST API (`JIXIAO_SCORING_URL`); the caller's token is passed on."""

    def __init__(self, base_url: str, timeout_s: float = 10.0, transport: httpx.AsyncBaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.transport = transport

    async def unit_score(
        self, plan_id: str, period: str, unit_id: str, *, version: int | None = None, token: str = ""
    ) -> dict:
        url = (
            f"{self.base_url}/v1/plans/{quote(plan_id, safe='')}/periods/{quote(period, safe='')}"
            f"/units/{quote(unit_id, safe='')}"
        )
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s, transport=self.transport) as http:
                r = await http.get(
                    url, params={"version": version} if version else {"provisional": "true"}, headers=headers
                )
        except httpx.HTTPError as exc:
            raise ScoringUnavailable(f"scoring did not answer: {exc}") from exc
        if r.status_code == 404:
            raise NotFound(f"scoring has no score of unit {unit_id!r} in {plan_id!r} {period!r}")
        if r.status_code != 200:
            raise ScoringUnavailable(f"scoring answered {r.status_code}")
        return exactjson.loads(r.content)
