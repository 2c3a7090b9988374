"""Sample data shipped with the package: the Bailian township's 2026 year (the demo's default and
the tests' fixture; its expected results live in tests/data)."""

from pathlib import Path

BAILIAN_BUNDLE = Path(__file__).resolve().parent / "bailian-2026.bundle.json"
