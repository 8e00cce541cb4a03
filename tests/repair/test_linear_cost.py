"""A long text costs in proportion to its length: what a rule asks about is indexed once
(issue 9). Counted in reads, not timed: speed itself is measured in ``benchmarks/``."""

from __future__ import annotations

from preserve.repair.vocabulary import Names


class CountingNames(Names):
    """:class:`Names` counting how often a name's line and the word before it are read."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.reads = 0

    def _in_prose(self, start: int) -> bool:
        self.reads += 1
        return super()._in_prose(start)


def test_names_read_each_place_once_however_often_asked() -> None:
    places = 300
    text = "we crossed the Kessel Pass on foot again.\n" * places
    names = CountingNames(text)
    for _ in range(places):  # restore_small_caps asks about each name it meets
        assert names.pairs("kessel", "pass") == places
        assert names.pairs("the", "pass") == 0
        assert names.count("pass") == places
    # every place of 'Pass' read once for the pairs and once for the count, not per question
    assert names.reads == 2 * places
