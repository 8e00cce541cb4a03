"""Newspaper pages: rules that move, remove or re-case text stand down without evidence, and
say so in a note the review page shows."""

from __future__ import annotations

from preserve.repair import repair
from preserve.repair.context import preview
from preserve.repair.review import render_result
from preserve.repair.rules.furniture import newspaper_page, table_lines
from preserve.repair.rules.headings import restore_small_caps
from preserve.repair.rules.lines import LineTable
from preserve.repair.rules.whitespace import remove_space_before_punctuation

PAGE = (
    "THE VALLEY HERALD\n"
    "No. 8,112. Saturday, March 3, 1928. Twopence.\n"
    "\n"
    "RIVER CROSSING TO CLOSE\n"
    "\n"
    "Engineers who inspected the old\n"
    "stone crossing at Millbrook last\n"
    "week have told the county that its\n"
    "piers are unsafe, and the crossing\n"
    "will close to all traffic on Monday\n"
    "while repairs are planned. Farmers\n"
    "\n"
    "   “The crossing has stood\n"
    "   for a hundred years.”\n"
    "\n"
    "on the eastern side will have to\n"
    "drive eleven miles round by the new\n"
    "bridge, and several have asked for\n"
    "a temporary ferry. The county sur-\n"
    "veyor said a ferry would be consid-\n"
    "ered, but that the current in spring\n"
    "made it a dangerous crossing for a\n"
    "small boat, and that the first con-\n"
    "cern was the safety of the public.\n"
)


def notes_of(result: object, rule: str) -> list[str]:
    return [note["reason"] for note in result.log.notes if note["rule"] == rule]  # type: ignore[attr-defined]


def test_on_a_page_with_a_masthead_a_pull_quote_is_not_moved_and_the_note_says_why() -> None:
    result = repair(PAGE)
    assert result.kind == "ocr"
    assert "move_interrupting_blocks" not in result.summary()
    assert any("masthead" in reason for reason in notes_of(result, "move_interrupting_blocks"))
    # the masthead is kept, neither removed as a running head nor glued to its date line
    assert result.text.startswith("THE VALLEY HERALD\n\nNo. 8,112.")
    assert result.debris == []


def test_the_same_page_without_its_masthead_moves_the_pull_quote() -> None:
    """The stand-down comes from the masthead alone: the magazine behaviour is unchanged."""
    magazine = PAGE.split("\n", 3)[3]
    result = repair(magazine)
    assert result.summary().get("move_interrupting_blocks")
    assert "Farmers on the eastern side" in result.text


def test_the_stood_down_notes_are_on_the_review_page() -> None:
    result = repair(PAGE)
    page = render_result(result, title="Newspaper page")
    assert "nothing is moved" in page
    assert "a masthead (THE VALLEY HERALD" in page


def test_table_rows_are_found_a_blank_line_apart_and_a_lone_row_is_none() -> None:
    assert table_lines(["Kestrel Boat Club 41 7", "", "Harbour Rowing Club 38 9"]) == [
        (0, "row"),
        (2, "row"),
    ]
    assert table_lines(["the score was 41 7 at the end", "and the crowd left"]) == []
    assert (
        newspaper_page(LineTable("It was 3 May 1928 and 40 boats\nwere out on the river.\n"))
        is None
    )


def test_a_contents_list_needs_three_entries_in_a_row() -> None:
    entries = ["Markets and shipping 4", "Letters to the editor 6", "Sport and racing 11"]
    assert [kind for _, kind in table_lines(entries)] == ["entry"] * 3
    assert table_lines([*entries[:2], "The river rose again."]) == []


def test_a_lone_number_on_a_page_with_a_table_is_kept_as_a_possible_cell() -> None:
    text = (
        "The regatta was rowed in fine weather\n"
        "and the results were as follows, with\n"
        "\n"
        "41\n"
        "\n"
        "Kestrel Boat Club 41 7\n"
        "Harbour Rowing Club 38 9\n"
        "the times of the crews in seconds be-\n"
        "hind the winner of the final heat.\n"
        "The next regatta will be held in June,\n"
        "when the new boat-house is to be open-\n"
        "ed by the mayor and the club's patron.\n"
    )
    result = repair(text)
    assert result.kind == "ocr"
    assert "\n41\n" in f"\n{result.text}"
    assert any("may be a cell" in reason for reason in notes_of(result, "remove_layout_debris"))


def test_small_caps_stand_down_on_capitals_with_a_note() -> None:
    from preserve.repair.config import RepairConfig
    from preserve.repair.context import RuleContext

    text = "the sitting ended.\n\nTHE HARBOUK BOAUD AND THE NEW wHARF.\n\nThe board met.\n"
    output = restore_small_caps(text, RuleContext(RepairConfig()))
    assert output.edits == []
    assert [reason for *_, reason in output.notes] == [
        "one word in mixed case among capitals: OCR noise in a heading, not small caps; "
        "case left as read"
    ]


def test_case_soup_inside_words_is_still_small_caps() -> None:
    text = "In THe eArly HourS of THe dAy THe Town woke.\n\nThe town was quiet.\n"
    assert preview(restore_small_caps, text).startswith("In the early hours of the day the town")


def test_a_mark_spaced_once_is_an_ocr_slip_and_twice_in_three_the_print() -> None:
    assert preview(remove_space_before_punctuation, "rain ; cold; dark; wet.") == (
        "rain; cold; dark; wet."
    )
    assert preview(remove_space_before_punctuation, "rain ; cold ; dark; wet.") == (
        "rain ; cold ; dark; wet."
    )


def test_a_spaced_sentence_mark_before_a_small_letter_is_left_as_read() -> None:
    """'officer ? attached': no sentence ends there, the mark is a speck; joining it to the
    word would dress noise up as punctuation."""
    text = "now an officer ? attached to the unit. He left . The rest stayed."
    assert preview(remove_space_before_punctuation, text) == (
        "now an officer ? attached to the unit. He left. The rest stayed."
    )


BEFORE = (
    "The growers along the valley road said\n"
    "that the frost came three weeks early\n"
    "and took most of the late apples, and\n"
    "the sheds stood idle until spring.\n"
)


def test_a_byline_in_mixed_case_stands_apart_from_the_text_around_it() -> None:
    text = BEFORE + (
        "By Amina Okafor\n"
        "The ferry will run again from Monday,\n"
        "the harbour master said, and the first\n"
        "sailing will take the mayor and his\n"
        "Honor the judge across to the island\n"
        "for the opening of the new landing,\n"
        "which was built over the winter by the\n"
        "county.\n"
    )
    result = repair(text)
    assert result.kind == "ocr"
    assert "spring.\n\nBy Amina Okafor\n\nThe ferry" in result.text
    assert "the mayor and his Honor the judge" in result.text  # a full line: body


def test_lines_of_one_headline_in_title_case_stay_one_paragraph() -> None:
    text = BEFORE + (
        "Dismissed Men\n"
        "Hold a March\n"
        "The 150 men dismissed from the power\n"
        "house marched to the city yesterday,\n"
        "where they were met by the union\n"
        "secretary and spoke to the crowd\n"
        "outside the hall for an hour before\n"
        "they left for the station and the long\n"
        "ride home.\n"
    )
    assert "spring.\n\nDismissed Men Hold a March\n\nThe 150 men" in repair(text).text
