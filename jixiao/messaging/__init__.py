"""Events: the envelope, the transactional outbox, its relay, idempotent consumers, topics."""
