"""The flow runs items in two threads: everything an item touches must be thread-safe."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from preserve.repair import repair


def test_repair_in_parallel_threads_gives_the_same_result(magazine_text: str) -> None:
    """enchant's C library crashed (segfault) when two threads checked words at once."""
    texts = [magazine_text.replace("the", f"the{i % 7}", i % 5) for i in range(16)]
    alone = [repair(text).text for text in texts]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda t: repair(t).text, texts))
    assert together == alone
