"""Settings refuse bad values with a message that names the variable; exact JSON keeps decimals."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from jixiao.rules import exactjson
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings

pytestmark = pytest.mark.unit


def test_database_url_must_be_postgresql(monkeypatch):
    monkeypatch.setenv("JIXIAO_DATABASE_URL", "mysql://root@db/jixiao")
    with pytest.raises(ValidationError, match="JIXIAO_DATABASE_URL must be a PostgreSQL URL"):
        DatabaseSettings()


def test_plain_postgres_url_is_made_async(monkeypatch):
    monkeypatch.setenv("JIXIAO_DATABASE_URL", "postgres://u@h:5432/d")
    assert DatabaseSettings().database_url == "postgresql+asyncpg://u@h:5432/d"


@pytest.mark.parametrize("value", ["localhost", "host:port", ":9092"])
def test_kafka_bootstrap_needs_host_and_port(monkeypatch, value):
    monkeypatch.setenv("JIXIAO_KAFKA_BOOTSTRAP", value)
    with pytest.raises(ValidationError, match="JIXIAO_KAFKA_BOOTSTRAP must be host:port"):
        KafkaSettings()


def test_partitions_and_ports_are_bounded(monkeypatch):
    monkeypatch.setenv("JIXIAO_KAFKA_PARTITIONS", "0")
    with pytest.raises(ValidationError, match="kafka_partitions"):
        KafkaSettings()
    monkeypatch.setenv("JIXIAO_HTTP_PORT", "70000")
    with pytest.raises(ValidationError, match="http_port"):
        ServiceSettings()


def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.setenv("JIXIAO_ENV", "production")
    with pytest.raises(ValidationError, match="JIXIAO_SECRET_KEY must be set"):
        ServiceSettings()
    monkeypatch.setenv("JIXIAO_SECRET_KEY", "s3cret-from-the-vault")
    with pytest.raises(ValidationError, match="at least 32 characters"):
        ServiceSettings()
    monkeypatch.setenv("JIXIAO_SECRET_KEY", "s3cret-from-the-vault-of-the-county-office")
    settings = ServiceSettings()
    assert settings.env == "production" and settings.migrate is False and settings.auth_required is True
    monkeypatch.setenv("JIXIAO_AUTH", "false")
    with pytest.raises(ValidationError, match="JIXIAO_AUTH=false is refused"):
        ServiceSettings()


def test_local_mode_with_auth_refuses_the_published_secret(monkeypatch):
    monkeypatch.delenv("JIXIAO_ENV", raising=False)
    monkeypatch.delenv("JIXIAO_SECRET_KEY", raising=False)
    monkeypatch.setenv("JIXIAO_AUTH", "true")
    with pytest.raises(ValidationError, match="default one is published"):
        ServiceSettings()
    monkeypatch.setenv("JIXIAO_SECRET_KEY", "a-secret-of-this-county-only-32-chars-long")
    assert ServiceSettings().auth_required is True


def test_exact_json_round_trip_keeps_every_digit():
    data = {"w": Decimal("0.1"), "x": Decimal("89.994999"), "n": [1, None, True, "优"]}
    text = exactjson.dumps(data)
    assert text == '{"w":0.1,"x":89.994999,"n":[1,null,true,"优"]}'
    assert exactjson.loads(text) == data
    with pytest.raises(TypeError, match="binary floats"):
        exactjson.dumps({"f": 0.1})
