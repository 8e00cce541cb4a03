"""The dictionary a repair consults: pyenchant + Hunspell, with every answer cached.

``check`` costs ~5 µs in enchant; OCR text repeats its words, so a cache makes most
look-ups free. ``suggest`` is never used: repair does not correct spelling.

>>> lexicon = get_lexicon("en_US")
>>> lexicon.check("helicopter"), lexicon.check("elicopter")
(True, False)
>>> lexicon.describe()["enchant-dictionary"].startswith("en_US")
True

With the dictionaries of other varieties of the language, a word any of them knows is a
word:

>>> both = get_lexicon("en_US", ("en_GB",))
>>> lexicon.check("harbour"), both.check("harbour"), both.check("harbor")
(False, True, True)
"""

from __future__ import annotations

import functools
import itertools
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from preserve.errors import ConfigError
from preserve.repair.config import AUTO, RepairConfig

try:  # the C library comes from apt; say so instead of failing on import
    import enchant
except ImportError as _error:  # pragma: no cover - depends on the machine
    enchant = None
    _IMPORT_ERROR: str = str(_error)
else:
    _IMPORT_ERROR = ""

CACHE_SIZE = 1 << 18
"""Words whose answer is kept (a bounded cache: OCR garbage must not grow it forever)."""
HUNSPELL_DIRS = (Path("/usr/share/hunspell"), Path("/usr/share/myspell"))

CONJUNCTIONS: dict[str, frozenset[str]] = {
    "en": frozenset({"and", "or", "nor"}),
    "de": frozenset({"und", "oder", "sowie", "bzw", "noch", "bis"}),
    "nl": frozenset({"en", "of", "tot"}),
    "da": frozenset({"og", "eller"}),
    "nb": frozenset({"og", "eller"}),
    "nn": frozenset({"og", "eller"}),
    "no": frozenset({"og", "eller"}),
    "sv": frozenset({"och", "eller", "samt"}),
    "fr": frozenset({"et", "ou"}),
    "cs": frozenset({"a", "i", "nebo"}),
    "pl": frozenset({"i", "oraz", "lub", "albo"}),
    "hu": frozenset({"és", "vagy"}),
    "fi": frozenset({"ja", "tai"}),
}
"""Conjunctions, by language (the dictionary tag's first part), that follow a suspended
hyphen: ``Ein- und Ausgang``, ``pre- and post-war``, ``in- en uitvoer``. A line-end hyphen
before one of them keeps its hyphen and a space (see ``join_line_end_hyphens``)."""

# The enchant C library is not thread-safe: in the two-thread ingest flow, one thread checking
# a word while another opened a dictionary crashed the process (segfault in dict_check, abort
# in _request_dict_data). Every call into enchant holds this lock; cached answers need none.
_ENCHANT_LOCK = threading.RLock()


def apt_package(language: str) -> str:
    """The Debian package that ships a Hunspell dictionary for ``language``.

    >>> apt_package("en_US"), apt_package("de_DE"), apt_package("fr")
    ('hunspell-en-us', 'hunspell-de-de', 'hunspell-fr')
    """
    return "hunspell-" + language.lower().replace("_", "-")


def conjunctions_of(language: str) -> frozenset[str]:
    """The :data:`CONJUNCTIONS` of ``language`` (a dictionary tag); none if not known.

    >>> sorted(conjunctions_of("en_GB")), "und" in conjunctions_of("de-AT")
    (['and', 'nor', 'or'], True)
    """
    return CONJUNCTIONS.get(language.replace("-", "_").split("_")[0].lower(), frozenset())


