"""The encoding rule's own first round of ftfy, and its prefix and suffix search, give
exactly what ftfy and a character-by-character comparison give."""

from __future__ import annotations

import ftfy
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.repair.config import RepairConfig
from preserve.repair.rules.encoding import _common_prefix, _common_suffix, _gate, ftfy_config

CONFIGS = [
    RepairConfig(),
    RepairConfig(uncurl_quotes=True, fix_character_width=True, unescape_html=True),
    RepairConfig(normalization="none"),
    RepairConfig(normalization="NFKC", fix_latin_ligatures=False, remove_control_chars=False),
]
MOJIBAKE = ["Ã©", "â€™", "â€œ", "Ã¼", "Ã¤", "Ã", "Â ", "Ð¿Ñ€", "ÐšÐ¸", "ï¬", "Ãƒ", "â€", "âˆ"]
PIECES = [
    *MOJIBAKE,
    *["Ø§Ù", "×²", "œ ", "√±", "≈°", "вЂ", "‚Äù", "à²", "Ã”", "│®", "ﬁ™", "ÃƒÂ©", "Ã¢â‚¬â„¢"],
    *["café", "Straße über", "“quoted”", "it’s", " — ", "ﬁne", "ﬀ", "ﬂ", "ﬃ", "ĳ", "ŀ", "ŉ"],
    *["\x85", "\x07", "\x1b[1m", "\ufeff", "½", "©", "»", "ǅ", "Ａ", "&amp;", "&lt;", "<"],
    *["word", " ", "e\u0301", "\u0301", "Å", "€", "£", "µ", "¢", "™", "\ud83d", "\udca9", "\r"],
]
LINE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=12).map(
    lambda pieces: "".join(pieces).replace("\n", " ")
)


@settings(max_examples=3000, deadline=None)
@given(LINE, st.sampled_from(CONFIGS))
def test_fix_line_is_ftfy(line: str, config: RepairConfig) -> None:
    ftfy_settings = ftfy_config(config)
    assert _gate(ftfy_settings).fix_line(line) == ftfy.fix_text(line, ftfy_settings)


def test_fix_line_on_the_common_lines() -> None:
    ftfy_settings = ftfy_config(RepairConfig())
    gate = _gate(ftfy_settings)
    for line in [*MOJIBAKE, "ﬁne ﬂow", "cafÃ© ﬁne", "ﬁ\u0301", "Ã©\u0301", "the ﬁrst â€” one"]:
        assert gate.fix_line(line) == ftfy.fix_text(line, ftfy_settings), line


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="abé\u0301", max_size=12), st.text(alphabet="abé\u0301", max_size=12))
def test_common_prefix_and_suffix(one: str, other: str) -> None:
    limit = min(len(one), len(other))
    prefix = 0
    while prefix < limit and one[prefix] == other[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and one[-1 - suffix] == other[-1 - suffix]:
        suffix += 1
    assert _common_prefix(one, other) == prefix
    assert _common_suffix(one, other, limit - prefix) == suffix


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from([*PIECES, "\n"]), st.text(max_size=3)), max_size=30).map(
        "".join
    ),
    st.sampled_from(CONFIGS),
)
def test_suspects_are_what_the_candidates_pattern_finds(text: str, config: RepairConfig) -> None:
    gate = _gate(ftfy_config(config))
    suspects, fixed = gate._suspects(text)
    assert suspects == [match.start() for match in gate.candidates.finditer(text)]
    assert fixed == {text[at] for at in suspects if gate.fixed.match(text, at)}
