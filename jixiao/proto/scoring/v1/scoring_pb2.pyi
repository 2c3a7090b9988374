from jixiao.proto.events.v1 import scores_pb2 as _scores_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetUnitScoreRequest(_message.Message):
    __slots__ = ("plan_id", "period", "unit_id")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    unit_id: str
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., unit_id: _Optional[str] = ...) -> None: ...

class GetUnitScoreResponse(_message.Message):
    __slots__ = ("score", "explanation_json")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_JSON_FIELD_NUMBER: _ClassVar[int]
    score: _scores_pb2.UnitScore
    explanation_json: str
    def __init__(self, score: _Optional[_Union[_scores_pb2.UnitScore, _Mapping]] = ..., explanation_json: _Optional[str] = ...) -> None: ...

class ListScoresRequest(_message.Message):
    __slots__ = ("plan_id", "period", "group", "snapshot_version")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_VERSION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    group: str
    snapshot_version: int
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., group: _Optional[str] = ..., snapshot_version: _Optional[int] = ...) -> None: ...

class ListScoresResponse(_message.Message):
    __slots__ = ("scores", "snapshot_version", "results_json")
    SCORES_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_VERSION_FIELD_NUMBER: _ClassVar[int]
    RESULTS_JSON_FIELD_NUMBER: _ClassVar[int]
    scores: _containers.RepeatedCompositeFieldContainer[_scores_pb2.UnitScore]
    snapshot_version: int
    results_json: str
    def __init__(self, scores: _Optional[_Iterable[_Union[_scores_pb2.UnitScore, _Mapping]]] = ..., snapshot_version: _Optional[int] = ..., results_json: _Optional[str] = ...) -> None: ...

class ClosePeriodRequest(_message.Message):
    __slots__ = ("plan_id", "period", "actor")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    actor: str
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class ClosePeriodResponse(_message.Message):
    __slots__ = ("snapshot_version", "units", "diff")
    SNAPSHOT_VERSION_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    snapshot_version: int
    units: int
    diff: _containers.RepeatedCompositeFieldContainer[DiffEntry]
    def __init__(self, snapshot_version: _Optional[int] = ..., units: _Optional[int] = ..., diff: _Optional[_Iterable[_Union[DiffEntry, _Mapping]]] = ...) -> None: ...

class RescoreRequest(_message.Message):
    __slots__ = ("plan_id", "period", "actor")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    actor: str
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class RescoreResponse(_message.Message):
    __slots__ = ("diff", "units")
    DIFF_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    diff: _containers.RepeatedCompositeFieldContainer[DiffEntry]
    units: int
    def __init__(self, diff: _Optional[_Iterable[_Union[DiffEntry, _Mapping]]] = ..., units: _Optional[int] = ...) -> None: ...

class DiffEntry(_message.Message):
    __slots__ = ("unit_id", "old_total", "new_total", "old_grade", "new_grade", "why")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    OLD_TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEW_TOTAL_FIELD_NUMBER: _ClassVar[int]
    OLD_GRADE_FIELD_NUMBER: _ClassVar[int]
    NEW_GRADE_FIELD_NUMBER: _ClassVar[int]
    WHY_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    old_total: str
    new_total: str
    old_grade: str
    new_grade: str
    why: str
    def __init__(self, unit_id: _Optional[str] = ..., old_total: _Optional[str] = ..., new_total: _Optional[str] = ..., old_grade: _Optional[str] = ..., new_grade: _Optional[str] = ..., why: _Optional[str] = ...) -> None: ...
