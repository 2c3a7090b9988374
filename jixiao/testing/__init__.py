"""Test support: real servers (embedded PostgreSQL, the tansu broker) and pytest fixtures."""
