from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlanPublished(_message.Message):
    __slots__ = ("plan_id", "year", "version", "plan_json")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PLAN_JSON_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    year: int
    version: int
    plan_json: str
    def __init__(self, plan_id: _Optional[str] = ..., year: _Optional[int] = ..., version: _Optional[int] = ..., plan_json: _Optional[str] = ...) -> None: ...

class UnitUpserted(_message.Message):
    __slots__ = ("plan_id", "unit_id", "name", "kind", "group", "parent", "version")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    PARENT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    name: str
    kind: str
    group: str
    parent: str
    version: int
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., group: _Optional[str] = ..., parent: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class TargetSet(_message.Message):
    __slots__ = ("plan_id", "unit_id", "indicator_id", "target", "version")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    INDICATOR_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    indicator_id: str
    target: str
    version: int
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., indicator_id: _Optional[str] = ..., target: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class IndicatorResultConfirmed(_message.Message):
    __slots__ = ("plan_id", "unit_id", "indicator_id", "part", "period", "result_id", "version", "actual", "rating", "done", "points", "budget_spent", "confirmed", "confirmed_by", "confirmed_at")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    INDICATOR_ID_FIELD_NUMBER: _ClassVar[int]
    PART_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    RESULT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    BUDGET_SPENT_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_BY_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_AT_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    indicator_id: str
    part: str
    period: str
    result_id: str
    version: int
    actual: str
    rating: str
    done: bool
    points: str
    budget_spent: BudgetSpent
    confirmed: bool
    confirmed_by: str
    confirmed_at: str
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., indicator_id: _Optional[str] = ..., part: _Optional[str] = ..., period: _Optional[str] = ..., result_id: _Optional[str] = ..., version: _Optional[int] = ..., actual: _Optional[str] = ..., rating: _Optional[str] = ..., done: _Optional[bool] = ..., points: _Optional[str] = ..., budget_spent: _Optional[_Union[BudgetSpent, _Mapping]] = ..., confirmed: _Optional[bool] = ..., confirmed_by: _Optional[str] = ..., confirmed_at: _Optional[str] = ...) -> None: ...

class BudgetSpent(_message.Message):
    __slots__ = ("budget", "spent")
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    SPENT_FIELD_NUMBER: _ClassVar[int]
    budget: str
    spent: str
    def __init__(self, budget: _Optional[str] = ..., spent: _Optional[str] = ...) -> None: ...

class PeriodClosed(_message.Message):
    __slots__ = ("plan_id", "period", "closed_by")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    CLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    closed_by: str
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ..., closed_by: _Optional[str] = ...) -> None: ...
