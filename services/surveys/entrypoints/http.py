"""REST of the surveys service: translate requests into handler calls and domain errors into problems."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, File, Header, Request, UploadFile
from fastapi.responses import JSONResponse

from jixiao import uploads
from jixiao.auth import INTERVIEWER, OFFICE, Caller, actor_name, require, signed_in
from jixiao.errors import FieldProblem, InvalidInput
from jixiao.http import problem
from jixiao.validation import PathId, VersionQuery
from services.surveys.adapters.frames_io import load_frame, read_table
from services.surveys.adapters.pii import PiiCipher
from services.surveys.domain import errors as de
from services.surveys.entrypoints.schemas import (
    AssignmentCreate,
    AssignmentRead,
    ContactRead,
    ExternalScoreRead,
    ExternalScoreWrite,
    FieldworkRead,
    FrameRead,
    InterviewCreate,
    InterviewRead,
    QuestionnaireCreate,
    QuestionnaireRead,
    RoundRead,
    RoundStateUpdate,
    SampleCreate,
    SampleRead,
    ScoreRead,
)
from services.surveys.service import handlers
from services.surveys.service.unit_of_work import SqlAlchemySurveysUnitOfWork

router = APIRouter(dependencies=[Depends(signed_in)])
# Who may change what (JIXIAO_AUTH; off: everyone is the local operator). Any role reads scores.
OFFICE_ONLY = [Depends(require(OFFICE))]
FIELD = [Depends(require(INTERVIEWER, OFFICE))]  # survey interviewers / the statistics bureau
MAX_UPLOAD = 64 * 1024 * 1024


def get_uow(request: Request) -> SqlAlchemySurveysUnitOfWork:
    return SqlAlchemySurveysUnitOfWork(request.app.state.runtime)


def get_cipher(request: Request) -> PiiCipher:
    return request.app.state.runtime.extras["pii_cipher"]


Uow = Annotated[SqlAlchemySurveysUnitOfWork, Depends(get_uow)]
Cipher = Annotated[PiiCipher, Depends(get_cipher)]


def _interviewer(
    who: Caller,
    x_actor: Annotated[
        str | None,
        Header(alias="X-Actor", description="the interviewer id of the caller (with auth on: the token's user)"),
    ] = None,
) -> str | None:
    return actor_name(who, x_actor)


Actor = Annotated[str | None, Depends(_interviewer)]
PLAN = "/v1/plans/{plan_id}"
ROUND = PLAN + "/rounds/{round}"
UNIT = ROUND + "/units/{unit_id}"


async def json_body(request: Request) -> Any:
    """The request body read by the kernel's one exact-JSON reader (decimals, never binary floats;
    no NaN, no deep nesting; bounded decimals and no control characters)."""
    return await request.json()


async def _read_upload(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("the file is larger than 64 MiB", problems=[FieldProblem("file", "too large")])
    if data.startswith(b"PK\x03\x04"):
        uploads.check_xlsx(data)  # zip-bomb limits before openpyxl parses anything
    return data


# --- plans, rounds, questionnaires -----------------------------------------------------------


@router.post("/v1/import", tags=["import"], dependencies=OFFICE_ONLY)
async def post_import(request: Request, uow: Uow, dry_run: bool = False) -> dict:
    """The bulk import contract: `{plan, units, survey_strata, survey_responses}`; idempotent; returns counts.
    `dry_run=true` checks and counts everything and writes nothing."""
    doc = await json_body(request)
    if not isinstance(doc, dict):
        raise InvalidInput("the body must be a JSON object", problems=[FieldProblem("$", "must be an object")])
    return await handlers.import_bundle(uow, doc, dry_run=dry_run)


@router.put(PLAN, tags=["plans"], dependencies=OFFICE_ONLY)
async def put_plan(plan_id: PathId, request: Request, uow: Uow) -> dict:
    """Define a plan's survey part (rounds with weights and periods, strata weights, answer scores) and units."""
    doc = await json_body(request)
    if not isinstance(doc, dict) or not isinstance(doc.get("plan"), dict) or doc["plan"].get("id") != plan_id:
        raise InvalidInput(
            "the body must be {plan: {id: <the plan in the path>, ...}, units, survey_strata}",
            problems=[FieldProblem("$.plan.id", f"must be {plan_id!r}")],
        )
    return await handlers.define_plan(uow, doc)


@router.get(PLAN + "/rounds", response_model=list[RoundRead], tags=["rounds"])
async def list_rounds(plan_id: PathId, uow: Uow) -> list[dict]:
    return await handlers.get_rounds(uow, plan_id)


