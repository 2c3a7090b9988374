"""The Kafka client settings (TLS, SASL/SCRAM, acks, idempotence) and the source-of-topic check."""

from __future__ import annotations

import os
import ssl

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import ValidationError

from jixiao.messaging.envelope import BadEnvelope, make_envelope
from jixiao.messaging.kafka_config import check_source, client_kwargs
from jixiao.messaging.topics import TOPIC_OF_SERVICE
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.settings import KafkaSettings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _no_kafka_environment(monkeypatch):
    """Only what a test passes: a session may set JIXIAO_KAFKA_IDEMPOTENCE (testcontainers does)."""
    for key in [k for k in os.environ if k.startswith("JIXIAO_KAFKA_")]:
        monkeypatch.delenv(key)


def test_local_defaults_are_plaintext_without_idempotence():
    kwargs = client_kwargs(KafkaSettings(kafka_bootstrap="127.0.0.1:9092"), producer=True)
    assert kwargs == {
        "bootstrap_servers": "127.0.0.1:9092",
        "request_timeout_ms": 30000,
        "security_protocol": "PLAINTEXT",
        "acks": "all",
        "enable_idempotence": False,
    }


def test_sasl_ssl_scram_with_the_cluster_ca(tmp_path):
    ca = _self_signed_ca(tmp_path)
    kafka = KafkaSettings(
        kafka_bootstrap="kafka:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_ssl_cafile=str(ca),
        kafka_sasl_username="jixiao-scoring",
        kafka_sasl_password="s3cret",
        kafka_idempotence=True,
    )
    kwargs = client_kwargs(kafka, producer=True)
    context = kwargs.pop("ssl_context")
    assert isinstance(context, ssl.SSLContext) and context.check_hostname
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert kwargs == {
        "bootstrap_servers": "kafka:9093",
        "request_timeout_ms": 30000,
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "jixiao-scoring",
        "sasl_plain_password": "s3cret",
        "acks": "all",
        "enable_idempotence": True,
    }


async def test_aiokafka_accepts_the_kwargs_of_every_client(tmp_path):
    """The clients' constructors validate their arguments (no connection is made here)."""
    ca = _self_signed_ca(tmp_path)
    kafka = KafkaSettings(
        kafka_bootstrap="kafka:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_ssl_cafile=str(ca),
        kafka_sasl_username="u",
        kafka_sasl_password="p",
        kafka_idempotence=True,
    )
    producer = AIOKafkaProducer(**client_kwargs(kafka, producer=True), linger_ms=2)
    consumer = AIOKafkaConsumer("t", **client_kwargs(kafka), group_id="g", enable_auto_commit=False)
    admin = AIOKafkaAdminClient(**client_kwargs(kafka))
    assert (
        producer.client._security_protocol,
        consumer._client._sasl_mechanism,
        admin._client._sasl_plain_username,
    ) == ("SASL_SSL", "SCRAM-SHA-512", "u")


@pytest.mark.parametrize(
    "env, problem",
    [
        ({"kafka_security_protocol": "SASL_SSL"}, "JIXIAO_KAFKA_SASL_USERNAME"),
        ({"kafka_idempotence": True, "kafka_acks": "1"}, "JIXIAO_KAFKA_ACKS=all"),
        ({"kafka_ssl_certfile": "/c.pem"}, "go together"),
    ],
)
def test_inconsistent_security_settings_are_refused(env, problem):
    with pytest.raises(ValidationError, match=problem):
        KafkaSettings(kafka_bootstrap="kafka:9093", **env)


@pytest.mark.parametrize("service, topic", sorted(TOPIC_OF_SERVICE.items()))
def test_an_envelope_from_its_topics_owner_passes(service, topic):
    env = make_envelope(source=service, payload=indicators_pb2.UnitUpserted(unit_id="u"), plan_id="p")
    assert check_source(topic, env) is env


def test_an_envelope_from_another_service_is_poison():
    env = make_envelope(source="surveys", payload=indicators_pb2.UnitUpserted(unit_id="u"), plan_id="p")
    with pytest.raises(BadEnvelope, match="only indicators publishes"):
        check_source(TOPIC_OF_SERVICE["indicators"], env)


def _self_signed_ca(tmp_path):
    """A throwaway CA certificate (PEM), made with the `cryptography` package the project already uses."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jixiao-test-ca")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "ca.crt"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path
