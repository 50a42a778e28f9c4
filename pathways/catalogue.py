"""The interface's own words in the reader's language: gettext catalogues managed with Babel.

Headings, buttons, notices and the outputs' fixed words are not content: they are marked in the code with
``gettext`` (``_``) and translated in ``pathways/locales/<lang>/LC_MESSAGES/messages.po``, compiled to ``.mo``
(docs/translations.md gives the extract, update and compile commands). :func:`gettext` translates into the language
of the current context (:func:`use_language`), so every output's fixed words follow the page or command that asked;
each catalogue is read once per process. No import from the rest of the package (the core uses it everywhere).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext as _gettext
from pathlib import Path
from typing import Iterator

__all__ = ["SOURCE_LANGUAGE", "LANGUAGES", "LOCALE_DIR", "DOMAIN", "catalogue", "current_language", "use_language",
           "gettext", "ngettext"]

#: The language the content and the interface are written in.
SOURCE_LANGUAGE = "en"
#: Languages the project knows, each with its own name (what the language choice shows).
LANGUAGES = {"en": "English", "es": "Español"}
#: The interface catalogues (one gettext domain, ``messages``): a .po and its compiled .mo per language.
LOCALE_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("pathways_language", default=SOURCE_LANGUAGE)


@functools.lru_cache(maxsize=None)
def catalogue(language: str) -> _gettext.NullTranslations:
    """The compiled interface catalogue of a language, read once per process (English: the words as written)."""
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language])


def current_language() -> str:
    return _current.get()


@contextlib.contextmanager
def use_language(language: str) -> Iterator[None]:
    """Translate interface words into ``language`` inside the block (this thread or task only)."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def set_language(language: str) -> None:
    """Translate interface words into ``language`` from now on in this thread (a page run sets its own)."""
    _current.set(language)


def gettext(message: str) -> str:
    """``message`` in the current language (its catalogue's translation; the English when it has none)."""
    language = _current.get()
    return message if language == SOURCE_LANGUAGE else catalogue(language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    language = _current.get()
    if language == SOURCE_LANGUAGE:
        return singular if n == 1 else plural
    return catalogue(language).ngettext(singular, plural, n)
