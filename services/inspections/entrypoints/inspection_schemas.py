"""Request and response bodies of inspections (察访核验): inspections, their findings and evidence."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.inspections.domain.model import Evidence, Finding, Inspection, dec_str
from services.inspections.entrypoints.schemas import Id, Input, Points, Text

# --- inspections -----------------------------------------------------------------------------


class FindingCreate(Input):
    id: Id | None = None
    aspect: Literal["duties", "work_style", "power_use", "efficiency", "attitude"]
    description: Annotated[str, Field(min_length=1, max_length=4000)]
    proposed_points: Points | None = None


class InspectionCreate(Input):
    id: Id | None = Field(None, description="generate on the device so a retried upload is a no-op")
    unit_id: Id
    mode: Literal["announced", "unannounced"]
    date: date
    inspectors: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1)
    note: Text = ""
    findings: list[FindingCreate] = []


Reason = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4000,
        description="why the record is corrected (kept in the audit log with who and what changed)",
    ),
]


class InspectionUpdate(Input):
    """The visit as it should be: PUT replaces unit, mode, date, inspectors and note (send If-Match).

    Findings are not part of it: correct each at its own URL. Unit and date cannot change while a
    deduction one of its findings produced is active (409)."""

    unit_id: Id
    mode: Literal["announced", "unannounced"]
    date: date
    inspectors: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1)
    note: Text
    reason: Reason


class FindingUpdate(Input):
    """The finding as it should be: PUT replaces aspect, description and proposed points (send If-Match).

    Once confirmed, a finding's aspect and points are its deduction's (409: revoke the deduction and
    record a new one); the description can always be corrected."""

    aspect: Literal["duties", "work_style", "power_use", "efficiency", "attitude"]
    description: Annotated[str, Field(min_length=1, max_length=4000)]
    proposed_points: Points | None = Field(description="null: the finding proposes no deduction")
    reason: Reason


class FindingConfirm(Input):
    points: Points | None = Field(None, description="defaults to the finding's proposed points")


class EvidenceRead(BaseModel):
    id: str
    finding_id: str
    filename: str
    content_type: str
    size: int
    sha256: str

    @classmethod
    def of(cls, e: Evidence) -> EvidenceRead:
        return cls(
            id=e.id,
            finding_id=e.finding_id,
            filename=e.filename,
            content_type=e.content_type,
            size=e.size,
            sha256=e.sha256,
        )


class FindingRead(BaseModel):
    id: str
    aspect: str
    description: str
    proposed_points: str | None
    deduction_id: str
    evidence: list[EvidenceRead]
    revision: int = Field(description="the finding's ETag (send it as If-Match to edit it)")

    @classmethod
    def of(cls, f: Finding) -> FindingRead:
        return cls(
            id=f.id,
            aspect=f.aspect,
            description=f.description,
            proposed_points=dec_str(f.proposed_points),
            deduction_id=f.deduction_id,
            evidence=[EvidenceRead.of(e) for e in f.evidence],
            revision=f.revision,
        )


class InspectionRead(BaseModel):
    id: str
    plan_id: str
    unit_id: str
    mode: str
    date: date
    inspectors: list[str]
    note: str
    created_by: str
    findings: list[FindingRead]
    revision: int = Field(description="the inspection's ETag: moves with any change to it or its findings")

    @classmethod
    def of(cls, i: Inspection) -> InspectionRead:
        return cls(
            id=i.id,
            plan_id=i.plan_id,
            unit_id=i.unit_id,
            mode=i.mode,
            date=i.date,
            inspectors=i.inspectors,
            note=i.note,
            created_by=i.created_by,
            findings=[FindingRead.of(f) for f in i.findings],
            revision=i.revision,
        )
