"""A validation report whose problems beyond the first few thousand wait in a temporary file.

A manifest of a million entries that are all missing yields a million problems; held as
objects they cost more memory than the rest of the validation. :class:`SpooledReport`
keeps the first :data:`KEEP` in ``problems`` (what a summary shows) and writes the rest,
already printable, as JSON lines to an anonymous temporary file. Its counts and
:attr:`~SpooledReport.valid` cover every problem; :meth:`~SpooledReport.iter_problems`
and :meth:`~SpooledReport.write_json` give them all back, the latter without holding
them in memory.

>>> report = SpooledReport("bag", keep=1)
>>> _ = report.add("notice", "a", "", "first")
>>> _ = report.add("error", "b", "data/x", "second")
>>> len(report.problems), report.valid, report.counts
(1, False, {'error': 1, 'warning': 0, 'notice': 1})
>>> [p.code for p in report.iter_problems()]
['a', 'b']
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from preserve.report import SEVERITIES, Problem, Report, Severity
from preserve.validation.paths import has_undecodable, shown

KEEP = 10_000
"""Problems held in memory per report; the rest are spooled to a temporary file."""


class SpooledReport(Report):
    """A :class:`~preserve.report.Report` with bounded memory for any number of problems.

    ``problems`` holds the first ``keep`` problems; ``errors``, ``warnings`` and
    ``notices`` are drawn from those only, while ``counts``, ``valid`` and ``to_dict``
    cover all of them.
    """

    def __init__(self, subject: str, *, keep: int | None = None) -> None:
        super().__init__(subject=subject)
        self.keep = KEEP if keep is None else keep
        self.spooled: Counter[str] = Counter()
        self._spool: IO[str] | None = None
        self._read_since_write = False

    def add(self, severity: Severity, code: str, path: str, message: str, **facts: Any) -> Problem:
        problem = Problem(severity, code, path, message, facts)
        self._append(problem)
        return problem

    def extend(self, problems: list[Problem]) -> None:
        for problem in problems:
            self._append(problem)

    def _append(self, problem: Problem) -> None:
        if len(self.problems) < self.keep:
            self.problems.append(problem)
            return
        if self._spool is None:
            self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        if self._read_since_write:  # a reader may have stopped part-way
            self._spool.seek(0, 2)
            self._read_since_write = False
        line = json.dumps(problem.to_dict(), ensure_ascii=False, default=str)
        if has_undecodable(line):  # names kept as surrogates to match the disk
            line = shown(line)
        self._spool.write(line + "\n")
        self.spooled[problem.severity] += 1

    @property
    def counts(self) -> dict[str, int]:
        held = Counter(p.severity for p in self.problems)
        return {s: held[s] + self.spooled[s] for s in SEVERITIES}

    @property
    def errors(self) -> list[Problem]:
        """The errors held in memory; the first spooled one if none is."""
        held = [p for p in self.problems if p.severity == "error"]
        if not held and self.spooled["error"]:
            held.append(next(p for p in self.iter_problems() if p.severity == "error"))
        return held

    @property
    def valid(self) -> bool:
        return not self.errors and not self.spooled["error"]

    def iter_problems(self) -> Iterator[Problem]:
        """Every problem, in the order found: those held, then those spooled."""
        yield from self.problems
        if self._spool is None:
            return
        self._spool.flush()
        self._read_since_write = True
        self._spool.seek(0)
        for line in self._spool:
            data = json.loads(line)
            yield Problem(
                data["severity"], data["code"], data["path"], data["message"], data["facts"]
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "valid": self.valid,
            "counts": self.counts,
            "problems": [p.to_dict() for p in self.iter_problems()],
            "info": dict(self.info),
        }

    def write_json(self, stream: IO[str], indent: str = "    ") -> None:
        """Write :meth:`to_dict`'s document to ``stream``, one problem at a time."""
        write_report_json(self, stream, indent)

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None


def every_problem(report: Report) -> Iterator[Problem]:
    """All of a report's problems, spooled ones included (any :class:`Report`)."""
    if isinstance(report, SpooledReport):
        return report.iter_problems()
    return iter(report.problems)


def write_report_json(report: Report, stream: IO[str], indent: str = "    ") -> None:
    """A report as one JSON object, its problems streamed (any :class:`Report`)."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, default=str)

    counts = (
        report.counts
        if isinstance(report, SpooledReport)
        else {s: sum(p.severity == s for p in report.problems) for s in SEVERITIES}
    )
    problems = every_problem(report)
    stream.write(f'{{\n{indent}  "subject": {dump(report.subject)},\n')
    stream.write(f'{indent}  "valid": {dump(report.valid)},\n')
    stream.write(f'{indent}  "counts": {dump(counts)},\n')
    stream.write(f'{indent}  "problems": [')
    for number, problem in enumerate(problems):
        stream.write(("," if number else "") + f"\n{indent}    {dump(problem.to_dict())}")
    stream.write(f'\n{indent}  ],\n{indent}  "info": {dump(dict(report.info))}\n{indent}}}')
