"""What the installed distribution puts on sys.path: ``preserve`` and ``preserve_flows``.

The folder ``flows/`` installs as ``preserve_flows``; a top-level ``flows`` could be any other
project's, and one module imported under two names is two modules (two flows, two locks, pickles
that name the wrong one). Run from outside the repository, so the working directory adds nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

INSTALLED = """
import importlib.metadata, importlib.util, json
owners = importlib.metadata.packages_distributions()
spec = importlib.util.find_spec("preserve_flows")
print(json.dumps({
    "flows": importlib.util.find_spec("flows") is not None,
    "flows_owners": owners.get("flows"),
    "preserve_flows": spec.origin if spec else None,
    "preserve_flows_owners": owners.get("preserve_flows"),
}))
"""


def test_the_flows_install_as_preserve_flows_and_no_top_level_flows(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", INSTALLED], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    found = json.loads(result.stdout)
    assert found["flows"] is False
    assert found["flows_owners"] is None
    assert found["preserve_flows"] == str(ROOT / "flows" / "__init__.py")
    assert found["preserve_flows_owners"] == ["preserve"]


def test_pyproject_lists_every_package_under_src() -> None:
    """setuptools cannot find and rename at once, so the packages are listed: a new package
    under src/preserve missing from the list would be left out of a wheel (an editable install
    still finds it, so nothing else would notice)."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT / "src").parts)
        for init in (ROOT / "src").rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == on_disk | {"preserve_flows"}
    assert setuptools["package-dir"]["preserve_flows"] == "flows"


ENTRYPOINTS = """
import json, sys
from prefect.flows import load_flow_from_entrypoint
loaded = {e: load_flow_from_entrypoint(e).name for e in sys.argv[1:]}
names = sorted(m for m in sys.modules if m == "flows" or m.startswith("flows."))
print(json.dumps({"loaded": loaded, "flows_modules": names}))
"""


@pytest.mark.slow
def test_prefect_yaml_entrypoints_load_without_a_flows_module() -> None:
    """A worker loads ``flows/ingest.py:ingest`` by path from the repository root; what the
    file imports must come from ``preserve_flows``, never from the folder as ``flows``."""
    deployments = yaml.safe_load((ROOT / "flows" / "prefect.yaml").read_text())["deployments"]
    entrypoints = [deployment["entrypoint"] for deployment in deployments]
    assert entrypoints == [
        "flows/ingest.py:ingest",
        "flows/audit.py:audit",
        "flows/handoff.py:handoff",
    ]
    result = subprocess.run(
        [sys.executable, "-c", ENTRYPOINTS, *entrypoints],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["loaded"] == {
        "flows/ingest.py:ingest": "ingest",
        "flows/audit.py:audit": "audit",
        "flows/handoff.py:handoff": "handoff",
    }
    assert found["flows_modules"] == []
