"""Prefect orchestration of preserve: thin flows over the library in ``src/preserve``.

Installed as ``preserve_flows`` (the folder keeps its name); deployments in ``prefect.yaml``
point at ``flows/ingest.py:ingest``, ``flows/audit.py:audit`` and ``flows/handoff.py:handoff``.
"""
