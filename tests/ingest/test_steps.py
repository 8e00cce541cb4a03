"""The step table is the pipeline: its order is the documented one, each step's PREMIS events
are in the package it makes, and ingest_item runs the table as it is (issue 13.2)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from ingest_helpers import packages_in, run_ingest

from preserve import pipeline
from preserve.catalog import Catalog
from preserve.errors import PreserveError
from preserve.pipeline import STEPS, ItemRun, Step
from preserve.premis import parse_events


def _documented_steps() -> list[tuple[str, str]]:
    """The numbered list of the pipeline module's docstring: (name, its whole entry)."""
    doc = pipeline.__doc__ or ""
    entries = re.findall(r"^\s*\d+\.\s+``(\w+)``(.*?)(?=^\s*\d+\.\s|^\S|\Z)", doc, re.M | re.S)
    return [(name, " ".join(text.split())) for name, text in entries]


def test_the_table_is_in_the_documented_order() -> None:
    documented = _documented_steps()
    assert [name for name, _ in documented] == [step.name for step in STEPS]
    names = [step.name for step in STEPS]
    # STYLE.md's order: intake -> ... -> repair -> describe -> bag -> validate -> record
    later = ["fixity", "identify", "repair", "describe", "bag", "validate", "record"]
    assert [names.index(name) for name in later] == sorted(names.index(name) for name in later)


def test_each_step_names_its_events_where_it_is_documented_and_in_its_docstring() -> None:
    documented = dict(_documented_steps())
    for step in STEPS:
        for event in (*step.events, *step.catalog_events):
            assert event in documented[step.name], (step.name, event)
            assert event in " ".join((step.run.__doc__ or "").split()), (step.name, event)
        assert f"``{step.name}``" in (step.run.__doc__ or ""), step.name


def test_each_steps_events_are_in_the_package_and_the_catalog(raw_copy: Path, out: Path) -> None:
    outcomes = run_ingest(raw_copy, out)
    assert {o.status for o in outcomes} == {"ingested"}
    declared = Counter(event for step in STEPS for event in step.events)
    in_catalog_only = Counter(event for step in STEPS for event in step.catalog_events)
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        for bag in packages_in(out):
            events = parse_events((bag / "data" / "metadata" / "premis.xml").read_bytes())
            in_package = Counter(event.type for event in events)
            # every step's events are there, and no event comes from outside the table
            assert set(in_package) == set(declared)
            record = catalog.package(bag.name)
            assert record is not None
            recorded = Counter(e.event_type for e in catalog.events(package_id=record.id))
            assert recorded == in_package + in_catalog_only


def _tracing(ran: list[str]) -> tuple[Step, ...]:
    def traced(step: Step) -> Step:
        def run(item_run: ItemRun) -> None:
            ran.append(step.name)
            step.run(item_run)

        return Step(step.name, run, step.events, step.catalog_events)

    return tuple(traced(step) for step in STEPS)


def test_ingest_item_runs_the_table_in_order_and_stops_once_settled(
    raw_copy: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    monkeypatch.setattr(pipeline, "STEPS", _tracing(ran))
    run_ingest(raw_copy, out)
    assert ran == [step.name for step in STEPS] * 2
    ran.clear()
    outcomes = run_ingest(raw_copy, out)
    assert [o.status for o in outcomes] == ["already-preserved"] * 2
    assert ran == ["fixity", "lookup"] * 2  # settled by the lookup: nothing copied or built


def test_a_step_added_to_the_table_runs_in_its_place(
    raw_copy: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step that refuses the finished bag before it is published: nothing is published,
    the staging bag is removed, and the refusal is the item's one-line reason."""

    def refuse(run: ItemRun) -> None:
        assert (run.bag / "bag-info.txt").is_file()  # the bag step came before
        raise PreserveError(f"{run.name} refused by a step of the test")

    steps = list(STEPS)
    steps.insert([s.name for s in steps].index("publish"), Step("refuse", refuse))
    monkeypatch.setattr(pipeline, "STEPS", tuple(steps))
    outcomes = run_ingest(raw_copy, out)
    assert [o.status for o in outcomes] == ["failed"] * 2
    assert [o.reasons for o in outcomes] == [
        [f"{o.package} refused by a step of the test"] for o in outcomes
    ]
    assert packages_in(out) == []
    assert not any((out / ".staging").iterdir())
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        assert catalog.counts()["packages"] == 0
