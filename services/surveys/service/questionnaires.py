"""A round's questionnaires, one versioned list of items per respondent group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.surveys.domain.rounds import AnswerOption, Item

from .common import load_context, load_round
from .unit_of_work import AbstractUnitOfWork


def questionnaire_view(q) -> dict[str, Any]:
    return {
        "round": q.round_id,
        "group": q.group,
        "version": q.version,
        "items": [
            {
                "key": i.key,
                "text": i.text,
                "options": [{"answer": o.answer, "label": o.label, "score": str(o.score)} for o in i.options],
            }
            for i in q.items
        ],
    }


async def publish_questionnaire(
    uow: AbstractUnitOfWork, plan_id: str, round_id: str, group: str, items: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Publish the next version of a group's questionnaire (refused once the round is closed)."""
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        rnd = await load_round(uow.repo, ctx, round_id, lock=True)
        built = [
            Item(
                i["key"],
                i["text"],
                tuple(AnswerOption(o["answer"], o.get("label", ""), o["score"]) for o in i["options"]),
            )
            for i in items
        ]
        q = rnd.publish_questionnaire(group, built)
        await uow.repo.save_round(rnd)
        await uow.audit(
            "questionnaire.published",
            entity_type="questionnaire",
            entity_id=f"{plan_id}:{round_id}:{group}",
            after=questionnaire_view(q),
        )
        await uow.commit()
    return questionnaire_view(q)


async def get_questionnaire(
    uow: AbstractUnitOfWork, plan_id: str, round_id: str, group: str, version: int | None = None
) -> dict[str, Any]:
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        rnd = await load_round(uow.repo, ctx, round_id)
        return questionnaire_view(rnd.questionnaire(group, version))
