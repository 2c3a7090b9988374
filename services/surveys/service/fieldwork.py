"""Fieldwork: assignments, interviews (a completed one is a response), progress, and contact details
shown only to the assigned interviewer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jixiao.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.surveys.adapters.fieldwork import EncryptedRespondent, FieldworkState
from services.surveys.adapters.pii import PiiCipher
from services.surveys.adapters.repository import AbstractSurveysRepository
from services.surveys.adapters.responses import ResponseRow
from services.surveys.domain.fieldwork import Fieldwork

from .common import load_context, load_round, log, pii_context, redraw_sample
from .responses import response_scorer, validate_responses
from .scores import recompute_scores
from .unit_of_work import AbstractUnitOfWork


async def _fieldwork(
    repo: AbstractSurveysRepository, plan_id: str, round_id: str, unit_id: str
) -> tuple[Fieldwork, int]:
    rec = await repo.get_sample(plan_id, round_id, unit_id, lock=True)  # serialises fieldwork of one unit
    if rec is None:
        raise NotFound(f"no sample for unit {unit_id!r} in round {round_id!r}")
    sample = await redraw_sample(repo, rec)
    state = await repo.load_fieldwork(plan_id, round_id, unit_id)
    return Fieldwork(round_id, unit_id, sample, state.members, state.interviews), len(state.interviews)


async def assign(
    uow: AbstractUnitOfWork,
    plan_id: str,
    round_id: str,
    unit_id: str,
    interviewers: Sequence[str],
    strategy: str = "round_robin",
) -> dict[str, Any]:
    """Assign the unit's open sampled respondents to interviewers."""
    async with uow:
        fw, _ = await _fieldwork(uow.repo, plan_id, round_id, unit_id)
        done = fw.assign(interviewers, strategy)
        await uow.repo.save_fieldwork(plan_id, round_id, unit_id, FieldworkState(list(fw.respondents.values())), [])
        await uow.audit(
            "assignments.made",
            entity_type="fieldwork",
            entity_id=f"{plan_id}:{round_id}:{unit_id}",
            after={"strategy": strategy, "assigned": len(done), "workload": fw.workload()},
        )
        await uow.commit()
    return {"assigned": len(done), "workload": fw.workload()}


async def record_interview(
    uow: AbstractUnitOfWork,
    plan_id: str,
    round_id: str,
    unit_id: str,
    *,
    interview_id: str,
    respondent_id: str,
    interviewer: str,
    mode: str,
    outcome: str,
    answers: Any = None,
) -> dict[str, Any]:
    """Record one interview; a completed one becomes a response and re-scores the unit's round."""
    async with uow:
        await uow.repo.lock_plan_scores(plan_id)
        ctx = await load_context(uow.repo, plan_id)
        rnd = await load_round(uow.repo, ctx, round_id)
        fw, _ = await _fieldwork(uow.repo, plan_id, round_id, unit_id)
        member = fw.respondents.get(respondent_id)
        if member is not None and member.interviewer and member.interviewer != interviewer:
            raise Forbidden(f"respondent {respondent_id!r} is assigned to another interviewer")
        before = len(fw.interviews)
        interview = fw.record_interview(
            rnd,
            interview_id=interview_id,
            respondent_id=respondent_id,
            interviewer=interviewer,
            mode=mode,
            outcome=outcome,
            answers=answers,
        )
        await uow.repo.save_fieldwork(
            plan_id, round_id, unit_id, FieldworkState(list(fw.respondents.values())), fw.interviews[before:]
        )
        await uow.audit(  # respondent ids only (the frame's keys), never names or phones
            "interview.recorded",
            entity_type="interview",
            entity_id=f"{plan_id}:{round_id}:{unit_id}:{interview.id}",
            after={
                "respondent_id": respondent_id,
                "interviewer": interviewer,
                "mode": interview.mode.value,
                "outcome": interview.outcome.value,
                "replacement_id": interview.replacement_id,
                "answers": list(interview.answers) if interview.answers is not None else None,
            },
        )
        report = None
        if interview.answers is not None:
            row = ResponseRow(
                interview.id, unit_id, round_id, interview.stratum, interview.mode.value, interview.answers
            )
            rows, problems = validate_responses(
                ctx,
                [
                    {
                        "id": row.response_id,
                        "unit": unit_id,
                        "round": round_id,
                        "stratum": row.stratum,
                        "mode": row.mode,
                        "answers": list(row.answers),
                    }
                ],
                "$",
            )
            if problems:
                raise InvalidInput("the response does not fit the plan", problems=problems)
            outcome_ = await uow.repo.insert_responses(
                plan_id, rows, response_scorer(ctx.plan.answer_scores), "fieldwork"
            )
            if not outcome_.accepted:
                raise Conflict(f"response {interview.id!r} was already recorded")
            report = await recompute_scores(uow, plan_id, [(unit_id, round_id)], ctx)
        await uow.commit()
    log.info(
        "interview.recorded",
        plan_id=plan_id,
        round_id=round_id,
        unit_id=unit_id,
        interview_id=interview_id,
        outcome=interview.outcome.value,
    )
    return {
        "interview_id": interview.id,
        "respondent_id": respondent_id,
        "outcome": interview.outcome.value,
        "replacement_id": interview.replacement_id,
        "score_version": report[0].version if report else None,
    }


