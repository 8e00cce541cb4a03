"""An audit run as one self-contained HTML page: no scripts, no fonts, no network.

The page opens from a USB stick or an e-mail attachment years later: styles are inline,
every value from a bag (file names can hold anything) is escaped.

>>> from datetime import datetime, UTC
>>> from preserve.audit import AuditRun
>>> page = render_audit_report(AuditRun(id=1, started_at=datetime(2026, 11, 1, tzinfo=UTC),
...                                     selection={}))
>>> "<title>Fixity audit 1" in page and "http" not in page
True
"""

from __future__ import annotations

from html import escape
from typing import Any

from preserve.audit import AuditRun, PackageAudit

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #17692c; font-weight: 600; }
.fail, .missing { color: #a11; font-weight: 600; }
.newly-failing { background: #fde8e8; }
.newly-passing { background: #e6f6ea; }
code { font-size: .92em; word-break: break-all; }
.muted { color: #666; }
details { margin: .6em 0; }
summary { cursor: pointer; font-weight: 600; }
"""

CHANGE_WORDS = {
    "first-audit": "first audit",
    "unchanged": "unchanged",
    "newly-failing": "newly failing",
    "newly-passing": "newly passing",
    "changed": "problems changed",
}


def _text(value: Any) -> str:
    return escape(str(value), quote=True)


def _paths(paths: tuple[str, ...] | list[str], limit: int = 20) -> str:
    if not paths:
        return '<span class="muted">none</span>'
    shown = "<br>".join(f"<code>{_text(p)}</code>" for p in paths[:limit])
    more = len(paths) - limit
    return shown + (f'<br><span class="muted">and {more} more</span>' if more > 0 else "")


def _package_row(audit: PackageAudit) -> str:
    check = audit.check
    return (
        f'<tr class="{_text(audit.change)}">'
        f"<td><code>{_text(check.name)}</code></td>"
        f'<td class="{_text(check.status)}">{_text(check.status)}</td>'
        f"<td>{_text(CHANGE_WORDS.get(audit.change, audit.change))}</td>"
        f'<td class="n">{len(check.corrupted)}</td>'
        f'<td class="n">{len(check.missing)}</td>'
        f'<td class="n">{len(check.extra)}</td>'
        f'<td class="n">{len(check.errors)}</td>'
        f'<td class="n">{check.seconds:.2f}</td>'
        "</tr>"
    )


def _problem_rows(audit: PackageAudit, limit: int = 200) -> str:
    new = {(p.code, p.path) for p in audit.new_problems}
    rows = []
    for problem in audit.check.problems[:limit]:
        facts = ", ".join(f"{_text(k)}={_text(v)}" for k, v in problem.facts.items())
        marker = " <strong>new</strong>" if (problem.code, problem.path) in new else ""
        rows.append(
            f"<tr><td>{_text(problem.severity)}{marker}</td>"
            f"<td><code>{_text(problem.code)}</code></td>"
            f"<td><code>{_text(problem.path)}</code></td>"
            f"<td>{_text(problem.message)}</td><td><code>{facts}</code></td></tr>"
        )
    more = len(audit.check.problems) - limit
    if more > 0:
        rows.append(f'<tr><td colspan="5" class="muted">and {more} more problems</td></tr>')
    return "".join(rows)


def _details(audit: PackageAudit) -> str:
    check = audit.check
    resolved = "".join(
        f"<li><code>{_text(p.get('code'))}</code> <code>{_text(p.get('path'))}</code></li>"
        for p in audit.resolved_problems
    )
    previous = (
        f"previous audit {_text(audit.previous_audited_at.isoformat())}: "
        f"{_text(audit.previous_status)}"
        if audit.previous_audited_at
        else "no previous audit"
    )
    return (
        f"<details open><summary><code>{_text(check.name)}</code> — "
        f'<span class="{_text(check.status)}">{_text(check.status)}</span></summary>'
        f'<p class="muted"><code>{_text(check.path)}</code> · {previous} · '
        f"PREMIS event <code>{_text(audit.event_identifier)}</code></p>"
        "<table><tr><th>corrupted</th><th>missing</th><th>extra</th></tr>"
        f"<tr><td>{_paths(check.corrupted)}</td><td>{_paths(check.missing)}</td>"
        f"<td>{_paths(check.extra)}</td></tr></table>"
        + (
            "<table><tr><th>severity</th><th>code</th><th>path</th><th>message</th>"
            f"<th>facts</th></tr>{_problem_rows(audit)}</table>"
            if check.problems
            else ""
        )
        + (f"<p>Resolved since the previous audit:</p><ul>{resolved}</ul>" if resolved else "")
        + "</details>"
    )


def render_audit_report(run: AuditRun) -> str:
    """The whole run as HTML: totals, every package in a table, details of every failure."""
    summary = run.summary()
    totals = "".join(
        f'<tr><th>{_text(label.replace("_", " "))}</th><td class="n">{value}</td></tr>'
        for label, value in summary.items()
    )
    selection = ", ".join(
        f"{_text(k.replace('_', ' '))}: {_text(v)}" for k, v in run.selection.items() if v
    )
    attention = [a for a in run.audits if a.status != "pass" or a.change != "unchanged"]
    attention = [a for a in attention if a.status != "pass" or a.change != "first-audit"]
    rows = "".join(_package_row(a) for a in run.audits)
    uncatalogued = (
        "<h2>Folders the catalog does not know</h2><p>"
        + _paths(run.uncatalogued, limit=100)
        + "</p>"
        if run.uncatalogued
        else ""
    )
    verdict = (
        '<p class="pass">Every audited package passed.</p>'
        if run.ok
        else f'<p class="fail">{run.failed + run.missing} of {run.audited} packages need '
        "attention.</p>"
    )
    finished = run.finished_at.isoformat() if run.finished_at else "not finished"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>Fixity audit {run.id} — {_text(run.started_at.date().isoformat())}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Fixity audit {run.id}</h1>"
        f'<p class="muted">Started {_text(run.started_at.isoformat())}, finished '
        f"{_text(finished)}. Validator: {_text(run.validator or 'unknown')}. "
        f"Selection: {selection or 'every catalogued package'}.</p>"
        f"{verdict}"
        f'<table style="width:auto">{totals}</table>'
        "<h2>Packages</h2>"
        "<table><tr><th>package</th><th>status</th><th>since last audit</th>"
        '<th class="n">corrupted</th><th class="n">missing</th><th class="n">extra</th>'
        '<th class="n">errors</th><th class="n">seconds</th></tr>'
        f"{rows or '<tr><td colspan=8 class=muted>no package was due for an audit</td></tr>'}"
        "</table>"
        + ("<h2>Needing attention or changed</h2>" if attention else "")
        + "".join(_details(a) for a in attention)
        + uncatalogued
        + "</body></html>\n"
    )