class Lexicon:
    """One language's dictionary (and those of its other varieties) with cached answers.

    Its enchant objects belong to it alone (its own broker, so no dictionary data is shared
    with another lexicon) and are freed, under the enchant lock, as soon as it is dropped: it
    is in no reference cycle, so the garbage collector never frees them later from whatever
    thread it happens to run in."""

    def __init__(self, language: str, variants: tuple[str, ...] = ()) -> None:
        self.language = language
        self.variants = variants
        with _ENCHANT_LOCK:
            self._broker = enchant.Broker() if enchant is not None else None
        self._dictionary = _open(language, self._broker)
        self._variants = [_open(variant, self._broker) for variant in variants]
        self.check = functools.lru_cache(maxsize=CACHE_SIZE)(
            _checker(self._dictionary, tuple(self._variants))
        )
        weakref.finalize(self, _free, self._broker, [self._dictionary, *self._variants])
        self.conjunctions = conjunctions_of(language)
        """The conjunctions that follow a suspended hyphen in this language."""
        self._description: dict[str, str] | None = None

    def describe(self) -> dict[str, str]:
        """Software and dictionaries, for the record of the run (worked out once per
        dictionary: every repair records it)."""
        if self._description is None:
            self._description = {
                "pyenchant": str(getattr(enchant, "__version__", "unknown")),
                "enchant": str(enchant.get_enchant_version()),
                "enchant-dictionary": _describe(self.language, self._dictionary),
            }
            if self.variants:
                self._description["enchant-dictionary-variants"] = "; ".join(
                    _describe(tag, dictionary)
                    for tag, dictionary in zip(self.variants, self._variants, strict=True)
                )
        return dict(self._description)


def _checker(dictionary: Any, variants: tuple[Any, ...]) -> Callable[[str], bool]:
    """``check`` for these dictionaries, holding no reference to their lexicon."""

    def check(word: str) -> bool:
        """Is ``word`` spelled as one of the dictionaries knows it (case as Hunspell treats
        it)?"""
        if not word:
            return False
        try:
            with _ENCHANT_LOCK:
                return bool(dictionary.check(word)) or any(v.check(word) for v in variants)
        except Exception:
            return False

    return check


def _free(broker: Any, dictionaries: list[Any]) -> None:
    with _ENCHANT_LOCK:
        for dictionary in dictionaries:
            dictionary._free()
        if broker is not None:
            broker._free()


def _open(language: str, broker: Any = None) -> Any:
    """enchant's dictionary for ``language``; ConfigError naming the package to install."""
    if enchant is None:
        raise ConfigError(
            "pyenchant cannot load the enchant C library: install it with "
            f"`apt-get install libenchant-2-2 {apt_package(language)}` ({_IMPORT_ERROR})."
        )
    try:
        with _ENCHANT_LOCK:
            found = (broker or enchant).dict_exists(language)
    except Exception:
        found = False
    if not found:
        raise ConfigError(
            f"No spelling dictionary for {language!r} is installed: install it with "
            f"`apt-get install {apt_package(language)}` or choose one of "
            f"{', '.join(sorted(enchant.list_languages())) or 'none'}."
        )
    with _ENCHANT_LOCK:
        return enchant.Dict(language, broker)


def _describe(language: str, dictionary: Any) -> str:
    """``en_US (hunspell, /usr/share/hunspell/en_US.dic)``."""
    with _ENCHANT_LOCK:
        provider = dictionary.provider
    path = next(
        (
            str(folder / f"{language}.dic")
            for folder in HUNSPELL_DIRS
            if (folder / f"{language}.dic").exists()
        ),
        getattr(provider, "file", "") or "unknown file",
    )
    return f"{language} ({provider.name}, {path})"


def get_lexicon(language: str, variants: tuple[str, ...] = ()) -> Lexicon:
    """This thread's cached dictionary for ``language`` (and its ``variants``); ConfigError
    if one is not installed.

    Each thread opens and owns its own (enchant is not thread-safe): no enchant object is
    used by two threads, and a thread's lexicons are freed in that thread when it ends.
    """
    lexicons: dict[tuple[str, tuple[str, ...]], Lexicon] | None = getattr(_OWNED, "lexicons", None)
    if lexicons is None:
        lexicons = _OWNED.lexicons = {}
    key = (language, tuple(variants))
    found = lexicons.get(key)
    if found is None:
        found = lexicons[key] = Lexicon(language, key[1])
    return found


def lexicon_for(config: RepairConfig) -> Lexicon:
    """The dictionary a repair with ``config`` consults.

    With ``language = "auto"`` the language is chosen from the text (see
    :func:`resolve_language`); a context made without a text (an example, a test of one
    rule) takes :data:`AUTO_WITHOUT_TEXT`.
    """
    if config.language == AUTO:
        config = replace(config, language=AUTO_WITHOUT_TEXT)
    return get_lexicon(config.language, config.dictionary_variants())


