"""Optimistic concurrency over HTTP, the same in every service: `ETag: "<revision>"` on reads and
writes, `If-Match` on updates (the use case refuses a missing one with 428 and a stale one with 412)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Response

from jixiao.errors import PreconditionFailed


def if_match_revision(
    if_match: Annotated[str | None, Header(description='The ETag you read, e.g. "3"')] = None,
) -> int | None:
    """The revision an update is based on, or None when no If-Match was sent."""
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise PreconditionFailed(f"If-Match {if_match!r} is not an ETag of this service")
    return int(raw)


IfMatch = Annotated[int | None, Depends(if_match_revision)]


def set_etag(response: Response, revision: int) -> None:
    response.headers["ETag"] = f'"{revision}"'
