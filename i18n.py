"""The page's language, beside app.py (presentation only): the link chooses it (``?lang=es``), the translated pathway
and the interface catalogue are loaded once per process and file version, and the document's language is declared.

A language is offered only while its translation has no problem (no stale, missing or unknown entry:
``python -m pathways validate``). A link asking for a language that is not offered shows the English page, declared
English, with a notice in the language asked for (tagged with it) saying why: never a stale or partial translation,
and never a guess. docs/translations.md describes this.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass

import streamlit as st

from pathways import Pathway, ValidationFailed
from pathways.catalogue import LANGUAGES, SOURCE_LANGUAGE, catalogue, current_language, gettext
from pathways.catalogue import set_language as _set_language
from pathways.catalogue import use_language
from pathways.translate import load_translation, translated, translation_path

__all__ = ["current_language", "LANG_PARAM", "LANG_SCRIPTS", "PageLanguage", "page_language", "declare_language",
           "base_key", "_", "N_"]

def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet (module constants: translated where shown)."""
    return message


#: The link's parameter naming the page's language (absent: English).
LANG_PARAM = "lang"
#: Separates a file version's cache key from the language it is shown in (views cache per page key).
_KEY_SEP = "|lang="
#: The one script the page runs: it declares the document's language (Streamlit's index.html says lang="en").
#: A fixed text per language, never built from input (its hash can be listed in a Content-Security-Policy).
#: Written out (not built in a loop) so that deploy/render_nginx.py can hash each for the policy.
LANG_SCRIPTS = {"en": '<script>document.documentElement.lang = "en";</script>',
                "es": '<script>document.documentElement.lang = "es";</script>'}
assert set(LANG_SCRIPTS) == set(LANGUAGES), "a script per language"
#: On a page in another language, the parts left in English are the source's own words, each shown as a span
#: whose whole text is in curly quotes (views.statement_md): marked lang="en" as they appear (WCAG 3.1.2).
QUOTES_SCRIPT = """<script>
(() => {
  if (window.pathwayQuotesMarked) return;
  window.pathwayQuotesMarked = true;
  const quote = /^“[^“”]*”$/;
  let queued = false;
  const mark = () => {
    queued = false;
    if (document.documentElement.lang === "en") return;
    document.querySelectorAll("[data-testid='stMarkdownContainer'] span:not([lang])").forEach((span) => {
      if (span.children.length === 0 && quote.test(span.textContent.trim())) span.setAttribute("lang", "en");
    });
  };
  const later = () => { if (!queued) { queued = true; requestAnimationFrame(mark); } };  // once per frame at most
  new MutationObserver(later).observe(document.body, {childList: true, subtree: true});
  mark();
})();
</script>"""
#: Shown, in the language asked for (from its catalogue), when a link asks for a language that cannot be offered.
UNAVAILABLE = N_("The version in this language is not available at the moment because its translation is not up to date "
               "with the English content. The English version is shown. Ask the care team if you need help "
               "understanding it.")

_ = gettext


@dataclass(frozen=True)
class PageLanguage:
    """The language a page is shown in, the pathway in it, its cache key, and what to tell the reader."""

    language: str
    pathway: Pathway
    key: str
    asked: str
    english: Pathway
    approved: bool = True

    @property
    def unavailable(self) -> bool:
        """True when the link asked for a language that cannot be offered (the page is in English)."""
        return self.asked != self.language


def base_key(key: str) -> str:
    """The file version's cache key of a page key (the page key without its language)."""
    return key.split(_KEY_SEP, 1)[0]


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


@st.cache_resource(show_spinner=False, max_entries=16)
def _translated(_pathway: Pathway, key: str, language: str, stamp: tuple[int, int] | None
                ) -> tuple[Pathway | None, bool]:
    """The pathway in ``language`` and whether its translation is approved, once per process and version of both
    files; (None, False) when it cannot be offered. The catalogue is read here too, once."""
    if stamp is None:
        return None, False
    try:
        translation = load_translation(translation_path(_pathway.file, language))
        result = translated(_pathway, translation)
        catalogue(language)
    except (ValidationFailed, OSError):
        return None, False
    return result, translation.approved


def asked_language() -> str:
    """The language the link asks for: a known one, else English."""
    value = st.query_params.get(LANG_PARAM)
    return value if value in LANGUAGES else SOURCE_LANGUAGE


def page_language(pathway: Pathway, key: str) -> PageLanguage:
    """The page's language for this run (from the link), with the pathway in it; English when it cannot be offered."""
    asked = asked_language()
    if asked == SOURCE_LANGUAGE:
        return PageLanguage(SOURCE_LANGUAGE, pathway, key, asked, pathway)
    path = str(translation_path(pathway.file, asked))
    stamp = _stamp(path)
    result, approved = _translated(pathway, key, asked, stamp)
    if result is None:
        return PageLanguage(SOURCE_LANGUAGE, pathway, key, asked, pathway)
    return PageLanguage(asked, result, f"{key}{_KEY_SEP}{asked}:{stamp}", asked, pathway, approved)


