"""The scoring rules' own exceptions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One rejected (or reported) input: where it is, as a JSON path, and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ScoringError(Exception):
    """Base of every error raised by the scoring rules."""


class ValidationError(ScoringError):
    """Input that the rules refuse; carries every problem found, each with its JSON path."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        first = str(self.problems[0]) if self.problems else "invalid input"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


class PlanError(ValidationError):
    """A plan (with its indicator tree) that breaks the rules of scoring.md."""


class BundleError(ValidationError):
    """A `jixiao.bundle/v1` document that is refused as a whole."""
