from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class DeductionRecorded(_message.Message):
    __slots__ = ("plan_id", "unit_id", "deduction_id", "kind", "points", "date", "aspect", "version", "person", "inspection_id", "appeal_id", "appeal_outcome")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DEDUCTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    ASPECT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    APPEAL_ID_FIELD_NUMBER: _ClassVar[int]
    APPEAL_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    deduction_id: str
    kind: str
    points: str
    date: str
    aspect: str
    version: int
    person: str
    inspection_id: str
    appeal_id: str
    appeal_outcome: str
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., deduction_id: _Optional[str] = ..., kind: _Optional[str] = ..., points: _Optional[str] = ..., date: _Optional[str] = ..., aspect: _Optional[str] = ..., version: _Optional[int] = ..., person: _Optional[str] = ..., inspection_id: _Optional[str] = ..., appeal_id: _Optional[str] = ..., appeal_outcome: _Optional[str] = ...) -> None: ...

class DeductionRevoked(_message.Message):
    __slots__ = ("plan_id", "unit_id", "deduction_id", "reason", "version", "appeal_id")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DEDUCTION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    APPEAL_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    deduction_id: str
    reason: str
    version: int
    appeal_id: str
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., deduction_id: _Optional[str] = ..., reason: _Optional[str] = ..., version: _Optional[int] = ..., appeal_id: _Optional[str] = ...) -> None: ...

class VetoIssued(_message.Message):
    __slots__ = ("plan_id", "unit_id", "veto_id", "category", "date", "document", "version")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    VETO_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    veto_id: str
    category: str
    date: str
    document: str
    version: int
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., veto_id: _Optional[str] = ..., category: _Optional[str] = ..., date: _Optional[str] = ..., document: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class VetoLifted(_message.Message):
    __slots__ = ("plan_id", "unit_id", "veto_id", "reason", "version")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    VETO_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    veto_id: str
    reason: str
    version: int
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., veto_id: _Optional[str] = ..., reason: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...
