from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

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

class LeaveRecorded(_message.Message):
    __slots__ = ("plan_id", "unit_id", "leave_id", "staff_id", "type", "start", "end", "version", "approval")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    LEAVE_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    leave_id: str
    staff_id: str
    type: str
    start: str
    end: str
    version: int
    approval: str
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., leave_id: _Optional[str] = ..., staff_id: _Optional[str] = ..., type: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., version: _Optional[int] = ..., approval: _Optional[str] = ...) -> None: ...

class AbsenceRecorded(_message.Message):
    __slots__ = ("plan_id", "unit_id", "absence_id", "staff_id", "activity", "date", "excused", "version")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ABSENCE_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    EXCUSED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    absence_id: str
    staff_id: str
    activity: str
    date: str
    excused: bool
    version: int
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., absence_id: _Optional[str] = ..., staff_id: _Optional[str] = ..., activity: _Optional[str] = ..., date: _Optional[str] = ..., excused: _Optional[bool] = ..., version: _Optional[int] = ...) -> None: ...

class PersonEligibilityGraded(_message.Message):
    __slots__ = ("plan_id", "period", "snapshot_version", "unit_id", "staff_id", "name", "eligible", "reasons", "leave_days", "absences", "unexcused_absences", "deduction_points", "unit_grade", "changed", "position", "pending_leave_days")
    class LeaveDaysEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_VERSION_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    LEAVE_DAYS_FIELD_NUMBER: _ClassVar[int]
    ABSENCES_FIELD_NUMBER: _ClassVar[int]
    UNEXCUSED_ABSENCES_FIELD_NUMBER: _ClassVar[int]
    DEDUCTION_POINTS_FIELD_NUMBER: _ClassVar[int]
    UNIT_GRADE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    PENDING_LEAVE_DAYS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    snapshot_version: int
    unit_id: str
    staff_id: str
    name: str
    eligible: bool
    reasons: _containers.RepeatedCompositeFieldContainer[EligibilityReason]
    leave_days: _containers.ScalarMap[str, int]
    absences: int
    unexcused_absences: int
    deduction_points: str
    unit_grade: str
    changed: bool
    position: str
    pending_leave_days: int
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., snapshot_version: _Optional[int] = ..., unit_id: _Optional[str] = ..., staff_id: _Optional[str] = ..., name: _Optional[str] = ..., eligible: _Optional[bool] = ..., reasons: _Optional[_Iterable[_Union[EligibilityReason, _Mapping]]] = ..., leave_days: _Optional[_Mapping[str, int]] = ..., absences: _Optional[int] = ..., unexcused_absences: _Optional[int] = ..., deduction_points: _Optional[str] = ..., unit_grade: _Optional[str] = ..., changed: _Optional[bool] = ..., position: _Optional[str] = ..., pending_leave_days: _Optional[int] = ...) -> None: ...

class EligibilityReason(_message.Message):
    __slots__ = ("code", "label", "detail")
    CODE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    code: str
    label: str
    detail: str
    def __init__(self, code: _Optional[str] = ..., label: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...
