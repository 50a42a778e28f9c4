"""The family reading: the fixed words it wraps around the content's plain texts, and which texts it shows.

The clinical words themselves live in the pathway file (each statement's ``plain``); this module holds only the
frame (the disclaimer and the source named in plain words, headings) that the page and the family handout share,
so the two cannot drift apart. ``plain_of`` picks an item's plain text; ``FAMILY_ROLES`` are the roles a family
reads for a situation.
"""

from __future__ import annotations

from .catalogue import gettext as _
from .load import Pathway
from .shown import (CATEGORY, EXPLANATION, FIGURES_CONTEXT, GROUP_INTRO, NOTE, OPTION_HELP, OUTLOOK_BASIS,
                    OUTLOOK_NOTE, QUESTION_HELP, QUESTION_WHY, SUMMARY, Item)

__all__ = ["FAMILY_TITLE", "GROUP_HEADINGS", "GLOSSARY_LINKS", "READING_PARAM", "FAMILY", "CLINICIAN", "READINGS", "READING_LABELS", "FAMILY_ROLES", "PLAIN_DISCLAIMER",
           "EDITORIAL_MARKER", "EDITORIAL_MARKER_WORDS", "ASK_HEADING", "NOTES_HEADING", "plain_of", "source_words",
           "version_words", "N_"]


def N_(message: str) -> str:
    """Mark a message for extraction (the fixed words below are translated where shown, with ``_``)."""
    return message


#: The family reading's title (the page's and the handout's).
FAMILY_TITLE = N_("Relapsed ALL: a guide for you and your family")
#: Medical words that have to stay in the plain texts, and the glossary entry (its term) each links to on the page.
#: Both sides are translated where used (``_``): the word as the plain texts of that language write it, and the
#: glossary term as the translated content names it.
GLOSSARY_LINKS = {N_("CNS"): N_("Central nervous system (CNS)"), N_("intrathecal"): N_("Systemic and intrathecal"),
                  N_("systemic"): N_("Systemic and intrathecal"), N_("chemotherapy"): N_("Chemotherapy"),
                  N_("blast cells"): N_("Blast cells"), N_("lymphocyte"): N_("B cells and T cells")}
#: The family reading's heading for each category group (the fixed vocabulary of groups).
GROUP_HEADINGS = {"main": N_("Kinds of treatment the article names"),
                  "cns_directed": N_("More options because the ALL has reached the CNS")}
#: The link's parameter for the reading, and its values (clinicians keep today's reading, the default).
READING_PARAM = "reading"
FAMILY, CLINICIAN = "family", "clinician"
READINGS = (CLINICIAN, FAMILY)
READING_LABELS = {FAMILY: N_("For families"), CLINICIAN: N_("For clinicians")}
#: The roles of a situation's statements a family reads (every one has a plain text in the shipped content).
FAMILY_ROLES = (QUESTION_WHY, QUESTION_HELP, OPTION_HELP, SUMMARY, GROUP_INTRO, CATEGORY, EXPLANATION, NOTE,
                OUTLOOK_BASIS, OUTLOOK_NOTE, FIGURES_CONTEXT)
#: The disclaimer in plain words (the content's own disclaimer stays under "About this content").
PLAIN_DISCLAIMER = N_("This is for learning only. It is not medical advice. It shows what one article says. "
                      "It does not take the place of your care team, who know the whole story. "
                      "Always talk with them about treatment.")
#: The marker beside a text that is partly our own reading (a symbol and words, never colour alone).
EDITORIAL_MARKER = "†"
EDITORIAL_MARKER_WORDS = N_("our reading")
ASK_HEADING = N_("Questions you may want to ask the care team")
NOTES_HEADING = N_("Your notes")


def plain_of(item: Item) -> str:
    """The item's plain text (its statement's text when the content has none yet)."""
    return item.plain or item.text


def source_words(pathway: Pathway) -> str:
    """The source named once, in plain words (every plain text then calls it "the article")."""
    sources = pathway.content.sources
    named = []
    for source in sources:
        if getattr(source, "title_is_ours", False):
            named.append(_("an article written for the public. Our copy does not give its title or who wrote it, "
                           "so we describe it as “{title}”").format(title=source.title))
        else:
            named.append(_("an article written for the public, “{title}”").format(title=source.title))
    return _("Everything here comes from {sources}. Here we call it “the article”. We did not write the article; "
             "we put what it says in our own words.").format(sources=_(" and ").join(named))


def version_words(pathway: Pathway) -> str:
    meta = pathway.content.metadata
    return _("Content version {version}, last checked {date}").format(version=meta.version,
                                                                   date=meta.last_reviewed.isoformat())
