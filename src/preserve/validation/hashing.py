"""Checksum algorithms of manifests, and hashing each file once for all of them.

Algorithm names are bagit-python's list (its ``CHECKSUM_ALGOS`` is
``hashlib.algorithms_guaranteed``, read here without importing bagit at run time) minus
the SHAKE functions, which have no fixed digest length;
RFC 8493's normalized spellings (``sha3256`` for SHA3-256) map to the same functions.

>>> hashlib_name("sha256"), hashlib_name("sha3256"), hashlib_name("crc32")
('sha256', 'sha3_256', None)
>>> hex_length("md5")
32
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache

from preserve.fixity import digest_stream
from preserve.validation.tagfiles import UnsafeFile, open_regular

BATCH_BYTES = 32 << 20
BATCH_FILES = 256
"""A worker gets files in batches (32 MiB or 256 files) so small files do not cost an IPC each."""


@cache
def hashlib_name(algorithm: str) -> str | None:
    """The hashlib function for a manifest's algorithm name, or None if unsupported."""
    supported = {name for name in hashlib.algorithms_guaranteed if not name.startswith("shake")}
    if algorithm in supported:
        return algorithm
    for name in supported:
        if name.replace("_", "") == algorithm:
            return name
    return None


@cache
def hex_length(algorithm: str) -> int | None:
    """Length of the hex digest for a supported algorithm."""
    name = hashlib_name(algorithm)
    return None if name is None else hashlib.new(name).digest_size * 2


@dataclass(frozen=True, slots=True)
class HashJob:
    """One file to hash: where, which algorithms, and the identity seen by the scan."""

    path: str
    algorithms: tuple[str, ...]
    identity: tuple[int, int]
    size: int


@dataclass(frozen=True, slots=True)
class HashResult:
    """Digests by manifest algorithm name, or why the file could not be read."""

    path: str
    digests: dict[str, str] | None
    error: str | None = None


def hash_one(root: str, job: HashJob, progress: Callable[[int], None] | None = None) -> HashResult:
    """Hash one file of the bag in one read, refusing anything but the scanned regular file."""
    names = {algorithm: hashlib_name(algorithm) for algorithm in job.algorithms}
    usable = {a: n for a, n in names.items() if n is not None}
    try:
        path = os.path.join(root, job.path)
        with open_regular(path, job.identity, buffered=False) as stream:
            digests = digest_stream(stream, sorted(set(usable.values())), progress)
    except (OSError, UnsafeFile) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return HashResult(job.path, None, reason)
    return HashResult(job.path, {a: digests[n] for a, n in usable.items()})


def _hash_batch(root: str, jobs: list[HashJob]) -> list[HashResult]:
    return [hash_one(root, job) for job in jobs]


def _batches(jobs: Iterable[HashJob]) -> Iterator[list[HashJob]]:
    batch: list[HashJob] = []
    size = 0
    for job in jobs:
        batch.append(job)
        size += job.size
        if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def hash_files(
    root: str,
    jobs: Iterable[HashJob],
    *,
    processes: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Iterator[HashResult]:
    """Hash every job; with ``processes > 1`` a process pool works through batches.

    At most a few batches per worker are in flight, so memory stays flat however many
    files the bag holds. With a pool, ``progress`` hears each batch's bytes when it is
    done. If the pool breaks, the batches it still owes are hashed in this process. A
    daemonic process (a Dask worker) may not start a pool, and hashes everything itself.
    """
    if multiprocessing.current_process().daemon:
        processes = 1
    batches = _batches(jobs)
    first = next(batches, None)
    second = next(batches, None) if processes > 1 else None
    if second is None:
        # One process asked for, or too little work to pay for starting a pool.
        for batch in itertools.chain([first] if first else [], batches):
            for job in batch:
                yield hash_one(root, job, progress)
        return
    assert first is not None
    batches = itertools.chain([first, second], batches)
    # Batches handed to the pool and not yet yielded: hashed here if the pool breaks.
    owed: dict[Future[list[HashResult]], list[HashJob]] = {}
    handing: list[list[HashJob]] = []
    try:
        with ProcessPoolExecutor(max_workers=processes, mp_context=_context()) as pool:
            for batch in batches:
                handing = [batch]
                owed[pool.submit(_hash_batch, root, batch)] = batch
                handing = []
                if len(owed) >= processes * 3:
                    yield from _collect(_finished(owed), owed, progress)
            while owed:
                yield from _collect(_finished(owed), owed, progress)
    except BrokenProcessPool:
        # A worker died (killed, out of memory, or it could not start): finish here.
        for batch in itertools.chain(list(owed.values()), handing, batches):
            for job in batch:
                yield hash_one(root, job, progress)


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` when this process runs no other thread (fast, nothing re-imported);
    ``forkserver`` otherwise, since forking a threaded process (a Prefect flow) can
    deadlock; ``spawn`` where neither exists."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _finished(
    owed: dict[Future[list[HashResult]], list[HashJob]],
) -> set[Future[list[HashResult]]]:
    done, _ = wait(set(owed), return_when=FIRST_COMPLETED)
    return set(done)


def _collect(
    done: set[Future[list[HashResult]]],
    owed: dict[Future[list[HashResult]], list[HashJob]],
    progress: Callable[[int], None] | None,
) -> Iterator[HashResult]:
    for future in done:
        results = future.result()  # BrokenProcessPool propagates: the caller falls back
        batch = owed.pop(future)
        if progress is not None:
            progress(sum(job.size for job in batch))
        yield from results