@router.get(ROUND, response_model=RoundRead, tags=["rounds"])
async def get_round(plan_id: PathId, round: str, uow: Uow) -> dict:
    return await handlers.get_round(uow, plan_id, round)


@router.post(ROUND + "/state", response_model=RoundRead, tags=["rounds"], dependencies=OFFICE_ONLY)
async def move_round(plan_id: PathId, round: str, body: RoundStateUpdate, uow: Uow) -> dict:
    """open → fieldwork (every group needs a questionnaire) → closed (questionnaires frozen)."""
    return await handlers.move_round(uow, plan_id, round, body.state)


@router.post(
    ROUND + "/questionnaires/{group}",
    response_model=QuestionnaireRead,
    status_code=201,
    dependencies=OFFICE_ONLY,
    tags=["questionnaires"],
)
async def post_questionnaire(plan_id: PathId, round: str, group: str, body: QuestionnaireCreate, uow: Uow) -> dict:
    """Publish the next version of a respondent group's questionnaire."""
    return await handlers.publish_questionnaire(uow, plan_id, round, group, body.model_dump()["items"])


@router.get(ROUND + "/questionnaires/{group}", response_model=QuestionnaireRead, tags=["questionnaires"])
async def get_questionnaire(plan_id: PathId, round: str, group: str, uow: Uow, version: VersionQuery = None) -> dict:
    return await handlers.get_questionnaire(uow, plan_id, round, group, version)


# --- responses and scores --------------------------------------------------------------------


@router.post(PLAN + "/responses", tags=["responses"], dependencies=FIELD)
async def post_responses(plan_id: PathId, request: Request, uow: Uow) -> dict:
    """Bulk responses as JSON `{"responses": [{id, unit, round, stratum, mode, answers}]}`; idempotent by id."""
    doc = await json_body(request)
    records = doc.get("responses") if isinstance(doc, dict) else doc
    if not isinstance(records, list):
        raise InvalidInput("expected {responses: [...]}", problems=[FieldProblem("$.responses", "must be a list")])
    return await handlers.import_responses(uow, plan_id, records, base="$.responses")


RESPONSE_COLUMNS = ("id", "unit", "round", "stratum", "mode")


@router.post(PLAN + "/responses/file", tags=["responses"], dependencies=FIELD)
async def post_responses_file(plan_id: PathId, uow: Uow, file: Annotated[UploadFile, File()]) -> dict:
    """Bulk responses as CSV/XLSX: columns id, unit, round, stratum, mode, then one column per answer."""
    table = read_table(await _read_upload(file), file.filename or "")
    header = [h.strip().lower() for h in table.header]
    missing = [c for c in RESPONSE_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            "missing columns: " + ", ".join(missing),
            problems=[FieldProblem(f"row {table.header_row}: {c}", "missing column") for c in missing],
        )
    index = {c: header.index(c) for c in RESPONSE_COLUMNS}
    answer_cols = [i for i, h in enumerate(header) if h not in RESPONSE_COLUMNS]
    records, row_numbers = [], []
    for number, cells in table.rows:
        cells = list(cells) + [""] * (len(header) - len(cells))
        records.append({**{c: cells[i] for c, i in index.items()}, "answers": [cells[i] or None for i in answer_cols]})
        row_numbers.append(number)

    def path_of(i: int, field: str) -> str:
        return f"row {row_numbers[i]}: {field or '*'}"

    return await handlers.import_responses(uow, plan_id, records, path_of=path_of)


@router.get(PLAN + "/scores", response_model=list[ScoreRead], tags=["scores"])
async def list_scores(plan_id: PathId, uow: Uow, unit: str | None = None, round: str | None = None) -> list[dict]:
    """Current round scores S_r with SE and 95% interval, per unit and round."""
    return await handlers.get_scores(uow, plan_id, unit_id=unit, round_id=round)


@router.get(UNIT + "/score", response_model=ScoreRead, tags=["scores"])
async def get_score(plan_id: PathId, round: str, unit_id: PathId, uow: Uow) -> dict:
    found = await handlers.get_scores(uow, plan_id, unit_id=unit_id, round_id=round)
    if not found:
        from jixiao.errors import NotFound

        raise NotFound(f"no score yet for unit {unit_id!r} in round {round!r}")
    return found[0]


# --- external scores (the county office's own evaluation, used as given) ----------------------


