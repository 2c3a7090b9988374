"""Shared fixtures: real PostgreSQL and the real broker, started once per test session."""

pytest_plugins = ["jixiao.testing.pytest_plugin"]
