"""Captions beside page furniture: taken out only when nothing says they are body text."""

from __future__ import annotations

from preserve.repair import repair


def wrap(text: str, width: int = 35) -> list[str]:
    """Greedy wrapping, as a typesetter breaks a column: the next word did not fit."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


BEFORE = wrap(
    "The ferry company says the new timetable will bring more crossings in summer and "
    "fewer in winter, when the weather often closes the harbour for days at a time. The "
    "islanders are not convinced. Many of them depend on the early boat to reach work, "
    "school or the hospital on the mainland, and that is the boat the company wants to cut."
)
AFTER = wrap(
    "The company will publish its final plan in the spring, after a second round of talks "
    "with the council and the harbour board, and the islanders have promised to attend "
    "every one of them in numbers."
)
FOLIO = ["", "", "12 www.island-news.org", "", ""]


def page(*middle: str) -> str:
    return "\n".join([*BEFORE, "", *middle, *AFTER]) + "\n"


def test_a_full_line_beside_a_folio_is_the_body_going_on_not_a_caption() -> None:
    """'..., Maria' fills its line (the next word did not fit): the wrapping broke it and
    the sentence goes on after the folio with a name. Six words in sentence case, between
    two paragraph-like pieces: without the room test it would read as a caption."""
    lines = wrap(
        "The council's chief officer, Maria Lindholm, said the company had agreed to "
        "meet the parents of the children who take the early boat to school."
    )
    assert lines[0] == "The council's chief officer, Maria"
    result = repair(page(lines[0], *FOLIO, *lines[1:], ""))
    assert not [item for item in result.debris if item.kind == "caption"]
    assert "The council's chief officer, Maria" in result.text
    assert "Lindholm, said the company had agreed" in result.text
    assert [item.kind for item in result.debris] == ["folio"]


def test_a_caption_wider_than_the_column_over_a_name_going_on_is_taken_out() -> None:
    """'said the skipper, / caption / Ole Brandt, who': the sentence goes on with a
    name, so case says nothing; the caption's width does, since no line of the column runs
    past it."""
    lines = wrap(
        "Late again today, said the skipper, Ole Brandt, who has sailed the route for "
        "twenty years and knows every rock and current on it."
    )
    cut = next(index for index, line in enumerate(lines) if line.endswith("skipper,"))
    caption = "Passengers wait on the pier in the rain at dawn"
    # longer than any line of the 35-character column, shorter than 1.5 times the median
    # line (33), which sets a block apart from the body by width alone
    assert 41 < len(caption) < 49
    result = repair(page(*lines[: cut + 1], "", caption, *lines[cut + 1 :], ""))
    assert [(item.kind, item.text) for item in result.debris] == [("caption", caption)]
    assert "said the skipper, Ole Brandt, who has" in result.text