@router.put(
    UNIT + "/external-score",
    response_model=ExternalScoreRead,
    tags=["scores"],
    dependencies=OFFICE_ONLY,
    # the body is read as exact JSON (decimals stay decimals), so FastAPI does not see its model
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ExternalScoreWrite.model_json_schema()}},
        }
    },
)
async def put_external_score(
    plan_id: PathId, round: str, unit_id: PathId, request: Request, uow: Uow, x_actor: Actor
) -> dict:
    """Enter or replace a unit's survey score for a round from the county office's own evaluation
    (`score` 0-100 exact decimal, `source`, `document`, optional `note`, as `ExternalScoreWrite`).
    It is the round score as given (no SE); it wins over the round's responses, which are kept."""
    body = await json_body(request)
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", problems=[FieldProblem("$", "must be an object")])
    if "unit" in body or "round" in body:
        raise InvalidInput(
            "the unit and round come from the path",
            problems=[FieldProblem("$.unit" if "unit" in body else "$.round", "not allowed")],
        )
    return await handlers.put_external_score(uow, plan_id, round, unit_id, body, x_actor or "")


@router.get(UNIT + "/external-score", response_model=ExternalScoreRead, tags=["scores"])
async def get_external_score(plan_id: PathId, round: str, unit_id: PathId, uow: Uow) -> dict:
    return await handlers.get_external_score(uow, plan_id, round, unit_id)


@router.delete(UNIT + "/external-score", status_code=204, tags=["scores"], dependencies=OFFICE_ONLY)
async def delete_external_score(plan_id: PathId, round: str, unit_id: PathId, uow: Uow) -> None:
    """Remove it: the round is scored from its responses again."""
    await handlers.remove_external_score(uow, plan_id, round, unit_id)


@router.get(PLAN + "/external-scores", response_model=list[ExternalScoreRead], tags=["scores"])
async def list_external_scores(
    plan_id: PathId, uow: Uow, unit_id: str | None = None, round: str | None = None
) -> list[dict]:
    return await handlers.list_external_scores(uow, plan_id, unit_id=unit_id, round_id=round)


# --- frames, samples, fieldwork --------------------------------------------------------------


@router.put(UNIT + "/frame", response_model=FrameRead, status_code=201, tags=["frames"], dependencies=FIELD)
async def put_frame(
    plan_id: PathId, round: str, unit_id: PathId, uow: Uow, cipher: Cipher, file: Annotated[UploadFile, File()]
) -> dict:
    """Upload the unit's respondent frame (CSV/XLSX); all rows valid or nothing stored; PII encrypted."""
    groups = await handlers.frame_groups(uow, plan_id, round, unit_id)
    frame = load_frame(await _read_upload(file), file.filename or "", groups)
    return await handlers.upload_frame(uow, cipher, plan_id, round, unit_id, frame, file.filename or "")


@router.get(UNIT + "/frame", response_model=FrameRead, tags=["frames"])
async def get_frame(plan_id: PathId, round: str, unit_id: PathId, uow: Uow) -> dict:
    return await handlers.get_frame(uow, plan_id, round, unit_id)


@router.post(UNIT + "/sample", response_model=SampleRead, status_code=201, tags=["samples"], dependencies=FIELD)
async def post_sample(plan_id: PathId, round: str, unit_id: PathId, body: SampleCreate, uow: Uow) -> dict:
    """Draw the stratified quota random sample; seed and frame hash are stored so anyone can re-draw it."""
    return await handlers.draw_unit_sample(
        uow,
        plan_id,
        round,
        unit_id,
        size=body.size,
        seed=body.seed,
        allocation=body.allocation,
        sds=body.sds,
        reserve_rate=body.reserve_rate,
        quotas=body.quotas,
    )


@router.get(UNIT + "/sample", response_model=SampleRead, tags=["samples"])
async def get_sample(plan_id: PathId, round: str, unit_id: PathId, uow: Uow) -> dict:
    return await handlers.get_sample(uow, plan_id, round, unit_id)


@router.post(UNIT + "/assignments", response_model=AssignmentRead, tags=["fieldwork"], dependencies=OFFICE_ONLY)
async def post_assignments(plan_id: PathId, round: str, unit_id: PathId, body: AssignmentCreate, uow: Uow) -> dict:
    """Hand a unit's sample to interviewers. Role: office (an interviewer assigning themselves
    respondents would choose whose phone numbers they read)."""
    return await handlers.assign(uow, plan_id, round, unit_id, body.interviewers, body.strategy)


