"""Shared fixtures: real PostgreSQL and the real broker, started once per test session
(embedded, external, or testcontainers where Docker exists: see jixiao.testing.containers)."""

pytest_plugins = ["jixiao.testing.pytest_plugin", "jixiao.testing.containers"]
