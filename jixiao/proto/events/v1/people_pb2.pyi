from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class StaffMemberUpserted(_message.Message):
    __slots__ = ("plan_id", "unit_id", "staff_id", "name", "position", "roles", "oversees", "version")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    OVERSEES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    staff_id: str
    name: str
    position: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    oversees: _containers.RepeatedScalarFieldContainer[str]
    version: int
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., staff_id: _Optional[str] = ..., name: _Optional[str] = ..., position: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., oversees: _Optional[_Iterable[str]] = ..., version: _Optional[int] = ...) -> None: ...

class StaffMemberRemoved(_message.Message):
    __slots__ = ("plan_id", "unit_id", "staff_id", "reason", "version")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    staff_id: str
    reason: str
    version: int
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., staff_id: _Optional[str] = ..., reason: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...
