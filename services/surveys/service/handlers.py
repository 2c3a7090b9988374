"""Use cases of the surveys service: plan and rounds, responses and scores, frames, samples, fieldwork.

One module per area; this is the single entry point. Every handler runs in one `async with uow:`
transaction; events go to the outbox in it. Personal data (names, phones, addresses) is encrypted
before it reaches the repository and is never logged nor put into an event.
"""

from __future__ import annotations

from jixiao.errors import Forbidden

from .common import PlanContext, load_context
from .external import get_external_score, list_external_scores, put_external_score, remove_external_score
from .fieldwork import assign, fieldwork_status, my_assignments, record_interview, respondent_contact
from .frames import encrypt_frame, frame_groups, frame_view, get_frame, upload_frame
from .importing import import_bundle
from .plan_events import apply_plan_published, apply_unit_upserted
from .plans import PlanChange, define_plan, get_round, get_rounds, move_round, round_view
from .questionnaires import get_questionnaire, publish_questionnaire, questionnaire_view
from .responses import MODES, ImportReport, import_responses, response_scorer, validate_responses
from .samples import draw_unit_sample, get_sample, sample_view
from .scores import Z95, get_scores, score_event, score_view
from .unit_of_work import AbstractUnitOfWork

__all__ = [
    "AbstractUnitOfWork",
    "Forbidden",
    "PlanContext",
    "load_context",
    "PlanChange",
    "define_plan",
    "get_round",
    "get_rounds",
    "move_round",
    "round_view",
    "get_questionnaire",
    "publish_questionnaire",
    "questionnaire_view",
    "MODES",
    "ImportReport",
    "import_responses",
    "response_scorer",
    "validate_responses",
    "import_bundle",
    "Z95",
    "get_scores",
    "score_event",
    "score_view",
    "apply_plan_published",
    "apply_unit_upserted",
    "encrypt_frame",
    "frame_groups",
    "frame_view",
    "get_frame",
    "upload_frame",
    "draw_unit_sample",
    "get_sample",
    "sample_view",
    "assign",
    "fieldwork_status",
    "my_assignments",
    "record_interview",
    "respondent_contact",
    "get_external_score",
    "list_external_scores",
    "put_external_score",
    "remove_external_score",
]
