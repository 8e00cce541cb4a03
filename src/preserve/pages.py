"""Self-contained HTML pages (the repair review page, the audit report) from Jinja2 templates.

The templates are package data, in ``preserve/data/templates``. Every value a page shows is
escaped (autoescape), and a page loads nothing from anywhere: its style and script are
included inline from the templates folder, so it opens offline years later.
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2


@functools.cache
def environment() -> jinja2.Environment:
    """The one template environment: escaping on, whitespace as the templates write it."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("preserve", "data/templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_page(name: str, **values: Any) -> str:
    """The template ``name`` filled with ``values``."""
    return environment().get_template(name).render(**values)
