from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StratumScore(_message.Message):
    __slots__ = ("stratum", "n", "mean", "sd", "weight")
    STRATUM_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    SD_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    stratum: str
    n: int
    mean: str
    sd: str
    weight: str
    def __init__(self, stratum: _Optional[str] = ..., n: _Optional[int] = ..., mean: _Optional[str] = ..., sd: _Optional[str] = ..., weight: _Optional[str] = ...) -> None: ...

class SurveyScoreUpdated(_message.Message):
    __slots__ = ("plan_id", "unit_id", "round_id", "version", "score", "se", "strata", "responses", "external", "source", "document")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SE_FIELD_NUMBER: _ClassVar[int]
    STRATA_FIELD_NUMBER: _ClassVar[int]
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    unit_id: str
    round_id: str
    version: int
    score: str
    se: str
    strata: _containers.RepeatedCompositeFieldContainer[StratumScore]
    responses: int
    external: bool
    source: str
    document: str
    def __init__(self, plan_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., round_id: _Optional[str] = ..., version: _Optional[int] = ..., score: _Optional[str] = ..., se: _Optional[str] = ..., strata: _Optional[_Iterable[_Union[StratumScore, _Mapping]]] = ..., responses: _Optional[int] = ..., external: _Optional[bool] = ..., source: _Optional[str] = ..., document: _Optional[str] = ...) -> None: ...
