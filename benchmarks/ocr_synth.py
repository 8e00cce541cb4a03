"""Synthetic OCR: clean prose set as OCR'd magazine columns, with its clean text and every artifact.

A seed fixes everything: which article, the column layout (width, lines per column, columns per
page), the page furniture (folios, running heads, captions, photo credits), and which words get
which OCR artifact. The result is a :class:`SyntheticDocument` holding

- ``raw``: what an OCR engine would have produced from the printed page,
- ``truth``: the clean text the repair should produce (paragraphs separated by one blank line,
  each paragraph on one line; debris removed from the body; an interrupting block as its own
  paragraph after the paragraph it interrupted),
- ``artifacts``: one :class:`Artifact` per injected artifact (and per check, such as a real
  hyphen that must be kept), with its span in ``raw`` and in ``truth``.

>>> document = make_ocr_document(7)
>>> document == make_ocr_document(7)
True
>>> document.truth in document.raw
False
>>> {"folio", "hyphen-soft"} <= {a.kind for a in document.artifacts}
True

Born-digital documents (:func:`make_born_digital_document`) are web-like texts whose only
differences from the truth are trailing whitespace and runs of blank lines: any other change a
repair makes to them is a false edit.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyphen

CORPUS = Path(__file__).resolve().parent / "corpus"
PROSE = CORPUS / "prose"
BORN_DIGITAL = CORPUS / "born-digital"

# Artifacts a repair should fix, by kind. CHECK_KINDS are checks: nothing was injected, the repair
# must keep what is there ("suspended-hyphen": `two-` in `two- or three-day`, often at a line end).
DEBRIS_KINDS = ("folio", "running-head", "caption", "credit", "jump-line")
INJECTED_KINDS = (
    "hyphen-soft",
    "hyphen-name",
    "hyphen-column",
    "hyphen-compound",
    "column-break",
    *DEBRIS_KINDS,
    "interruption",
    "drop-cap",
    "small-caps",
    "split-letters",
    "space-before-punct",
    "space-run",
    "ligature",
    "mojibake",
    "soft-hyphen",
)
CHECK_KINDS = ("real-hyphen", "suspended-hyphen", "paragraph-break")
NEWSPAPER_KINDS = (
    "masthead",
    "contents-line",
    "headline",
    "deck",
    "byline",
    "dateline",
    "table-row",
)
"""Checks on newspaper pages (:func:`make_newspaper_document`): nothing was injected, each block
must stay whole, in place, in its case, as a paragraph of its own."""
BORN_DIGITAL_KINDS = ("trailing-space", "blank-run")
KINDS = INJECTED_KINDS + CHECK_KINDS + BORN_DIGITAL_KINDS


@dataclass(frozen=True)
class Article:
    """One clean prose text of the corpus: a title, a deck (standfirst) and paragraphs."""

    name: str
    title: str
    deck: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Artifact:
    """One injected artifact (or one check), located in the raw text and in the truth.

    ``truth_start == truth_end`` marks a point (debris and column breaks leave nothing in the
    truth). ``join`` is the truth offset where the text must read on without a break (an
    interrupted sentence); ``None`` when it does not apply.
    """

    kind: str
    raw_start: int
    raw_end: int
    truth_start: int
    truth_end: int
    raw: str
    expected: str
    join: int | None = None


@dataclass(frozen=True)
class SyntheticDocument:
    name: str
    seed: int
    kind: str  # "ocr" | "born-digital"
    raw: str
    truth: str
    artifacts: tuple[Artifact, ...]
    layout: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def count(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for artifact in self.artifacts:
            counts[artifact.kind] = counts.get(artifact.kind, 0) + 1
        return counts


# ---------------------------------------------------------------------------------------------
# Corpus


def _normalise_paragraph(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def parse_article(name: str, text: str) -> Article:
    """Read the corpus format: ``# Title``, ``> deck``, then paragraphs split by blank lines.

    >>> a = parse_article("x", "# A Title\\n> The deck.\\n\\nOne two\\nthree.\\n\\n- Four?\\n")
    >>> a.title, a.deck, a.paragraphs
    ('A Title', 'The deck.', ('One two three.', '- Four?'))
    """
    title = deck = ""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.strip().splitlines()
        rest: list[str] = []
        for line in lines:
            if line.startswith("# ") and not title:
                title = line[2:].strip()
            elif line.startswith("> ") and not deck:
                deck = line[2:].strip()
            else:
                rest.append(line)
        if rest:
            paragraphs.append(_normalise_paragraph(" ".join(rest)))
    return Article(name, _normalise_paragraph(title), _normalise_paragraph(deck), tuple(paragraphs))


@cache
def load_articles(folder: Path = PROSE) -> tuple[Article, ...]:
    return tuple(
        parse_article(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.txt"))
    )


@cache
def load_born_digital(folder: Path = BORN_DIGITAL) -> tuple[tuple[str, str], ...]:
    return tuple(
        (path.stem, canonical_born_digital(path.read_text(encoding="utf-8")))
        for path in sorted(folder.glob("*.txt"))
    )


def canonical_born_digital(text: str) -> str:
    """What a born-digital text must look like after repair: line ends and blank runs tidied.

    >>> canonical_born_digital("\\n\\nA  b  \\n\\n\\n\\nc\\t\\n")
    'A  b\\n\\nc\\n'
    """
    lines = [line.rstrip() for line in text.splitlines()]
    joined = "\n".join(lines)
    joined = re.sub(r"\n{3,}", "\n\n", joined)
    return joined.strip("\n") + "\n"


# ---------------------------------------------------------------------------------------------
# Page furniture, all made up

SECTIONS = (
    "Heritage",
    "History",
    "Culture",
    "Science",
    "Travel",
    "Opinion",
    "In Focus",
    "Archive",
    "The Interview",
    "Society",
    "Nature",
    "Letters",
    "Region",
    "Features",
    "Profile",
    "Reports",
)
SITE_WORDS = (
    "harbour",
    "northlight",
    "meridian",
    "lantern",
    "atlas",
    "quarterly",
    "review",
    "courier",
    "tidings",
    "compass",
    "ledger",
    "beacon",
    "gazette",
    "almanac",
    "chronicle",
    "monthly",
)
TLDS = ("org", "com", "net", "info", "eu", "co.uk")
FIRST = (
    "Amina",
    "Jonas",
    "Leyla",
    "Tomasz",
    "Ingrid",
    "Rashid",
    "Carmen",
    "Olu",
    "Mei",
    "Pavel",
    "Signe",
    "Farid",
    "Lucia",
    "Kwame",
    "Noor",
    "Dmitri",
    "Ana",
    "Henrik",
    "Zara",
    "Tariq",
)
LAST = (
    "Okafor",
    "Lindqvist",
    "Haddad",
    "Nowak",
    "Castellanos",
    "Ivanova",
    "Mbeki",
    "Tanaka",
    "Rahimov",
    "Fischer",
    "Delacroix",
    "Osei",
    "Petrova",
    "Quinlan",
    "Varga",
    "Yilmaz",
)
AGENCIES = ("Northlight Photo", "Meridian Images", "Archive Press", "Atlas Pictures")
CAPTION_TEMPLATES = (
    "A view of the {place} at dusk",
    "Visitors at the {place} in {year}",
    "The {place} before the restoration",
    "{first} {last} at work in the {place}",
    "Fishing boats moored near the {place}",
    "An early map of the {place}, {year}",
    "Residents gather outside the {place}",
    "The {place} seen from the north",
    "Detail of a carved door in the {place}",
    "Children play in the {place}, summer {year}",
)
PLACES = (
    "old harbour",
    "covered market",
    "town hall",
    "river crossing",
    "mountain pass",
    "railway station",
    "cathedral square",
    "university library",
    "lighthouse",
    "stone bridge",
)
CREDIT_TEMPLATES = (
    "Photo: {first} {last}",
    "Photo by {first} {last}/{agency}",
    "Artist {first} {last}",
    "© {first} {last}",
    "{agency}",
    "Illustration: {first} {last}",
    "Photograph {first} {last}",
)
JUMP_TEMPLATES = (
    "Continued on page {page}",
    "Continued on page {page} »",
    "See {word}, Page {page}",
    "(continued overleaf)",
    "Turn to page {page}",
)
# Letters an OCR engine tends to read as capitals in small caps; each document varies them.
SMALL_CAPS_UPPER = "ACHIJKMPST"
SMALL_CAPS_EXTRA = "OUVWXZBDR"
LIGATURES = {"fi": "\ufb01", "fl": "\ufb02", "ff": "\ufb00"}
MOJIBAKE = {
    "\u2019": "\u00e2\u20ac\u2122",
    "\u2014": "\u00e2\u20ac\u201d",
    "\u00e9": "\u00c3\u00a9",
}
TRAILING_PUNCT = re.compile(r"^(.*?[\w\u2019'])([.,;:!?]|\u2019s|'s)$")
WORD_CORE = re.compile(r"^([\"“‘(]*)([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)([.,;:!?\"”’)]*)$")


@cache
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US")


def small_caps_soup(text: str, upper: str = SMALL_CAPS_UPPER) -> str:
    """Small caps as an OCR engine reads them: some letters as capitals, the rest lower case.

    >>> small_caps_soup("In the early hours of 26 February")
    'In THe eArly HourS of 26 februAry'
    """
    letters = set(upper)
    return "".join(
        (c.upper() if c.upper() in letters else c.lower()) if c.isalpha() else c for c in text
    )


# ---------------------------------------------------------------------------------------------
# Layout


@dataclass(frozen=True)
class Layout:
    """The typography of one synthetic document, drawn from its seed (ranges in ``draw``)."""

    column_width: int  # characters per line, 26-44
    lines_per_column: int  # 15-45
    columns_per_page: int  # 2 or 3; a folio (and maybe a running head) at each page end
    trailing_space: bool  # lines end with a space (never after a hyphen), as in the sample
    paragraph_gap: bool  # a blank line between paragraphs (else only a line break)
    hyphenate: float  # chance that a word that does not fit is broken at a pyphen point
    first_page: int  # folio number of the first page
    section: str  # the running head
    site: str  # made-up site in the folios
    folio_style: int  # which of the five folio forms (`16 www.x.org`, `— 16 —`...)
    running_heads: float  # chance of a running head on a page
    captions: float  # chance of a caption at a column break
    credits: float  # chance of a photo credit at a column break
    deck_interrupts: bool  # the deck is set mid-sentence (else under the title)
    pull_quote: bool  # a pull quote is set mid-sentence
    small_caps_upper: str  # letters read as capitals in small caps
    split_letters: float  # chance per word of `h elicopter` (x8 for `T V` abbreviations)
    space_before_punct: float  # chance per word ending in punctuation of `word ,`
    space_runs: float  # chance per word gap of 2-3 spaces
    ligatures: float  # chance per word with fi/fl/ff of a ligature character
    mojibake: bool  # every ’ — é read as UTF-8 decoded as cp1252
    soft_hyphens: float  # chance per word of a soft hyphen inside it
    leading_space: float  # chance a line after furniture starts with a space
    jump_lines: float  # chance of `Continued on page N` at a page end

    @classmethod
    def draw(cls, rng: random.Random) -> Layout:
        site = f"{rng.choice(SITE_WORDS)}-{rng.choice(SITE_WORDS)}.{rng.choice(TLDS)}"
        if rng.random() < 0.6:
            site = "www." + site
        extra = "".join(rng.sample(SMALL_CAPS_EXTRA, rng.randint(0, 2)))
        return cls(
            column_width=rng.randint(26, 44),
            lines_per_column=rng.randint(15, 45),
            columns_per_page=rng.choice((2, 3)),
            trailing_space=rng.random() < 0.6,
            paragraph_gap=rng.random() < 0.75,
            hyphenate=rng.uniform(0.5, 0.95),
            first_page=rng.randint(2, 140),
            section=rng.choice(SECTIONS),
            site=site,
            folio_style=rng.randint(0, 4),
            running_heads=rng.uniform(0.3, 0.9),
            captions=rng.uniform(0.05, 0.3),
            credits=rng.uniform(0.05, 0.25),
            deck_interrupts=rng.random() < 0.5,
            pull_quote=rng.random() < 0.6,
            small_caps_upper=SMALL_CAPS_UPPER + extra,
            split_letters=rng.uniform(0.0, 0.01),
            space_before_punct=rng.uniform(0.0, 0.05),
            space_runs=rng.uniform(0.0, 0.015),
            ligatures=rng.choice((0.0, 0.0, 0.3)),
            mojibake=rng.random() < 0.15,
            soft_hyphens=rng.choice((0.0, 0.0, 0.01)),
            leading_space=rng.uniform(0.0, 0.6),
            jump_lines=rng.choice((0.0, 0.3, 0.6)),
        )


@dataclass
class _Word:
    """A truth word ready to be set: its truth span and its printed (OCR'd) form."""

    start: int
    end: int
    text: str
    printed: str
    breakable: bool
    artifact: str | None = None


class _Typesetter:
    """Sets words into lines, columns and pages, writing raw text and recording artifacts."""

    def __init__(self, rng: random.Random, layout: Layout) -> None:
        self.rng = rng
        self.layout = layout
        self.parts: list[str] = []
        self.position = 0  # raw offset where the current line starts
        self.line = ""
        self.lines_in_column = 0
        self.column = 0
        self.page = layout.first_page
        self.next_truth = 0  # truth offset of what comes next, for the points debris sits at
        self.breaks = 0  # column breaks and interruptions so far
        self.artifacts: list[Artifact] = []
        self.pending_blocks: list[tuple[int, int, list[tuple[str, str, int, int]]]] = []
        self.paragraph_index = -1
        self.lines_in_paragraph = 0
        self.in_body = False
        self.paragraph_open = False

    # -- raw output
    def emit(self, text: str) -> int:
        start = self.position
        self.parts.append(text)
        self.position += len(text)
        return start

    def raw(self) -> str:
        return "".join(self.parts)

    def place(self, text: str, separator: str = " ") -> int:
        """Append ``text`` to the current line; returns its raw offset."""
        if self.line and self.line != " ":
            self.line += separator
        offset = self.position + len(self.line)
        self.line += text
        return offset

    def fits(self, text: str) -> bool:
        return not self.line.strip() or len(self.line) + 1 + len(text) <= self.layout.column_width

    def flush(self) -> None:
        if not self.line.strip():
            self.line = ""
            return
        trailing = " " if self.layout.trailing_space and not self.line.endswith("-") else ""
        self.emit(self.line + trailing + "\n")
        self.line = ""
        self.lines_in_column += 1
        self.lines_in_paragraph += 1
        self.after_line()

    def blank(self) -> None:
        self.emit("\n")

    def start_line_after_gap(self) -> None:
        if self.rng.random() < self.layout.leading_space:
            self.line = " "

    # -- furniture
    def debris(self, kind: str, text: str, before: str = "", after: str = "\n") -> None:
        self.emit(before)
        start = self.emit(text)
        self.emit(after)
        self.artifacts.append(
            Artifact(kind, start, start + len(text), self.next_truth, self.next_truth, text, "")
        )

    def caption_text(self) -> str:
        return self.rng.choice(CAPTION_TEMPLATES).format(
            place=self.rng.choice(PLACES),
            year=self.rng.randint(1890, 2019),
            first=self.rng.choice(FIRST),
            last=self.rng.choice(LAST),
        )

    def credit_text(self) -> str:
        return self.rng.choice(CREDIT_TEMPLATES).format(
            first=self.rng.choice(FIRST),
            last=self.rng.choice(LAST),
            agency=self.rng.choice(AGENCIES),
        )

    def folio_text(self) -> str:
        page, site, section = self.page, self.layout.site, self.layout.section
        return (
            f"{page} {site}",
            f"{site} {page}",
            f"{page}",
            f"{page} | {section.upper()}",
            f"— {page} —",
        )[self.layout.folio_style]

    def running_head(self) -> None:
        if self.rng.random() < self.layout.running_heads:
            lead = " " if self.rng.random() < 0.4 else ""
            self.debris("running-head", self.layout.section, before=lead, after="\n\n")

    def after_line(self) -> None:
        if not self.in_body:
            return
        for block in list(self.pending_blocks):
            paragraph, line, _ = block
            if paragraph == self.paragraph_index and self.lines_in_paragraph == line:
                self.pending_blocks.remove(block)
                self.interrupt(block[2])
        if self.lines_in_column >= self.layout.lines_per_column:
            self.column_break()

    def interrupt(self, pieces: list[tuple[str, str, int, int]]) -> None:
        """Set interrupting blocks (pull quote, deck) here, mid-paragraph."""
        self.breaks += 1
        self.blank()
        for kind, printed, truth_start, truth_end in pieces:
            start = self.emit(printed)
            self.emit("\n")
            end = start + len(printed)
            self.artifacts.append(
                Artifact(
                    "interruption", start, end, truth_start, truth_end, printed, "", self.next_truth
                )
            )
            if kind == "small-caps":
                self.artifacts.append(
                    Artifact("small-caps", start, end, truth_start, truth_end, printed, "")
                )
        self.start_line_after_gap()

    def column_break(self) -> None:
        self.breaks += 1
        self.lines_in_column = 0
        self.column += 1
        start = self.emit("\n")
        if self.in_body and self.paragraph_open:
            point = self.next_truth
            self.artifacts.append(Artifact("column-break", start, start + 1, point, point, "", ""))
        last_column = self.column >= self.layout.columns_per_page
        if self.rng.random() < self.layout.captions:
            caption = self.caption_text()
            if self.rng.random() < 0.4:  # set in the column's measure, over two lines or more
                caption = _wrap(caption, self.layout.column_width)
            self.debris("caption", caption, after="\n" if self.rng.random() < 0.5 else "\n\n")
        if self.rng.random() < self.layout.credits:
            self.debris("credit", self.credit_text(), after="\n\n")
        if last_column:
            self.column = 0
            if self.rng.random() < self.layout.jump_lines:
                jump = self.rng.choice(JUMP_TEMPLATES).format(
                    page=self.page + self.rng.randint(2, 30), word=self.layout.section.upper()
                )
                self.debris("jump-line", jump, before="\n", after="\n")
            self.debris("folio", self.folio_text(), before="\n\n", after="\n\n")
            self.page += 1
            self.running_head()
        self.start_line_after_gap()


def _split_positions(word: str) -> list[int]:
    """Where a word may break at a line end: pyphen's points and its own hyphens.

    >>> _split_positions("massacre.")
    [3]
    >>> _split_positions("grief-stricken")
    [6, 12]
    """
    match = WORD_CORE.match(word)
    if not match:
        return []
    lead, core, _ = match.groups()
    positions: list[int] = []
    offset = len(lead)
    for part in core.split("-"):
        if part.isalpha():
            positions.extend(offset + p for p in _hyphenator().positions(part))
        offset += len(part) + 1
        if offset <= len(lead) + len(core):
            positions.append(offset)  # just after the compound's own hyphen
    return sorted(set(positions))


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", paragraph) if s]


def _transform(word: str, rng: random.Random, layout: Layout) -> tuple[str, str | None]:
    """The printed form of one word and the artifact it carries, if any."""
    if layout.mojibake and any(c in word for c in MOJIBAKE):
        return "".join(MOJIBAKE.get(c, c) for c in word), "mojibake"
    roll = rng.random()
    letters = word.strip('.,;:!?"“”‘’()')
    if (
        letters.isalpha()
        and letters.isupper()
        and 2 <= len(letters) <= 4
        and roll < layout.split_letters * 8
    ):
        return word.replace(letters, " ".join(letters)), "split-letters"
    if (
        letters.isalpha()
        and letters.islower()
        and len(letters) >= 6
        and roll < layout.split_letters
    ):
        index = word.index(letters)
        return word[: index + 1] + " " + word[index + 1 :], "split-letters"
    match = TRAILING_PUNCT.match(word)
    if match and word[-3:] != "..." and rng.random() < layout.space_before_punct:
        return f"{match.group(1)} {match.group(2)}", "space-before-punct"
    if layout.ligatures and rng.random() < layout.ligatures:
        for plain, ligature in LIGATURES.items():
            if plain in word:
                return word.replace(plain, ligature, 1), "ligature"
    if layout.soft_hyphens and rng.random() < layout.soft_hyphens and letters.isalpha():
        points = _hyphenator().positions(letters)
        if points:
            index = word.index(letters) + rng.choice(points)
            return word[:index] + "\u00ad" + word[index:], "soft-hyphen"
    return word, None


def _words(paragraph: str, offset: int) -> Iterator[tuple[int, int, str]]:
    for match in re.finditer(r"\S+", paragraph):
        yield offset + match.start(), offset + match.end(), match.group()


def make_ocr_document(seed: int, articles: Sequence[Article] | None = None) -> SyntheticDocument:
    """Set one corpus article as OCR'd magazine columns, deterministically from ``seed``."""
    rng = random.Random(seed)
    articles = articles if articles is not None else load_articles()
    article = rng.choice(articles)
    layout = Layout.draw(rng)

    body = list(article.paragraphs)
    # Interrupting blocks go, in the truth, right after the paragraph they interrupt.
    long_paragraphs = [i for i, p in enumerate(body) if len(p.split()) >= 30 and i > 0]
    blocks: dict[int, list[tuple[str, str]]] = {}
    deck_on_top = bool(article.deck) and not (layout.deck_interrupts and long_paragraphs)
    if article.deck and not deck_on_top:
        blocks.setdefault(rng.choice(long_paragraphs), []).append(("small-caps", article.deck))
    if layout.pull_quote and long_paragraphs:
        # The quoted sentence comes from another paragraph, so that its two copies stand in the
        # same order in the raw text and in the truth.
        interrupted = rng.choice(long_paragraphs)
        candidates = [
            sentence
            for i, paragraph in enumerate(body)
            if i != interrupted
            for sentence in _sentences(paragraph)
            if 40 <= len(sentence) <= 140 and not re.search('["“”‘]', sentence)
        ]
        if candidates:
            quote_marks = ("“", "”") if any("“" in p for p in body) else ('"', '"')
            quote = quote_marks[0] + rng.choice(candidates) + quote_marks[1]
            blocks.setdefault(interrupted, []).append(("pull-quote", quote))

    # The truth, paragraph by paragraph, remembering where each one starts.
    truth_paragraphs: list[tuple[str, str]] = [("title", article.title)]
    if deck_on_top:
        truth_paragraphs.append(("deck", article.deck))
    body_index: list[int] = []
    for index, paragraph in enumerate(body):
        body_index.append(len(truth_paragraphs))
        truth_paragraphs.append(("body", paragraph))
        for kind, text in blocks.get(index, []):
            truth_paragraphs.append((kind, text))
    starts: list[int] = []
    position = 0
    for _, text in truth_paragraphs:
        starts.append(position)
        position += len(text) + 2
    truth = "\n\n".join(text for _, text in truth_paragraphs) + "\n"

    setter = _Typesetter(rng, layout)
    artifacts = setter.artifacts
    setter.running_head()
    after_title = setter.emit(article.title) + len(article.title)
    setter.emit("\n\n")
    title_end = len(article.title)
    artifacts.append(
        Artifact("paragraph-break", after_title, after_title, title_end, title_end + 2, "", "")
    )
    if deck_on_top:
        printed = small_caps_soup(article.deck, layout.small_caps_upper)
        if rng.random() < 0.5:
            printed = _wrap(printed, rng.randint(50, 110))
        raw_start = setter.emit(printed)
        setter.emit("\n\n")
        deck_end = starts[1] + len(article.deck)
        artifacts.append(
            Artifact(
                "paragraph-break",
                raw_start + len(printed),
                raw_start + len(printed),
                deck_end,
                deck_end + 2,
                "",
                "",
            )
        )
        artifacts.append(
            Artifact(
                "small-caps",
                raw_start,
                raw_start + len(printed),
                starts[1],
                starts[1] + len(article.deck),
                printed,
                article.deck,
            )
        )

    # Schedule the interruptions: after line 1-3 of their paragraph.
    for index, items in blocks.items():
        pieces = []
        for n, (kind, text) in enumerate(items):
            where = body_index[index] + 1 + n
            if kind == "small-caps":
                printed = _wrap(
                    small_caps_soup(text, layout.small_caps_upper), rng.randint(70, 110)
                )
            else:
                printed = _indent_quote(text, rng)
            pieces.append((kind, printed, starts[where], starts[where] + len(text)))
        setter.pending_blocks.append((index, rng.randint(1, 3), pieces))

    setter.in_body = True
    for index, paragraph in enumerate(body):
        setter.paragraph_index = index
        setter.lines_in_paragraph = 0
        paragraph_start = starts[body_index[index]]
        words = list(_words(paragraph, paragraph_start))
        setter.paragraph_open = True
        for number, (start, end, text) in enumerate(words):
            setter.next_truth = start
            if index == 0 and number == 0 and text[0].isalpha() and len(text) >= 3:
                printed, kind = text[0] + " " + text[1:], "drop-cap"
            else:
                printed, kind = _transform(text, rng, layout)
            _set_word(setter, _Word(start, end, text, printed, kind is None, kind), truth)
        setter.next_truth = paragraph_start + len(paragraph)
        setter.paragraph_open = False
        setter.flush()
        if index + 1 < len(body):
            gap = layout.paragraph_gap and setter.lines_in_column > 0
            if gap:
                setter.blank()
            end = setter.next_truth
            artifacts.append(
                Artifact(
                    "paragraph-break", setter.position, setter.position, end, end + 2, "", "\n\n"
                )
            )
    setter.flush()
    # Leftover interruptions (their paragraph was too short): set them at its end.
    for _, _, pieces in setter.pending_blocks:
        setter.interrupt(pieces)
    setter.debris("folio", setter.folio_text(), before="\n\n", after="\n")

    raw = setter.raw()
    artifacts.sort(key=lambda a: (a.raw_start, a.kind))
    return SyntheticDocument(
        name=f"ocr-{seed:04d}-{article.name}",
        seed=seed,
        kind="ocr",
        raw=raw,
        truth=truth,
        artifacts=tuple(
            Artifact(
                a.kind,
                a.raw_start,
                a.raw_end,
                a.truth_start,
                a.truth_end,
                raw[a.raw_start : a.raw_end],
                truth[a.truth_start : a.truth_end],
                a.join,
            )
            for a in artifacts
        ),
        layout=asdict(layout) | {"article": article.name},
    )


def _wrap(text: str, width: int) -> str:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line + " ")
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


