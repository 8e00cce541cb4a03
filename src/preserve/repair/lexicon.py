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
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from preserve.errors import ConfigError
from preserve.repair.config import RepairConfig

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
    """The dictionary a repair with ``config`` consults."""
    return get_lexicon(config.language, config.dictionary_variants())


_OWNED = threading.local()


def software_versions() -> dict[str, Any]:
    """Versions of the libraries a repair relies on."""
    import ftfy

    from preserve import __version__

    return {"preserve": __version__, "ftfy": ftfy.__version__}
