from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ComponentScore(_message.Message):
    __slots__ = ("key", "type", "weight", "score", "points", "cap")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    key: str
    type: str
    weight: str
    score: str
    points: str
    cap: str
    def __init__(self, key: _Optional[str] = ..., type: _Optional[str] = ..., weight: _Optional[str] = ..., score: _Optional[str] = ..., points: _Optional[str] = ..., cap: _Optional[str] = ...) -> None: ...

class UnitScore(_message.Message):
    __slots__ = ("unit_id", "group", "status", "components", "survey_se", "total", "grade", "rank", "vetoed", "award_eligible", "missing", "unit_name", "group_name", "grade_label", "group_size", "component_scores")
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
    UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    GRADE_LABEL_FIELD_NUMBER: _ClassVar[int]
    GROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_SCORES_FIELD_NUMBER: _ClassVar[int]
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
    unit_name: str
    group_name: str
    grade_label: str
    group_size: int
    component_scores: _containers.RepeatedCompositeFieldContainer[ComponentScore]
    def __init__(self, unit_id: _Optional[str] = ..., group: _Optional[str] = ..., status: _Optional[str] = ..., components: _Optional[_Mapping[str, str]] = ..., survey_se: _Optional[str] = ..., total: _Optional[str] = ..., grade: _Optional[str] = ..., rank: _Optional[int] = ..., vetoed: _Optional[bool] = ..., award_eligible: _Optional[bool] = ..., missing: _Optional[_Iterable[str]] = ..., unit_name: _Optional[str] = ..., group_name: _Optional[str] = ..., grade_label: _Optional[str] = ..., group_size: _Optional[int] = ..., component_scores: _Optional[_Iterable[_Union[ComponentScore, _Mapping]]] = ...) -> None: ...

class UnitScoreUpdated(_message.Message):
    __slots__ = ("plan_id", "period", "score", "version", "plan_name", "year", "plan_version")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    PLAN_VERSION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    score: UnitScore
    version: int
    plan_name: str
    year: int
    plan_version: int
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., score: _Optional[_Union[UnitScore, _Mapping]] = ..., version: _Optional[int] = ..., plan_name: _Optional[str] = ..., year: _Optional[int] = ..., plan_version: _Optional[int] = ...) -> None: ...

class UnitScoreGraded(_message.Message):
    __slots__ = ("plan_id", "period", "score", "snapshot_version", "plan_name", "year", "plan_version", "snapshot_sha256", "snapshot_units")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_VERSION_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    PLAN_VERSION_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_SHA256_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_UNITS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    score: UnitScore
    snapshot_version: int
    plan_name: str
    year: int
    plan_version: int
    snapshot_sha256: str
    snapshot_units: int
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., score: _Optional[_Union[UnitScore, _Mapping]] = ..., snapshot_version: _Optional[int] = ..., plan_name: _Optional[str] = ..., year: _Optional[int] = ..., plan_version: _Optional[int] = ..., snapshot_sha256: _Optional[str] = ..., snapshot_units: _Optional[int] = ...) -> None: ...

class GradeBand(_message.Message):
    __slots__ = ("code", "label", "min", "award")
    CODE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    AWARD_FIELD_NUMBER: _ClassVar[int]
    code: str
    label: str
    min: str
    award: bool
    def __init__(self, code: _Optional[str] = ..., label: _Optional[str] = ..., min: _Optional[str] = ..., award: _Optional[bool] = ...) -> None: ...

class Group(_message.Message):
    __slots__ = ("id", "name", "units")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    units: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., units: _Optional[int] = ...) -> None: ...

class PeriodGraded(_message.Message):
    __slots__ = ("plan_id", "period", "snapshot_version", "units", "closed_by", "plan_name", "year", "plan_version", "snapshot_sha256", "unit_event_ids", "unit_ids", "grade_bands", "groups", "components", "changed_unit_ids", "objection_ids")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_VERSION_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    PLAN_VERSION_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_SHA256_FIELD_NUMBER: _ClassVar[int]
    UNIT_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    GRADE_BANDS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    CHANGED_UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    OBJECTION_IDS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    snapshot_version: int
    units: int
    closed_by: str
    plan_name: str
    year: int
    plan_version: int
    snapshot_sha256: str
    unit_event_ids: _containers.RepeatedScalarFieldContainer[str]
    unit_ids: _containers.RepeatedScalarFieldContainer[str]
    grade_bands: _containers.RepeatedCompositeFieldContainer[GradeBand]
    groups: _containers.RepeatedCompositeFieldContainer[Group]
    components: _containers.RepeatedCompositeFieldContainer[ComponentScore]
    changed_unit_ids: _containers.RepeatedScalarFieldContainer[str]
    objection_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., snapshot_version: _Optional[int] = ..., units: _Optional[int] = ..., closed_by: _Optional[str] = ..., plan_name: _Optional[str] = ..., year: _Optional[int] = ..., plan_version: _Optional[int] = ..., snapshot_sha256: _Optional[str] = ..., unit_event_ids: _Optional[_Iterable[str]] = ..., unit_ids: _Optional[_Iterable[str]] = ..., grade_bands: _Optional[_Iterable[_Union[GradeBand, _Mapping]]] = ..., groups: _Optional[_Iterable[_Union[Group, _Mapping]]] = ..., components: _Optional[_Iterable[_Union[ComponentScore, _Mapping]]] = ..., changed_unit_ids: _Optional[_Iterable[str]] = ..., objection_ids: _Optional[_Iterable[str]] = ...) -> None: ...