def _progress_view(fw: Fieldwork) -> dict[str, Any]:
    return {
        h: {
            "allocated": p.allocated,
            "issued": p.issued,
            "completed": p.completed,
            "refused": p.refused,
            "unreachable": p.unreachable,
            "replaced": p.replaced,
            "pending": p.pending,
            "response_rate": None if p.response_rate is None else str(p.response_rate),
            "quota_fill": None if p.quota_fill is None else str(p.quota_fill),
        }
        for h, p in fw.progress().items()
    }


async def fieldwork_status(uow: AbstractUnitOfWork, plan_id: str, round_id: str, unit_id: str) -> dict[str, Any]:
    """Per-stratum progress and response rates, and every sampled respondent (ids only)."""
    async with uow:
        fw, _ = await _fieldwork(uow.repo, plan_id, round_id, unit_id)
    return {
        "plan": plan_id,
        "round": round_id,
        "unit": unit_id,
        "strata": _progress_view(fw),
        "workload": fw.workload(),
        "respondents": [
            {
                "respondent_id": r.respondent_id,
                "stratum": r.stratum,
                "status": r.status.value,
                "interviewer": r.interviewer,
                "draw_number": r.draw_number,
                "replaces": r.replaces,
            }
            for r in sorted(fw.respondents.values(), key=lambda r: (r.stratum, r.position))
        ],
    }


def _decrypt(cipher: PiiCipher, m: EncryptedRespondent) -> dict[str, str]:
    return {
        "respondent_id": m.respondent_id,
        "stratum": m.stratum,
        "name": cipher.decrypt(m.name_enc, context=pii_context(m.respondent_id, "name")),
        "phone": cipher.decrypt(m.phone_enc, context=pii_context(m.respondent_id, "phone")),
        "address": cipher.decrypt(m.address_enc, context=pii_context(m.respondent_id, "address")),
    }


async def respondent_contact(
    uow: AbstractUnitOfWork,
    cipher: PiiCipher,
    plan_id: str,
    round_id: str,
    unit_id: str,
    respondent_id: str,
    actor: str | None,
) -> dict[str, Any]:
    """A respondent's name, phone and address, for the interviewer assigned to them only."""
    if not actor:
        raise Forbidden("personal data is shown only to the assigned interviewer (X-Actor header)")
    async with uow:
        fw, _ = await _fieldwork(uow.repo, plan_id, round_id, unit_id)
        member = fw.respondents.get(respondent_id)
        if member is None or member.interviewer != actor:
            raise Forbidden("personal data is shown only to the interviewer assigned to the respondent")
        rec = await uow.repo.get_sample(plan_id, round_id, unit_id)
        assert rec is not None
        found = await uow.repo.frame_members(rec.frame_id, [respondent_id])
    if not found:
        raise NotFound(f"respondent {respondent_id!r} is not in the frame")
    log.info(
        "pii.viewed", plan_id=plan_id, round_id=round_id, unit_id=unit_id, respondent_id=respondent_id, actor=actor
    )
    return {**_decrypt(cipher, found[0]), "status": member.status.value, "interviewer": actor}


async def my_assignments(
    uow: AbstractUnitOfWork, cipher: PiiCipher, plan_id: str, actor: str | None
) -> list[dict[str, Any]]:
    """The actor's assigned respondents with their contact details (decrypted for them alone)."""
    if not actor:
        raise Forbidden("an interviewer id (X-Actor header) is required")
    out = []
    async with uow:
        rows = await uow.repo.assignments_of(plan_id, actor)
        by_unit: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for round_id, unit_id, rid, stratum, status in rows:
            by_unit.setdefault((round_id, unit_id), []).append((rid, stratum, status))
        for (round_id, unit_id), members in by_unit.items():
            rec = await uow.repo.get_sample(plan_id, round_id, unit_id)
            if rec is None:
                continue
            status = {rid: st for rid, _, st in members}
            for m in await uow.repo.frame_members(rec.frame_id, status):
                out.append(
                    {"round": round_id, "unit": unit_id, **_decrypt(cipher, m), "status": status[m.respondent_id]}
                )
    log.info("pii.assignments_viewed", plan_id=plan_id, actor=actor, respondents=len(out))
    return out
