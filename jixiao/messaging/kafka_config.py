"""How our Kafka clients connect (TLS, SASL/SCRAM, acks, idempotence), and who may publish on a topic."""

from __future__ import annotations

import ssl
from typing import Any

from jixiao.messaging.envelope import BadEnvelope, Envelope
from jixiao.messaging.topics import TOPIC_OF_SERVICE
from jixiao.settings import KafkaSettings

_SOURCE_OF_TOPIC = {topic: service for service, topic in TOPIC_OF_SERVICE.items()}


def client_kwargs(kafka: KafkaSettings, *, producer: bool = False) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer/Consumer/AdminClient from the settings.

    With `producer=True` also acks and idempotence: `acks=all` and the idempotent producer on real
    Kafka; the local tansu broker rejects InitProducerId, so idempotence stays a setting (off there).
    """
    kwargs: dict[str, Any] = {
        "bootstrap_servers": kafka.kafka_bootstrap,
        "request_timeout_ms": kafka.kafka_request_timeout_ms,
        "security_protocol": kafka.kafka_security_protocol,
    }
    if kafka.kafka_tls:
        kwargs["ssl_context"] = ssl_context(kafka)
    if kafka.kafka_security_protocol.startswith("SASL_"):
        kwargs.update(
            sasl_mechanism=kafka.kafka_sasl_mechanism,
            sasl_plain_username=kafka.kafka_sasl_username,
            sasl_plain_password=kafka.kafka_sasl_password.get_secret_value(),
        )
    if producer:
        kwargs.update(
            acks="all" if kafka.kafka_acks == "all" else int(kafka.kafka_acks),
            enable_idempotence=kafka.kafka_idempotence,
        )
    return kwargs


def ssl_context(kafka: KafkaSettings) -> ssl.SSLContext:
    """A client TLS context: the cluster CA (or the system's), an optional client certificate."""
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=str(kafka.kafka_ssl_cafile) if kafka.kafka_ssl_cafile else None
    )
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = kafka.kafka_ssl_check_hostname
    if kafka.kafka_ssl_certfile is not None:
        context.load_cert_chain(str(kafka.kafka_ssl_certfile), str(kafka.kafka_ssl_keyfile))
    return context


def check_source(topic: str, env: Envelope) -> Envelope:
    """The envelope, if its source service is the one that owns `topic`; BadEnvelope (parked) if not.

    ACLs let only a topic's owner write to it; this check makes a forged or misrouted event poison
    instead of a fact that scoring applies. Topics that are not ours are not checked.
    """
    owner = _SOURCE_OF_TOPIC.get(topic)
    if owner is not None and env.source != owner:
        raise BadEnvelope(f"an event from {env.source!r} on {topic}, which only {owner} publishes")
    return env
