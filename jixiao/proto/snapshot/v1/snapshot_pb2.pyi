from jixiao.proto.events.v1 import envelope_pb2 as _envelope_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamSnapshotRequest(_message.Message):
    __slots__ = ("plan_id", "period")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: str
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[str] = ...) -> None: ...

class GetPositionRequest(_message.Message):
    __slots__ = ("plan_id", "with_facts")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    WITH_FACTS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    with_facts: bool
    def __init__(self, plan_id: _Optional[str] = ..., with_facts: _Optional[bool] = ...) -> None: ...

class GetPositionResponse(_message.Message):
    __slots__ = ("position", "source", "facts")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    position: int
    source: str
    facts: FactDigest
    def __init__(self, position: _Optional[int] = ..., source: _Optional[str] = ..., facts: _Optional[_Union[FactDigest, _Mapping]] = ...) -> None: ...

class FactDigest(_message.Message):
    __slots__ = ("facts", "sha256")
    FACTS_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    facts: int
    sha256: str
    def __init__(self, facts: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class ListPlansRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plan_ids", "source")
    PLAN_IDS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    plan_ids: _containers.RepeatedScalarFieldContainer[str]
    source: str
    def __init__(self, plan_ids: _Optional[_Iterable[str]] = ..., source: _Optional[str] = ...) -> None: ...
