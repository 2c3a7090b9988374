"""Frames (personal data encrypted), samples and the fieldwork of each unit: the port and its SQL adapter."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.surveys.adapters import orm
from services.surveys.adapters.sql import SessionRepository, plain_decimal
from services.surveys.domain.model import Interview, Mode, Outcome, RespondentStatus, SampledRespondent
from services.surveys.domain.sampling import AreaKey, FrameKey, frame_key


@dataclass(frozen=True)
class FrameRecord:
    """A stored respondent frame (its personal data stays encrypted in `respondents`)."""

    frame_id: str
    plan_id: str
    round_id: str
    unit_id: str
    sha256: str
    respondents: int
    strata_sizes: dict[str, int]
    filename: str = ""


@dataclass(frozen=True)
class EncryptedRespondent:
    """A frame member with its personal data as PiiCipher tokens."""

    respondent_id: str
    stratum: str
    name_enc: str
    phone_enc: str
    address_enc: str
    row: int = 0
    area: str = ""


@dataclass(frozen=True)
class SampleRecord:
    """Everything needed to re-draw a unit's sample: algorithm, seed, frame hash, allocation."""

    plan_id: str
    round_id: str
    unit_id: str
    frame_id: str
    algorithm: str
    seed: int
    frame_sha256: str
    allocation: str
    size: int
    sds: dict[str, str] | None
    reserve_rate: Decimal
    allocated: dict[str, int]


@dataclass
class FieldworkState:
    """The stored working sample and interviews of one unit in one round."""

    members: list[SampledRespondent] = field(default_factory=list)
    interviews: list[Interview] = field(default_factory=list)


class AbstractFieldworkRepository(abc.ABC):
    """A unit's frame, the sample drawn from it, and its working sample and interviews."""

    @abc.abstractmethod
    async def current_frame(self, plan_id: str, round_id: str, unit_id: str) -> FrameRecord | None: ...
    @abc.abstractmethod
    async def replace_frame(self, frame: FrameRecord, members: Sequence[EncryptedRespondent]) -> None: ...
    @abc.abstractmethod
    async def frame_keys(self, frame_id: str) -> list[FrameKey]: ...
    @abc.abstractmethod
    async def frame_members(self, frame_id: str, respondent_ids: Iterable[str]) -> list[EncryptedRespondent]: ...
    @abc.abstractmethod
    async def get_sample(
        self, plan_id: str, round_id: str, unit_id: str, *, lock: bool = False
    ) -> SampleRecord | None: ...
    @abc.abstractmethod
    async def save_sample(self, sample: SampleRecord) -> None: ...
    @abc.abstractmethod
    async def load_fieldwork(self, plan_id: str, round_id: str, unit_id: str) -> FieldworkState: ...
    @abc.abstractmethod
    async def save_fieldwork(
        self, plan_id: str, round_id: str, unit_id: str, state: FieldworkState, new_interviews: Sequence[Interview]
    ) -> None: ...
    @abc.abstractmethod
    async def assignments_of(self, plan_id: str, interviewer: str) -> list[tuple[str, str, str, str, str]]:
        """(round_id, unit_id, respondent_id, stratum, status) assigned to an interviewer."""


