"""Topic names and their creation at start-up (explicit, since auto-created topics differ per broker)."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from jixiao.settings import KafkaSettings

INDICATORS = "jixiao.indicators.v1"
SURVEYS = "jixiao.surveys.v1"
INSPECTIONS = "jixiao.inspections.v1"
SCORES = "jixiao.scores.v1"
SOURCE_TOPICS = (INDICATORS, SURVEYS, INSPECTIONS)
ALL_TOPICS = (*SOURCE_TOPICS, SCORES)

TOPIC_OF_SERVICE = {"indicators": INDICATORS, "surveys": SURVEYS, "inspections": INSPECTIONS, "scoring": SCORES}


async def ensure_topics(
    bootstrap: str | KafkaSettings, topics: tuple[str, ...] | list[str], partitions: int, replication: int = 1
) -> None:
    """Create the topics that are missing; one that already exists counts as success.
    `bootstrap`: the settings (TLS and SASL as configured), or host:port with the rest from the environment."""
    from jixiao.messaging.kafka_config import client_kwargs  # it imports this module

    kafka = bootstrap if isinstance(bootstrap, KafkaSettings) else KafkaSettings(kafka_bootstrap=bootstrap)
    admin = AIOKafkaAdminClient(**{**client_kwargs(kafka), "request_timeout_ms": 10000})
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        for topic in missing:
            try:
                await admin.create_topics([NewTopic(topic, partitions, replication)])
            except TopicAlreadyExistsError:
                pass
            else:
                # tansu answers some errors inside the response rather than raising
                pass
    finally:
        await admin.close()