_OWNED = threading.local()


def software_versions() -> dict[str, Any]:
    """Versions of the libraries a repair relies on."""
    import ftfy

    from preserve import __version__

    return {"preserve": __version__, "ftfy": ftfy.__version__}


# -- choosing the language -----------------------------------------------------------------

AUTO_WITHOUT_TEXT = "en_US"
"""The dictionary of ``auto`` where there is no text to choose by (a rule tried alone)."""
MIN_LANGUAGE_SHARE = 0.5
"""Share of the sampled words a dictionary must know to be the text's language. Measured
with :func:`sample_words`: real English newspaper OCR (159 articles, 1842-1954, the worst
read) 0.535 at the lowest; French, Spanish, Dutch and Italian prose 0.22 to 0.40 with the
English dictionaries, at most 0.23 with German; synthetic English pages 0.86 and more."""
SAMPLE_WORDS = 150
"""Pieces of the text (between whitespace) taken, spread evenly over it; those that are
words of two letters or more are looked up in each dictionary."""
SAMPLE_WINDOWS = 10
SAMPLE_WINDOW = 3000
"""A long text is sampled in this many windows of this many characters, spread over it."""
PREFERRED_REGIONS = {"en": "en_US"}
"""Among dictionaries of one language scoring alike, the one taken: ``xx_XX`` where not
named here (``de_DE`` before ``de_AT``)."""