def _indent_quote(text: str, rng: random.Random) -> str:
    step = rng.randint(0, 8)
    width = rng.randint(22, 34)
    return "\n".join(
        " " * min(i * step, 40) + line.rstrip()
        for i, line in enumerate(_wrap(text, width).splitlines())
    )


def _set_word(setter: _Typesetter, word: _Word, truth: str) -> None:
    layout = setter.layout
    rng = setter.rng
    separator = " "
    if setter.line.strip() and rng.random() < layout.space_runs:
        separator = " " * rng.randint(2, 3)

    def note_separator() -> None:
        if len(separator) > 1:
            start = setter.position + len(setter.line)
            setter.artifacts.append(
                Artifact(
                    "space-run", start, start + len(separator), word.start - 1, word.start, "", " "
                )
            )

    if setter.fits(word.printed):
        note_separator()
        offset = setter.place(word.printed, separator)
        _annotate_word(setter, word, offset)
        return
    positions = _split_positions(word.text) if word.breakable else []
    room = layout.column_width - len(setter.line) - 1
    positions = [p for p in positions if (p if word.text[p - 1] == "-" else p + 1) <= room]
    if positions and setter.line.strip() and rng.random() < layout.hyphenate:
        cut = positions[-1]
        compound = word.text[cut - 1] == "-"
        head = word.text[:cut] if compound else word.text[:cut] + "-"
        breaks = setter.breaks
        note_separator()
        start = setter.place(head, separator)
        setter.next_truth = word.start + cut
        setter.flush()
        setter.next_truth = word.start
        end = setter.place(word.text[cut:]) + len(word.text) - cut
        if compound:
            kind = "hyphen-compound"
        else:
            kind = "hyphen-column" if setter.breaks != breaks else "hyphen-soft"
            if kind == "hyphen-soft" and word.text.lstrip('"“‘(')[:1].isupper():
                kind = "hyphen-name"  # a name or a sentence's first word: `Khan-⏎kendi`
        setter.artifacts.append(Artifact(kind, start, end, word.start, word.end, "", word.text))
        return
    setter.flush()
    offset = setter.place(word.printed)
    _annotate_word(setter, word, offset)


