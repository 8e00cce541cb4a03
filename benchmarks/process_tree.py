"""The memory of a command and every process it starts, read from /proc while it runs."""

from __future__ import annotations

import os
import threading
from typing import Any


def _read(path: str, keys: tuple[str, ...]) -> dict[str, int]:
    """The ``Name: N kB`` lines of a /proc file (``status``, ``smaps_rollup``) named in
    ``keys``, in kB; nothing for a process gone in the meantime."""
    values = {}
    try:
        with open(path) as stream:
            for line in stream:
                name, _, rest = line.partition(":")
                if name in keys:
                    values[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return values


def read_status(pid: int, key: str) -> int:
    """One ``/proc/PID/status`` figure in kB (``VmHWM``: the process's peak RSS), 0 if gone."""
    return _read(f"/proc/{pid}/status", (key,)).get(key, 0)


class TreeMemory:
    """Memory of a command and every process under it (workers, a Dask cluster), read from
    /proc while it runs.

    ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is the largest *single* descendant's peak, so
    it cannot tell one 300 MiB process from three. Here, every ``interval`` seconds the tree
    is walked (``/proc/PID/task/*/children``) and each process's PSS (its own pages plus its
    share of shared ones: summing RSS would count a forked worker's shared pages twice) is
    summed; the peak of that sum is ``tree_pss_peak_mib``, a sample, so a spike shorter than
    the interval can be missed. ``largest_process_mib`` is the largest ``VmHWM`` (the
    kernel's exact peak RSS of one process) seen. The background Prefect server is not in the
    tree: it was started before, by another command, and serves them all.
    """

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.tree_pss_peak = 0
        self.tree_rss_peak = 0
        self.hwm: dict[int, int] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        found, pending = [], [self.pid]
        while pending:
            pid = pending.pop()
            found.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as children:
                        pending.extend(int(child) for child in children.read().split())
            except OSError:  # gone in the meantime
                continue
        return found

    def sample(self) -> None:
        pss = rss = 0
        for pid in self._tree():
            rollup = _read(f"/proc/{pid}/smaps_rollup", ("Rss", "Pss"))
            pss += rollup.get("Pss", 0)
            rss += rollup.get("Rss", 0)
            status = _read(f"/proc/{pid}/status", ("VmHWM",))
            if "VmHWM" in status:
                self.hwm[pid] = max(self.hwm.get(pid, 0), status["VmHWM"])
        self.tree_pss_peak = max(self.tree_pss_peak, pss)
        self.tree_rss_peak = max(self.tree_rss_peak, rss)

    def _run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.interval)

    def stop(self, usage: Any = None) -> dict[str, float]:
        self._done.set()
        self._thread.join()
        largest = max(self.hwm.values(), default=0)
        if usage is not None:  # the command's own exact peak, known once it has exited
            largest = max(largest, usage.ru_maxrss)
        return {
            "tree_pss_peak_mib": self.tree_pss_peak / 1024,
            "tree_rss_peak_mib": self.tree_rss_peak / 1024,
            "largest_process_mib": largest / 1024,
            "processes_seen": len(self.hwm),
        }
