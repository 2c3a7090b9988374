"""What the reports routes share: the unit of work and language/time-zone context per request,
the parameter types, the path prefix and the attachment response."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Header, Path, Query, Request
from fastapi.responses import Response

from services.reports.entrypoints import i18n, views
from services.reports.service.unit_of_work import SqlAlchemyReportsUnitOfWork
from services.reports.settings import ReportsSettings


def get_uow(request: Request) -> SqlAlchemyReportsUnitOfWork:
    return SqlAlchemyReportsUnitOfWork(request.app.state.runtime)


def get_ctx(
    request: Request,
    lang: Annotated[str | None, Query(max_length=10, description="zh-CN | en")] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> views.Ctx:
    """Language (`?lang=`, else Accept-Language, else zh-CN) and the county's time zone."""
    settings: ReportsSettings = request.app.state.runtime.extras.get("reports") or ReportsSettings()
    return views.Ctx(i18n.pick(lang, accept_language), settings.zone, lang, request.url.path)


Uow = Annotated[SqlAlchemyReportsUnitOfWork, Depends(get_uow)]
Ctx = Annotated[views.Ctx, Depends(get_ctx)]
Group = Annotated[str | None, Query(max_length=100, description="only this ranking group")]
SnapshotQ = Annotated[int | None, Query(ge=1, description="a complete graded snapshot version")]
Version = Annotated[int, Path(ge=1, description="a graded snapshot version")]
PERIOD = "/v1/plans/{plan_id}/periods/{period}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )
