from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UnitScore(_message.Message):
    __slots__ = ("unit_id", "group", "status", "components", "survey_se", "total", "grade", "rank", "vetoed", "award_eligible", "missing")
    class ComponentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    SURVEY_SE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    VETOED_FIELD_NUMBER: _ClassVar[int]
    AWARD_ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    group: str
    status: str
    components: _containers.ScalarMap[str, str]
    survey_se: str
    total: str
    grade: str
    rank: int
    vetoed: bool
    award_eligible: bool
    missing: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, unit_id: _Optional[str] = ..., group: _Optional[str] = ..., status: _Optional[str] = ..., components: _Optional[_Mapping[str, str]] = ..., survey_se: _Optional[str] = ..., total: _Optional[str] = ..., grade: _Optional[str] = ..., rank: _Optional[int] = ..., vetoed: _Optional[bool] = ..., award_eligible: _Optional[bool] = ..., missing: _Optional[_Iterable[str]] = ...) -> None: ...

class UnitScoreUpdated(_message.Message):
    __slots__ = ("plan_id", "period", "score", "version")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    score: UnitScore
    version: int
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., score: _Optional[_Union[UnitScore, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class UnitScoreGraded(_message.Message):
    __slots__ = ("plan_id", "period", "score", "snapshot_version")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_VERSION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    score: UnitScore
    snapshot_version: int
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., score: _Optional[_Union[UnitScore, _Mapping]] = ..., snapshot_version: _Optional[int] = ...) -> None: ...

class PeriodGraded(_message.Message):
    __slots__ = ("plan_id", "period", "snapshot_version", "units", "closed_by")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_VERSION_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    snapshot_version: int
    units: int
    closed_by: str
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., snapshot_version: _Optional[int] = ..., units: _Optional[int] = ..., closed_by: _Optional[str] = ...) -> None: ...
