"""The surveys repository: one object over the three area repositories, on one session.

Handlers reach every area through `uow.repo`; each area's port and records live in its module
(`plans`, `responses`, `fieldwork`), so a use case imports the records from the area it works in.
"""

from __future__ import annotations

from services.surveys.adapters.external import AbstractExternalScoreRepository, SqlAlchemyExternalScoreRepository
from services.surveys.adapters.fieldwork import AbstractFieldworkRepository, SqlAlchemyFieldworkRepository
from services.surveys.adapters.plans import AbstractPlanRepository, SqlAlchemyPlanRepository
from services.surveys.adapters.responses import AbstractResponseRepository, SqlAlchemyResponseRepository


class AbstractSurveysRepository(
    AbstractPlanRepository, AbstractResponseRepository, AbstractFieldworkRepository, AbstractExternalScoreRepository
):
    """The port the handlers use; `SqlAlchemySurveysRepository` in production, a fake in unit tests."""


class SqlAlchemySurveysRepository(
    SqlAlchemyPlanRepository,
    SqlAlchemyResponseRepository,
    SqlAlchemyFieldworkRepository,
    SqlAlchemyExternalScoreRepository,
    AbstractSurveysRepository,
):
    """The three SQL area repositories on one session (the unit of work's)."""
