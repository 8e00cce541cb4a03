"""Small caps: which words keep a capital, from the document's own evidence."""

from __future__ import annotations

from preserve.repair.config import RepairConfig
from preserve.repair.context import RuleContext, preview
from preserve.repair.rules.headings import restore_small_caps

BODY = (
    "The line over the Kessel Pass was opened in 1898, and the pass\n"
    "is closed in winter. Visitors come to see the old station and\n"
    "the pass itself, which most of them cross on foot in summer.\n"
)


def repaired_deck(deck: str, body: str = BODY) -> str:
    text = deck + "\n\n" + body
    return preview(restore_small_caps, text).split("\n\n")[0]


def test_a_name_of_two_words_keeps_both_capitals() -> None:
    """'the pass' is lowercase twice in the body, but 'the Kessel Pass' is a name there."""
    deck = "THe nArrow-gAuge lIne over THe KeSSel PASS TAKeS SIx HourS To Cover."
    assert repaired_deck(deck) == (
        "The narrow-gauge line over the Kessel Pass takes six hours to cover."
    )


def test_the_pair_alone_without_the_name_stays_lowercase() -> None:
    deck = "THe PASS IS CloSed In wInTer, SAy THe loCAl PeoPle."
    assert repaired_deck(deck) == "The pass is closed in winter, say the local people."


def test_a_headline_is_no_evidence_of_a_name() -> None:
    """A title in title case capitalizes every word: 'Ships' there says nothing."""
    body = (
        "The Harbour That Outlived Its Ships\n\n"
        "For three centuries the port lived on herring and salt, and\n"
        "its boats went out every morning before the sun came up.\n"
    )
    deck = "wHen THe SHIPS SToPPed CoMIng, THe Town HAd To leArn A new TrAde."
    assert repaired_deck(deck, body) == (
        "When the ships stopped coming, the town had to learn a new trade."
    )


def test_the_reason_names_the_pair() -> None:
    text = "THe lIne over THe KeSSel PASS TAKeS SIx HourS.\n\n" + BODY
    reasons = {
        edit.after: edit.reason
        for edit in restore_small_caps(text, RuleContext(RepairConfig())).edits
    }
    assert "'Kessel Pass'" in reasons["Pass"]


def test_a_name_seen_only_in_the_small_caps_line_stays_a_name() -> None:
    """The small-caps sentence's own words are subtracted from the document's evidence;
    counted on differently broken lines (the page's, and the reflowed sentence's), the
    difference must not turn into evidence for lowercase."""
    from preserve.repair import repair

    deck = (
        "renSBurg ATHleTIC CAMe froM BeHInd To BeAT Keldorf\nunITeD 2-1 In fronT of 14,500 "
        "SPeCTATorS, endIng A 31-yeAr wAIT for THe regIonAl CuP."
    )
    body = (
        "The final was played on a cold after-\nnoon, and the home side scored first,\n"
        "then held on until the last min-\nute of the match, when a header from\n"
        "the substitute went in off the post.\nThe crowd stayed long after the end,\n"
        "singing in the stands while the play-\ners went round the ground with the\n"
        "cup held high above their heads.\n"
    )
    result = repair(deck + "\n\n" + body)
    assert result.kind == "ocr"
    assert "to beat Keldorf" in result.text


def test_title_case_words_read_in_a_deck_are_no_name_of_two_words() -> None:
    """Small caps read 'told' as 'Told' on the deck's second line, after 'He'. That pair
    stands only in the deck: it is no evidence of a name, in whichever lines it is counted
    (the page's, where 'He Told' opens a line, or the deck's, joined)."""
    from preserve.repair import repair

    deck = (
        "ToMAS breKKe KePT THe lIgHT on THe CAPe froM 1962 unTIl THe lAMP wAS AuToMATed. \n"
        "He Told uS wHAT THe Job wAS reAlly lIKe."
    )
    text = (
        "The keepers of the light kept a\nlog for ninety years, and every\n"
        "entry in it was written by hand:\nthe weather at dawn, the ships\n"
        "that passed the cape and the\nstate of the sea at dusk.\n\n"
        + deck
        + "\n\nWhen the light was automated the\nlog went to the county archive,\n"
        "where a volunteer is now reading\nit page by page and typing it out.\n"
    )
    assert "He told us what the job was really like." in repair(text).text