def _annotate_word(setter: _Typesetter, word: _Word, offset: int) -> None:
    end = offset + len(word.printed)
    if word.artifact:
        setter.artifacts.append(
            Artifact(word.artifact, offset, end, word.start, word.end, "", word.text)
        )
    elif re.search(r"\w-\w", word.text):
        setter.artifacts.append(
            Artifact("real-hyphen", offset, end, word.start, word.end, "", word.text)
        )
    elif word.text.endswith("-") and word.text[:-1].isalnum():
        setter.artifacts.append(
            Artifact("suspended-hyphen", offset, end, word.start, word.end, "", word.text)
        )
        if setter.rng.random() < 0.6:
            setter.next_truth = word.end + 1  # what follows starts the next word
            setter.flush()  # set it at a line end, where it looks like a broken word


# ---------------------------------------------------------------------------------------------
# Newspaper pages

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTHS = ("January", "March", "May", "June", "August", "October", "November")
TABLE_TITLES = ("Results", "Rainfall", "Market prices", "Shipping", "Standings")


class _PageBuilder:
    """Raw text and truth of a newspaper page, block by block, with each block's artifact."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.raw: list[str] = []
        self.truth: list[str] = []  # paragraphs
        self.raw_length = 0
        self.truth_length = 0
        self.artifacts: list[Artifact] = []

    def emit(self, text: str) -> int:
        start = self.raw_length
        self.raw.append(text)
        self.raw_length += len(text)
        return start

    def paragraph(self, text: str) -> int:
        start = self.truth_length + (2 if self.truth else 0)
        self.truth.append(text)
        self.truth_length = start + len(text)
        return start

    def gap(self, blank: float = 0.5) -> None:
        """Between blocks: a line break, and a blank line with chance ``blank``."""
        if self.raw and self.raw[-1].endswith("\n") is False:
            self.emit("\n")
        if self.rng.random() < blank:
            self.emit("\n")

    def block(self, kind: str, printed: str, truth: str, blank: float = 0.5) -> None:
        """A block of its own: ``printed`` in the raw text, ``truth`` as one paragraph."""
        if self.raw:
            self.gap(blank)
        start = self.emit(printed)
        self.emit("\n")
        truth_start = self.paragraph(truth)
        self.artifacts.append(
            Artifact(
                kind,
                start,
                start + len(printed),
                truth_start,
                truth_start + len(truth),
                printed,
                truth,
            )
        )

    def body(self, paragraphs: Sequence[str], width: int, blank: float) -> None:
        """Paragraphs of body text set in a column ``width`` wide, hyphenated at line ends."""
        for number, paragraph in enumerate(paragraphs):
            if self.raw:
                self.gap(blank if number else 0.5)
            self.emit(_set_column(paragraph, width, self.rng))
            self.emit("\n")
            self.paragraph(paragraph)


def _set_column(paragraph: str, width: int, rng: random.Random) -> str:
    """A paragraph set in a column: words that do not fit are broken at a pyphen point (most
    of the time) or carried over whole."""
    lines: list[str] = []
    line = ""
    for word in paragraph.split():
        if not line or len(line) + 1 + len(word) <= width:
            line = f"{line} {word}" if line else word
            continue
        room = width - len(line) - 2
        positions = [p for p in _split_positions(word) if p <= room and word[p - 1] != "-"]
        if positions and rng.random() < 0.8:
            cut = positions[-1]
            lines.append(f"{line} {word[:cut]}-")
            line = word[cut:]
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return "\n".join(lines)


def make_newspaper_document(
    seed: int, articles: Sequence[Article] | None = None
) -> SyntheticDocument:
    """A newspaper page: a masthead (capitals over a line of date, issue and price), a contents
    list, two or three articles each under a headline in capitals with a deck, byline (its
    name in capitals or not) or
    dateline line of its own, and a table between articles; a folio at the foot.

    What the repair must do here is keep every one of those blocks whole, in its case, as a
    paragraph of its own, and join the body's lines; the truth is that page, folio removed.

    >>> page = make_newspaper_document(3)
    >>> page == make_newspaper_document(3), page.kind
    (True, 'ocr')
    >>> {"headline", "folio"} <= {a.kind for a in page.artifacts}
    True
    """
    rng = random.Random(seed)
    articles = articles if articles is not None else load_articles()
    width = rng.randint(30, 44)
    blank = rng.choice((0.0, 0.3, 1.0))  # how often a blank line parts the body's paragraphs
    page = _PageBuilder(rng)
    if rng.random() < 0.6:
        name = f"THE {rng.choice(SITE_WORDS).upper()} {rng.choice(SITE_WORDS).upper()}"
        page.block("masthead", name, name)
        date = (
            f"No. {rng.randint(1000, 30000):,}. {rng.choice(WEEKDAYS)}, {rng.choice(MONTHS)} "
            f"{rng.randint(1, 28)}, {rng.randint(1850, 1960)}. Price {rng.randint(1, 3)}d."
        )
        page.block("masthead", date, date, blank=0.3)
    if rng.random() < 0.5:
        page.block("headline", "IN THIS ISSUE", "IN THIS ISSUE", blank=1.0)
        pages = sorted(rng.sample(range(2, 40), rng.randint(3, 5)))
        leaders = rng.random() < 0.4
        for number, section in zip(pages, rng.sample(SECTIONS, len(pages)), strict=False):
            entry = (
                f"{section} {'.' * rng.randint(4, 12)} {number}"
                if leaders
                else (f"{section} {number}")
            )
            page.block("contents-line", entry, entry, blank=0.3)
    chosen = rng.sample(list(articles), rng.randint(2, 3))
    table_after = rng.randrange(len(chosen)) if rng.random() < 0.6 else -1
    for index, article in enumerate(chosen):
        headline = _wrap(article.title.upper(), width)
        page.block("headline", headline, " ".join(headline.split()), blank=0.7)
        extra = rng.random()
        if extra < 0.3:
            deck = _wrap(article.deck.upper(), width)
            page.block("deck", deck, " ".join(deck.split()), blank=0.6)
        elif extra < 0.6:
            byline = f"By {rng.choice(FIRST)} {rng.choice(LAST)}"
            if rng.random() < 0.5:  # the name in capitals, as many papers set it
                byline = byline.upper().replace("BY ", "By ", 1)
            page.block("byline", byline, byline, blank=0.3)
        elif extra < 0.8:
            place = rng.choice(PLACES).split()[-1].upper()
            dateline = f"{place}, {rng.choice(MONTHS)} {rng.randint(1, 28)}."
            page.block("dateline", dateline, dateline, blank=0.3)
        count = rng.randint(2, 4)
        page.body(article.paragraphs[:count], width, blank)
        if index == table_after:
            title = rng.choice(TABLE_TITLES)
            page.block("headline", title.upper(), title.upper(), blank=1.0)
            for _ in range(rng.randint(3, 6)):
                row = (
                    f"{rng.choice(FIRST)} {rng.choice(LAST)} "
                    f"{rng.randint(1, 99)} {rng.randint(0, 40)}"
                )
                page.block("table-row", row, row, blank=0.3)
    page.gap(1.0)
    folio = str(rng.randint(2, 40))
    start = page.emit(folio)
    page.emit("\n")
    page.artifacts.append(
        Artifact(
            "folio", start, start + len(folio), page.truth_length, page.truth_length, folio, ""
        )
    )
    raw = "".join(page.raw)
    truth = "\n\n".join(page.truth) + "\n"
    return SyntheticDocument(
        name=f"newspaper-{seed:04d}",
        seed=seed,
        kind="ocr",
        raw=raw,
        truth=truth,
        artifacts=tuple(page.artifacts),
        layout={"column_width": width, "blank": blank, "articles": [a.name for a in chosen]},
    )


# ---------------------------------------------------------------------------------------------
# Born-digital


def make_born_digital_document(
    seed: int, texts: Sequence[tuple[str, str]] | None = None
) -> SyntheticDocument:
    """A web-like text plus whitespace noise; the truth is the text itself."""
    rng = random.Random(seed)
    texts = texts if texts is not None else load_born_digital()
    name, truth = rng.choice(texts)
    parts: list[str] = []
    artifacts: list[Artifact] = []
    position = 0
    truth_position = 0
    for line in truth.splitlines(keepends=True):
        body = line.rstrip("\n")
        parts.append(body)
        position += len(body)
        truth_position += len(body)
        if body and rng.random() < 0.2:
            pad = rng.choice((" ", "  ", "\t", " \t "))
            artifacts.append(
                Artifact(
                    "trailing-space",
                    position,
                    position + len(pad),
                    truth_position,
                    truth_position,
                    pad,
                    "",
                )
            )
            parts.append(pad)
            position += len(pad)
        if line.endswith("\n"):
            parts.append("\n")
            position += 1
            truth_position += 1
        if not body and rng.random() < 0.3:
            extra = "\n" * rng.randint(1, 3)
            artifacts.append(
                Artifact(
                    "blank-run",
                    position,
                    position + len(extra),
                    truth_position,
                    truth_position,
                    extra,
                    "",
                )
            )
            parts.append(extra)
            position += len(extra)
    raw = "".join(parts)
    if rng.random() < 0.5:
        raw += "\n\n"
    return SyntheticDocument(
        name=f"born-digital-{seed:04d}-{name}",
        seed=seed,
        kind="born-digital",
        raw=raw,
        truth=truth,
        artifacts=tuple(artifacts),
        layout={"text": name},
    )


def make_corpus(ocr: int, born_digital: int, seed: int = 0) -> list[SyntheticDocument]:
    """``ocr`` OCR documents and ``born_digital`` born-digital ones, from fixed seeds."""
    documents = [make_ocr_document(seed + n) for n in range(ocr)]
    documents += [make_born_digital_document(seed + 10_000 + n) for n in range(born_digital)]
    return documents


def write_corpus(documents: Sequence[SyntheticDocument], folder: Path) -> list[Path]:
    """Write each document as ``NAME.raw.txt``, ``NAME.truth.txt`` and ``NAME.json`` (all of it),
    so that a case can be looked at, or turned into a repair test case, outside Python."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for document in documents:
        for suffix, content in (
            (".raw.txt", document.raw),
            (".truth.txt", document.truth),
            (".json", json.dumps(document.to_dict(), ensure_ascii=False, indent=1)),
        ):
            path = folder / f"{document.name}{suffix}"
            path.write_text(content, encoding="utf-8")
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Show or write synthetic OCR documents.")
    parser.add_argument("seed", nargs="?", type=int, default=0, help="show this OCR document")
    parser.add_argument("--born-digital", action="store_true", help="show a born-digital one")
    parser.add_argument("--out", type=Path, help="write documents to this folder instead")
    parser.add_argument("--ocr", type=int, default=40, help="with --out: OCR documents")
    parser.add_argument("--born", type=int, default=16, help="with --out: born-digital ones")
    args = parser.parse_args(argv)
    if args.out:
        written = write_corpus(make_corpus(args.ocr, args.born, seed=args.seed), args.out)
        print(f"Wrote {len(written) // 3} documents to {args.out}.")
        return 0
    make = make_born_digital_document if args.born_digital else make_ocr_document
    document = make(args.seed)
    print(document.raw)
    print("=" * 72)
    print(document.truth)
    print("=" * 72)
    for artifact in document.artifacts:
        print(artifact.kind, repr(artifact.raw[:40]), "->", repr(artifact.expected[:40]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
