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


def test_each_thread_owns_its_dictionaries() -> None:
    """enchant is not thread-safe: a native crash (double free) came from two threads in it.
    No enchant object is shared between threads."""
    from preserve.repair.lexicon import get_lexicon

    here = get_lexicon("en_US", ("en_GB",))
    assert get_lexicon("en_US", ("en_GB",)) is here, "one per thread, kept"
    with ThreadPoolExecutor(1) as pool:
        there = pool.submit(get_lexicon, "en_US", ("en_GB",)).result()
    assert there is not here
    assert there._broker is not here._broker
    assert there.check("harbour") and here.check("harbor")


def test_a_dropped_lexicon_is_freed_at_once_in_its_own_thread() -> None:
    """Only a reference cycle lets the garbage collector free enchant objects later, from
    whichever thread it runs in; a lexicon is in none."""
    import gc
    import weakref

    from preserve.repair.lexicon import Lexicon

    gc.disable()
    try:
        lexicon = Lexicon("en_US")
        assert lexicon.check("word")
        gone = weakref.ref(lexicon)
        dictionary = weakref.ref(lexicon._dictionary)
        del lexicon
        assert gone() is None and dictionary() is None
    finally:
        gc.enable()
