"""Prefect orchestration of preserve: thin flows over the library in ``src/preserve``.

Deployments in ``prefect.yaml`` point at ``flows/ingest.py:ingest`` and ``flows/audit.py:audit``.
"""