@router.post(
    UNIT + "/interviews", response_model=InterviewRead, status_code=201, tags=["fieldwork"], dependencies=FIELD
)
async def post_interview(
    plan_id: PathId, round: str, unit_id: PathId, body: InterviewCreate, uow: Uow, x_actor: Actor
) -> dict:
    """Record an interview; a second completed response for a respondent is refused (409)."""
    interviewer = body.interviewer or x_actor
    if not interviewer:
        raise InvalidInput("who interviewed?", problems=[FieldProblem("interviewer", "give it or send X-Actor")])
    if x_actor and body.interviewer and x_actor != body.interviewer:
        raise handlers.Forbidden("an interviewer records only their own interviews")
    return await handlers.record_interview(
        uow,
        plan_id,
        round,
        unit_id,
        interview_id=body.interview_id,
        respondent_id=body.respondent_id,
        interviewer=interviewer,
        mode=body.mode,
        outcome=body.outcome,
        answers=body.answers,
    )


@router.get(UNIT + "/fieldwork", response_model=FieldworkRead, tags=["fieldwork"])
async def get_fieldwork(plan_id: PathId, round: str, unit_id: PathId, uow: Uow) -> dict:
    """Progress and response rate per stratum; respondents by id only."""
    return await handlers.fieldwork_status(uow, plan_id, round, unit_id)


@router.get(UNIT + "/respondents/{respondent}", response_model=ContactRead, tags=["fieldwork"])
async def get_respondent(
    plan_id: PathId, round: str, unit_id: PathId, respondent: str, uow: Uow, cipher: Cipher, x_actor: Actor
) -> dict:
    """Contact details, for the interviewer assigned to the respondent only (X-Actor)."""
    return await handlers.respondent_contact(uow, cipher, plan_id, round, unit_id, respondent, x_actor)


@router.get(PLAN + "/assignments", response_model=list[ContactRead], tags=["fieldwork"])
async def get_my_assignments(plan_id: PathId, uow: Uow, cipher: Cipher, x_actor: Actor) -> list[dict]:
    """The calling interviewer's (X-Actor) respondents with their contact details."""
    return await handlers.my_assignments(uow, cipher, plan_id, x_actor)


# --- domain errors → problems, in one place ---------------------------------------------------

_STATUS: list[tuple[type[de.SurveyError], int, str]] = [
    (de.FrameInvalid, 422, "Invalid frame"),
    (de.FrameFileError, 422, "Unreadable file"),
    (de.InvalidInterview, 422, "Invalid interview"),
    (de.QuestionnaireInvalid, 422, "Invalid questionnaire"),
    (de.RoundInvalid, 422, "Invalid round"),
    (de.UnknownGroup, 422, "Unknown respondent group"),
    (de.SamplingError, 422, "Invalid sample"),
    (de.AssignmentError, 422, "Invalid assignment"),
    (de.NotInSample, 404, "Not in sample"),
    (de.NoQuestionnaire, 404, "No questionnaire"),
    (de.AlreadyCompleted, 409, "Already completed"),
    (de.DuplicateInterview, 409, "Duplicate interview"),
    (de.RespondentAlreadyReplaced, 409, "Respondent replaced"),
    (de.ReplacementExhausted, 409, "Replacements exhausted"),
    (de.IllegalTransition, 409, "Illegal transition"),
    (de.QuestionnaireLocked, 409, "Questionnaire locked"),
    (de.FieldworkNotReady, 409, "Fieldwork not ready"),
    (de.RoundNotInFieldwork, 409, "Round not in fieldwork"),
    (de.RoundClosed, 409, "Round closed"),
]


def _status_of(exc: de.SurveyError) -> tuple[int, str]:
    for cls, status, title in _STATUS:
        if isinstance(exc, cls):
            return status, title
    return 422, "Invalid input"


def install_domain_errors(app: FastAPI) -> None:
    """Map the surveys domain's errors to problem responses (frame problems row by row)."""

    @app.exception_handler(de.SurveyError)
    async def _domain(_request: Request, exc: de.SurveyError) -> JSONResponse:
        status, title = _status_of(exc)
        errors = None
        if isinstance(exc, de.FrameInvalid):
            errors = [
                {"field": f"row {p.row}: {p.column}", "row": p.row, "column": p.column, "message": p.message}
                for p in exc.problems
            ]
        elif isinstance(exc, de.SamplingError):
            errors = [{"field": exc.field, "message": m} for m in exc.problems]
        return problem(
            status, title, str(exc), errors=errors, type_="urn:jixiao:problem:" + title.lower().replace(" ", "-")
        )