def offered(pathway: Pathway, key: str) -> list[str]:
    """The languages a reader can choose now: English and each language whose translation has no problem."""
    languages = [SOURCE_LANGUAGE]
    for lang in LANGUAGES:
        if lang == SOURCE_LANGUAGE:
            continue
        stamp = _stamp(str(translation_path(pathway.file, lang)))
        if stamp is not None and _translated(pathway, key, lang, stamp)[0] is not None:
            languages.append(lang)
    return languages


def apply_asked() -> None:
    """Translate the interface's words into the language the link asks for (before the content is read: an error
    page needs no translation of the content, only the catalogue)."""
    _set_language(asked_language())


def declare_asked() -> None:
    """Declare the document's language as the one asked for (an error page, whose words are in it)."""
    st.html(LANG_SCRIPTS[current_language()], unsafe_allow_javascript=True)


def apply(page: PageLanguage) -> None:
    """Translate the interface's words into the page's language for the rest of this run (this thread only)."""
    _set_language(page.language)


def declare_language(page: PageLanguage, *scripts: str) -> None:
    """Declare the document's language for assistive technology (WCAG 3.1.1); a fixed script per language. The
    page's other document-wide ``scripts`` (fixed texts, each one <script>) share its element: an element of their
    own would cost a message on every run and a gap in the layout."""
    st.html(LANG_SCRIPTS[page.language] + "".join(scripts), unsafe_allow_javascript=True)
    if page.language != SOURCE_LANGUAGE:
        st.html(QUOTES_SCRIPT, unsafe_allow_javascript=True)


def unavailable_notice(page: PageLanguage) -> None:
    """The notice, in the language asked for and tagged with it, that the English is shown instead (WCAG 3.1.2)."""
    value = st.query_params.get(LANG_PARAM)
    if value is not None and value not in LANGUAGES:  # a language the project does not know: said, never guessed
        shown = " ".join(value.split())[:20] or " "
        st.warning(_("Some parts of the link were ignored: {notices}.").format(
            notices=_("unknown language {value} (allowed: {allowed})").format(
                value=f"` {shown.replace('`', '')} `", allowed=", ".join(LANGUAGES))), icon=":material/link_off:")
    if not page.unavailable:
        return
    try:
        catalogue(page.asked)
    except OSError:  # no catalogue either: the English words, still tagged as what they are
        text, lang = UNAVAILABLE, SOURCE_LANGUAGE
    else:
        with use_language(page.asked):
            text, lang = _(UNAVAILABLE), page.asked
    if text:
        st.html(f'<div lang="{lang}" role="note" class="language-unavailable" style="border:2px solid '
                f'#9a6700;border-radius:0.5rem;padding:0.75rem 1rem;color:#31333f"><strong>{html.escape(text)}</strong></div>')


def fhir_args(page: PageLanguage) -> tuple[Pathway, str, dict[str, Pathway] | None]:
    """What the FHIR download is made from on this page: the English, with the page's language as a translation."""
    if page.language == SOURCE_LANGUAGE:
        return page.pathway, page.key, None
    return page.english, page.key, {page.language: page.pathway}


def link_params() -> dict[str, str]:
    """The page's language as link parameters, for links the page makes (print view, copied link)."""
    language = st.query_params.get(LANG_PARAM)
    return {LANG_PARAM: language} if language in LANGUAGES and language != SOURCE_LANGUAGE else {}


def link_suffix() -> str:
    """``link_params`` as a query-string suffix (``&lang=es``), or nothing."""
    return "".join(f"&{k}={v}" for k, v in link_params().items())


def set_language(language: str) -> None:
    """The language chooser's callback: put the choice in the link (English: no parameter)."""
    if language == SOURCE_LANGUAGE:
        if LANG_PARAM in st.query_params:
            del st.query_params[LANG_PARAM]
    else:
        st.query_params[LANG_PARAM] = language


def translation_pending(page: PageLanguage) -> bool:
    """Whether the page is shown in a translation not yet signed off."""
    return page.language != SOURCE_LANGUAGE and not page.approved


def pending_notice(page: PageLanguage) -> None:
    """While the page's translation is not signed off, say so, in the page's language (the page names it on its
    "About this content" line, in the first view, and shows this notice when that line is opened)."""
    if translation_pending(page):
        st.warning(_("**This translation is pending review.** A qualified medical translator has not yet checked it "
                     "against the English. If anything is unclear, ask the care team or read the English version."),
                   icon=":material/translate:")


def language_chooser(page: PageLanguage) -> None:
    """A button per other language offered (English, and each whose translation has no problem), named in that
    language; a click puts it in the link and shows the page in it. A button, not a radio group: the page's radio
    groups are its questions."""
    languages = [lang for lang in offered(page.english, base_key(page.key)) if lang != page.language]
    if not languages:
        return
    row = st.container(horizontal=True, key="languages")
    for lang in languages:
        row.button(LANGUAGES[lang], key=f"language_{lang}", on_click=set_language, args=(lang,),
                   icon=":material/translate:", type="tertiary")
