"""The hand-off flow, run for real (ephemeral Prefect): every catalogued package not yet
delivered goes to each configured destination; a second run has nothing to do."""

from __future__ import annotations

from pathlib import Path

import handoff_helpers
import pytest

from preserve.catalog import Catalog

packages_template = handoff_helpers.packages_template
preserved = handoff_helpers.preserved


@pytest.mark.slow
def test_the_flow_delivers_what_is_not_yet_delivered(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    from preserve_flows.handoff import handoff

    catalog, packages = preserved
    config = tmp_path / "preserve.toml"
    config.write_text(
        "[[handoff.destinations]]\n"
        f'name = "share"\nurl = "{tmp_path / "share"}"\n'
        "[[handoff.destinations]]\n"
        f'name = "repository"\nurl = "ocfl://{tmp_path / "ocfl"}"\n'
    )
    first = handoff(config=str(config), catalog=str(catalog))
    assert sorted((d.destination, d.outcome) for d in first) == sorted(
        [(str(tmp_path / "share"), "delivered")] * 2
        + [(f"ocfl://{tmp_path / 'ocfl'}", "delivered")] * 2
    )
    assert sorted(p.name for p in (tmp_path / "share").iterdir()) == [p.name for p in packages]
    assert handoff(config=str(config), catalog=str(catalog)) == []
    with Catalog.open(catalog) as store:
        assert len(store.events(event_type="replication")) == 4
