"""Structured problem reports, shared by validation, profiles, audit and ingest.

A check collects every problem it finds instead of stopping at the first
(bagit-python's ``BagValidationError`` with its ``details`` is the model).

>>> report = Report(subject="bags/x")
>>> _ = report.add("error", "checksum-mismatch", "data/a.txt", "sha256 differs",
...            algorithm="sha256", expected="00", found="ff")
>>> report.valid
False
>>> report.to_dict()["problems"][0]["facts"]["algorithm"]
'sha256'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "notice"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "notice")


@dataclass(frozen=True)
class Problem:
    """One finding: how bad it is, a stable code, the path it concerns, and the facts."""

    severity: Severity
    code: str
    path: str
    message: str
    facts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "path": self.path,
            "message": self.message,
            "facts": dict(self.facts),
        }

    def __str__(self) -> str:
        where = f" {self.path}:" if self.path else ""
        return f"{self.severity} [{self.code}]{where} {self.message}"


@dataclass
class Report:
    """Every problem found about one subject (a bag, a package, a profile check)."""

    subject: str
    problems: list[Problem] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def add(self, severity: Severity, code: str, path: str, message: str, **facts: Any) -> Problem:
        problem = Problem(severity, code, path, message, facts)
        self.problems.append(problem)
        return problem

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notices(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "notice"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "valid": self.valid,
            "counts": {s: sum(p.severity == s for p in self.problems) for s in SEVERITIES},
            "problems": [p.to_dict() for p in self.problems],
            "info": dict(self.info),
        }