class SqlAlchemyFieldworkRepository(SessionRepository, AbstractFieldworkRepository):
    """Frames, samples and fieldwork on the service's PostgreSQL schema."""

    async def current_frame(self, plan_id: str, round_id: str, unit_id: str) -> FrameRecord | None:
        t = orm.frames
        row = (
            await self._exec(
                sa.select(t).where(
                    t.c.plan_id == plan_id, t.c.round_id == round_id, t.c.unit_id == unit_id, t.c.current
                )
            )
        ).first()
        if row is None:
            return None
        return FrameRecord(
            row.frame_id,
            row.plan_id,
            row.round_id,
            row.unit_id,
            row.sha256,
            row.respondents,
            dict(row.strata_sizes),
            row.filename,
        )

    async def replace_frame(self, frame: FrameRecord, members: Sequence[EncryptedRespondent]) -> None:
        t = orm.frames
        await self._exec(
            sa.update(t)
            .where(
                t.c.plan_id == frame.plan_id, t.c.round_id == frame.round_id, t.c.unit_id == frame.unit_id, t.c.current
            )
            .values(current=False)
        )
        await self._exec(
            sa.insert(t).values(
                frame_id=frame.frame_id,
                plan_id=frame.plan_id,
                round_id=frame.round_id,
                unit_id=frame.unit_id,
                sha256=frame.sha256,
                respondents=frame.respondents,
                strata_sizes=frame.strata_sizes,
                filename=frame.filename,
                current=True,
            )
        )
        pg = await self._asyncpg()
        await pg.copy_records_to_table(
            "respondents",
            records=[
                (frame.frame_id, m.respondent_id, m.stratum, m.name_enc, m.phone_enc, m.address_enc, m.row, m.area)
                for m in members
            ],
            columns=["frame_id", "respondent_id", "stratum", "name_enc", "phone_enc", "address_enc", "row", "area"],
        )

    async def frame_keys(self, frame_id: str) -> list[FrameKey | AreaKey]:
        t = orm.respondents
        rows = await self._exec(
            sa.select(t.c.respondent_id, t.c.stratum, t.c.area)
            .where(t.c.frame_id == frame_id)
            .order_by(t.c.respondent_id)
        )
        return [frame_key(r.respondent_id, r.stratum, r.area) for r in rows]

    async def frame_members(self, frame_id: str, respondent_ids: Iterable[str]) -> list[EncryptedRespondent]:
        t = orm.respondents
        ids = list(respondent_ids)
        rows = await self._exec(
            sa.select(t).where(t.c.frame_id == frame_id, t.c.respondent_id.in_(ids)).order_by(t.c.respondent_id)
        )
        return [
            EncryptedRespondent(r.respondent_id, r.stratum, r.name_enc, r.phone_enc, r.address_enc, r.row) for r in rows
        ]

    async def get_sample(self, plan_id: str, round_id: str, unit_id: str, *, lock: bool = False) -> SampleRecord | None:
        t = orm.samples
        q = sa.select(t).where(t.c.plan_id == plan_id, t.c.round_id == round_id, t.c.unit_id == unit_id)
        if lock:
            q = q.with_for_update()
        r = (await self._exec(q)).first()
        if r is None:
            return None
        return SampleRecord(
            r.plan_id,
            r.round_id,
            r.unit_id,
            r.frame_id,
            r.algorithm,
            r.seed,
            r.frame_sha256,
            r.allocation,
            r.size,
            r.sds,
            plain_decimal(r.reserve_rate),
            dict(r.allocated),
        )

    async def save_sample(self, sample: SampleRecord) -> None:
        await self._exec(
            sa.insert(orm.samples).values(
                plan_id=sample.plan_id,
                round_id=sample.round_id,
                unit_id=sample.unit_id,
                frame_id=sample.frame_id,
                algorithm=sample.algorithm,
                seed=sample.seed,
                frame_sha256=sample.frame_sha256,
                allocation=sample.allocation,
                size=sample.size,
                sds=sample.sds,
                reserve_rate=sample.reserve_rate,
                allocated=sample.allocated,
            )
        )

    async def load_fieldwork(self, plan_id: str, round_id: str, unit_id: str) -> FieldworkState:
        m, i = orm.sample_members, orm.interviews
        members = [
            SampledRespondent(
                r.respondent_id,
                r.stratum,
                r.position,
                r.draw_number,
                r.replaces,
                r.interviewer,
                RespondentStatus(r.status),
                r.replaced_by,
            )
            for r in await self._exec(
                sa.select(m).where(m.c.plan_id == plan_id, m.c.round_id == round_id, m.c.unit_id == unit_id)
            )
        ]
        interviews = [
            Interview(
                r.interview_id,
                r.respondent_id,
                r.stratum,
                r.interviewer,
                Mode(r.mode),
                Outcome(r.outcome),
                r.questionnaire_version,
                tuple(r.answers) if r.answers is not None else None,
                r.replacement_id,
            )
            for r in await self._exec(
                sa.select(i)
                .where(i.c.plan_id == plan_id, i.c.round_id == round_id, i.c.unit_id == unit_id)
                .order_by(i.c.created_at)
            )
        ]
        return FieldworkState(members, interviews)

    async def save_fieldwork(
        self, plan_id: str, round_id: str, unit_id: str, state: FieldworkState, new_interviews: Sequence[Interview]
    ) -> None:
        m = orm.sample_members
        if state.members:
            stmt = pg_insert(m).values(
                [
                    dict(
                        plan_id=plan_id,
                        round_id=round_id,
                        unit_id=unit_id,
                        respondent_id=r.respondent_id,
                        stratum=r.stratum,
                        position=r.position,
                        draw_number=r.draw_number,
                        replaces=r.replaces,
                        replaced_by=r.replaced_by,
                        status=r.status.value,
                        interviewer=r.interviewer,
                    )
                    for r in state.members
                ]
            )
            await self._exec(
                stmt.on_conflict_do_update(
                    index_elements=[m.c.plan_id, m.c.round_id, m.c.unit_id, m.c.respondent_id],
                    set_={c: getattr(stmt.excluded, c) for c in ("replaced_by", "status", "interviewer")}
                    | {"updated_at": sa.func.now()},
                )
            )
        if new_interviews:
            await self._exec(
                sa.insert(orm.interviews).values(
                    [
                        dict(
                            interview_id=iv.id,
                            plan_id=plan_id,
                            round_id=round_id,
                            unit_id=unit_id,
                            respondent_id=iv.respondent_id,
                            stratum=iv.stratum,
                            interviewer=iv.interviewer,
                            mode=iv.mode.value,
                            outcome=iv.outcome.value,
                            questionnaire_version=iv.questionnaire_version,
                            answers=list(iv.answers) if iv.answers is not None else None,
                            replacement_id=iv.replacement_id,
                        )
                        for iv in new_interviews
                    ]
                )
            )

    async def assignments_of(self, plan_id: str, interviewer: str) -> list[tuple[str, str, str, str, str]]:
        m = orm.sample_members
        rows = await self._exec(
            sa.select(m.c.round_id, m.c.unit_id, m.c.respondent_id, m.c.stratum, m.c.status)
            .where(m.c.plan_id == plan_id, m.c.interviewer == interviewer)
            .order_by(m.c.round_id, m.c.unit_id, m.c.stratum, m.c.position)
        )
        return [tuple(r) for r in rows]
