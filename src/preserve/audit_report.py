"""An audit run as one self-contained HTML page: no scripts, no fonts, no network.

The page opens from a USB stick or an e-mail attachment years later: styles are inline,
every value from a bag (file names can hold anything) is escaped. The page is the template
``audit_report.html.j2`` (see :mod:`preserve.pages`).

>>> from datetime import datetime, UTC
>>> from preserve.audit import AuditRun
>>> page = render_audit_report(AuditRun(id=1, started_at=datetime(2026, 11, 1, tzinfo=UTC),
...                                     selection={}))
>>> "<title>Fixity audit 1" in page and "http" not in page
True
"""

from __future__ import annotations

from preserve.audit import AuditRun, PackageAudit
from preserve.pages import render_page
from preserve.report import Problem

CHANGE_WORDS = {
    "first-audit": "first audit",
    "unchanged": "unchanged",
    "newly-failing": "newly failing",
    "newly-passing": "newly passing",
    "changed": "problems changed",
}

PROBLEM_LIMIT = 200
"""Problems listed per package; the rest are counted."""


def _is_new(audit: PackageAudit, problem: Problem) -> bool:
    """Was ``problem`` not there at the package's previous audit?"""
    return any((new.code, new.path) == (problem.code, problem.path) for new in audit.new_problems)


def render_audit_report(run: AuditRun) -> str:
    """The whole run as HTML: totals, every package in a table, details of every failure
    and of every change since the previous audit."""
    attention = [
        audit
        for audit in run.audits
        if audit.status != "pass" or audit.change not in ("unchanged", "first-audit")
    ]
    new = {
        id(audit): {(problem.code, problem.path) for problem in audit.new_problems}
        for audit in attention
    }

    def is_new(audit: PackageAudit, problem: Problem) -> bool:
        """Was ``problem`` not there at the package's previous audit?"""
        return (problem.code, problem.path) in new[id(audit)]

    return render_page(
        "audit_report.html.j2",
        run=run,
        attention=attention,
        change_words=CHANGE_WORDS,
        problem_limit=PROBLEM_LIMIT,
        is_new=is_new,
    )
