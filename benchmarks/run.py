"""Run every benchmark, one after another (never two at once: they would time each other).

    .venv/bin/python benchmarks/run.py [--quick]

Each benchmark prints medians and ratios against a named baseline measured in the same run:
- ``ingest_bench.py``   preserve ingest vs bagit-python ``make_bag`` and a hashlib single read;
                        Prefect's share of the wall time on many small items; a repeated
                        command (background vs per-command server) vs ``bagit.py``; items/s
                        and peak memory with the threads, processes and dask runners;
- ``audit_runners_bench.py`` the audit by the library alone vs the flow on threads and on a
                        local Dask cluster, batched and one package a task;
- ``validate_bench.py`` preserve validate vs bagit-python ``Bag.validate``; memory on 100k files;
- ``repair_bench.py``   OCR repair on synthetic magazine pages vs ``ftfy.fix_text`` and a naive
                        de-hyphenate-and-join baseline: error removed, false edits, MB/s per core;
- ``realocr_bench.py``  OCR repair on real newspaper OCR with human ground truth, read from
                        ``../shared/realocr-dev/smh`` (skipped when absent): CER/WER raw vs
                        repaired, the documents made worse and why.
- ``handoff_bench.py``  preserve handoff to a folder and over loopback SFTP vs ``cp -r`` and
                        OpenSSH's ``sftp`` moving the same bytes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    "ingest_bench.py",
    "audit_runners_bench.py",
    "validate_bench.py",
    "repair_bench.py",
    "realocr_bench.py",
    "handoff_bench.py",
)


def main() -> int:
    extra = [a for a in sys.argv[1:] if a == "--quick"]
    failed = 0
    for name in BENCHMARKS:
        print(f"\n=== {name} {' '.join(extra)}".rstrip(), flush=True)
        failed |= subprocess.run([sys.executable, str(HERE / name), *extra], check=False).returncode
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