@dataclass(frozen=True)
class LanguageChoice:
    """The language ``auto`` chose for one text, and the evidence."""

    language: str | None
    """The dictionary tag chosen; None when no installed dictionary knows enough words."""
    scores: dict[str, float] = field(default_factory=dict)
    """Share of the sampled words each dictionary looked at knows."""
    words: int = 0
    """Words sampled."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "setting": AUTO,
            "chosen": self.language,
            "scores": dict(self.scores),
            "sample_words": self.words,
            "minimum_share": MIN_LANGUAGE_SHARE,
        }

    def describe(self) -> str:
        """One line for the edit log.

        >>> LanguageChoice("de_DE", {"de_DE": 0.9, "en_US": 0.3}, 150).describe()
        'language chosen: de_DE (words known of 150 sampled: de_DE 90%, en_US 30%)'
        >>> LanguageChoice(None, {"en_US": 0.41}, 150).describe()[:50]
        'no installed dictionary knows enough of its words '
        """
        scores = ", ".join(
            f"{tag} {share:.0%}" for tag, share in sorted(self.scores.items(), key=_by_score)
        )
        if self.language is None:
            return (
                f"{NO_LANGUAGE} (at least "
                f"{MIN_LANGUAGE_SHARE:.0%}; {scores or 'none installed'}): only encoding and "
                "whitespace repaired"
            )
        return f"{LANGUAGE_CHOSEN}{self.language} (words known of {self.words} sampled: {scores})"


LANGUAGE_CHOSEN = "language chosen: "
"""How the edit log's note of the dictionary ``auto`` chose begins (the review page shows
it in its header)."""
NO_LANGUAGE = "no installed dictionary knows enough of its words"
"""How the note begins when ``auto`` chose none."""


def _by_score(item: tuple[str, float]) -> tuple[float, str]:
    return (-item[1], item[0])


def sample_words(text: str, size: int = SAMPLE_WORDS) -> list[str]:
    """Up to ``size`` words of two letters or more, spread evenly over ``text``; a long
    text is read only in :data:`SAMPLE_WINDOWS` windows (a book is not read whole).

    Taken from the text split at whitespace, every so many pieces, with the punctuation
    around them stripped, and kept when what is left is letters only (``x-ray`` and
    ``42`` are not kept): a search for every word cost a tenth of a page's repair.

    >>> sample_words("a cat, the “dog”; 42 x-ray")
    ['cat', 'the', 'dog']
    """
    if len(text) > SAMPLE_WINDOWS * SAMPLE_WINDOW * 2:
        step = len(text) // SAMPLE_WINDOWS
        pieces: list[str] = []
        for start in range(0, step * SAMPLE_WINDOWS, step):
            # the window's first piece may be cut: left out
            pieces += text[start : start + SAMPLE_WINDOW].split()[1:]
    else:
        pieces = text.split()
    words = []
    for piece in itertools.islice(pieces, 0, None, max(1, len(pieces) // size)):
        word = piece.strip(_AROUND_WORDS)
        if len(word) > 1 and word.isalpha():
            words.append(word)
    return words[:size]


_AROUND_WORDS = "\"'“”‘’„‚«»‹›()[]{}.,;:!?…—–-¬⸗=*/"
"""What is stripped from a piece of text around a word."""


@functools.cache
def installed_languages() -> tuple[str, ...]:
    """The dictionary tags enchant offers, asked once per process."""
    if enchant is None:
        return ()
    try:
        with _ENCHANT_LOCK:
            return tuple(sorted(set(enchant.list_languages())))
    except Exception:
        return ()


def _representative(tags: list[str]) -> str:
    """The dictionary of a language that stands for it (see :data:`PREFERRED_REGIONS`).

    >>> _representative(["de_AT", "de_DE"]), _representative(["en_GB", "en_US"])
    ('de_DE', 'en_US')
    >>> _representative(["fr", "fr_FR"]), _representative(["pt_BR"])
    ('fr_FR', 'pt_BR')
    """
    language = tags[0].split("_")[0]
    preferred = PREFERRED_REGIONS.get(language, f"{language}_{language.upper()}")
    return preferred if preferred in tags else sorted(tags)[0]


def choose_language(text: str, languages: tuple[str, ...] | None = None) -> LanguageChoice:
    """The installed dictionary that knows the largest share of a sample of ``text``'s words.

    One dictionary per language is asked first (``de_DE`` for German); then, for the
    language that won, its other regions, the first region kept on a tie. None fits when
    the best knows fewer than :data:`MIN_LANGUAGE_SHARE` of the words. Dictionaries are
    opened once per process and their answers cached (:func:`get_lexicon`).

    >>> choose_language("Die Zeitung von gestern lag auf dem Tisch.").language
    'de_DE'
    >>> choose_language("The paper of yesterday lay on the table.").language
    'en_US'
    >>> french = "Le conseil municipal a décidé hier soir de fermer la vieille gare du port."
    >>> choice = choose_language(french, ("de_DE", "en_US", "en_GB"))
    >>> choice.language, choice.scores["en_US"], choice.words
    (None, 0.3846, 13)
    """
    tags = installed_languages() if languages is None else languages
    words = sample_words(text)
    if not words or not tags:
        return LanguageChoice(None, {}, len(words))
    by_language: dict[str, list[str]] = {}
    for tag in tags:
        by_language.setdefault(tag.replace("-", "_").split("_")[0].lower(), []).append(tag)
    scores: dict[str, float] = {}
    for group in by_language.values():
        tag = _representative(group)
        scores[tag] = _share(tag, words)
    best = max(scores, key=lambda tag: (scores[tag], tag == AUTO_WITHOUT_TEXT))
    language = best.replace("-", "_").split("_")[0].lower()
    for tag in sorted(by_language[language]):
        if tag not in scores:
            scores[tag] = _share(tag, words)
            if scores[tag] > scores[best]:
                best = tag
    chosen = best if scores[best] >= MIN_LANGUAGE_SHARE else None
    return LanguageChoice(chosen, scores, len(words))


def _share(tag: str, words: list[str]) -> float:
    """Share of ``words`` the dictionary ``tag`` knows (0 if it cannot be opened)."""
    try:
        check = get_lexicon(tag).check
    except Exception:  # not installed, or a broken dictionary enchant lists: not a choice
        return 0.0
    return round(sum(map(check, words)) / len(words), 4)


def resolve_language(text: str, config: RepairConfig) -> tuple[RepairConfig, LanguageChoice | None]:
    """``config`` with the language ``auto`` chose for ``text`` (and the choice), or as it
    is when it names a language (and None). When none fits, the language stays ``auto``."""
    if config.language != AUTO:
        return config, None
    choice = choose_language(text)
    if choice.language is None:
        return config, choice
    return replace(config, language=choice.language), choice
