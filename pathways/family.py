"""The family reading: the fixed words it wraps around the content's plain texts, and which texts it shows.

The clinical words themselves live in the pathway file (each statement's ``plain``); this module holds only the
frame (the disclaimer and the source named in plain words, headings) that the page and the family handout share,
so the two cannot drift apart. ``plain_of`` picks an item's plain text; ``FAMILY_ROLES`` are the roles a family
reads for a situation.
"""

from __future__ import annotations

from .load import Pathway
from .shown import (CATEGORY, EXPLANATION, FIGURES_CONTEXT, GROUP_INTRO, NOTE, OPTION_HELP, OUTLOOK_BASIS,
                    OUTLOOK_NOTE, QUESTION_HELP, QUESTION_WHY, SUMMARY, Item)

__all__ = ["FAMILY_TITLE", "GROUP_HEADINGS", "GLOSSARY_LINKS", "READING_PARAM", "FAMILY", "CLINICIAN", "READINGS", "READING_LABELS", "FAMILY_ROLES", "PLAIN_DISCLAIMER",
           "EDITORIAL_MARKER", "EDITORIAL_MARKER_WORDS", "ASK_HEADING", "NOTES_HEADING", "plain_of", "source_words",
           "version_words"]

#: The family reading's title (the page's and the handout's).
FAMILY_TITLE = "Relapsed ALL: a guide for you and your family"
#: Medical words that have to stay in the plain texts, and the glossary entry (its term) each links to on the page.
GLOSSARY_LINKS = {"CNS": "Central nervous system (CNS)", "intrathecal": "Systemic and intrathecal",
                  "systemic": "Systemic and intrathecal", "chemotherapy": "Chemotherapy",
                  "blast cells": "Blast cells", "lymphocyte": "B cells and T cells"}
#: The family reading's heading for each category group (the fixed vocabulary of groups).
GROUP_HEADINGS = {"main": "Kinds of treatment the article names", "cns_directed": "More options because the ALL "
                  "has reached the CNS"}
#: The link's parameter for the reading, and its values (clinicians keep today's reading, the default).
READING_PARAM = "reading"
FAMILY, CLINICIAN = "family", "clinician"
READINGS = (CLINICIAN, FAMILY)
READING_LABELS = {FAMILY: "For families", CLINICIAN: "For clinicians"}
#: The roles of a situation's statements a family reads (every one has a plain text in the shipped content).
FAMILY_ROLES = (QUESTION_WHY, QUESTION_HELP, OPTION_HELP, SUMMARY, GROUP_INTRO, CATEGORY, EXPLANATION, NOTE,
                OUTLOOK_BASIS, OUTLOOK_NOTE, FIGURES_CONTEXT)
#: The disclaimer in plain words (the content's own disclaimer stays under "About this content").
PLAIN_DISCLAIMER = ("This is for learning only. It is not medical advice. It shows what one article says. "
                    "It does not take the place of your care team, who know the whole story. "
                    "Always talk with them about treatment.")
#: The marker beside a text that is partly our own reading (a symbol and words, never colour alone).
EDITORIAL_MARKER = "†"
EDITORIAL_MARKER_WORDS = "our reading"
ASK_HEADING = "Questions you may want to ask the care team"
NOTES_HEADING = "Your notes"


def plain_of(item: Item) -> str:
    """The item's plain text (its statement's text when the content has none yet)."""
    return item.plain or item.text


def source_words(pathway: Pathway) -> str:
    """The source named once, in plain words (every plain text then calls it "the article")."""
    sources = pathway.content.sources
    named = []
    for source in sources:
        if getattr(source, "title_is_ours", False):
            named.append(f"an article written for the public. Our copy does not give its title or who wrote it, so "
                         f"we describe it as “{source.title}”")
        else:
            named.append(f"an article written for the public, “{source.title}”")
    return (f"Everything here comes from {' and '.join(named)}. Here we call it “the article”. "
            "We did not write the article; we put what it says in our own words.")


def version_words(pathway: Pathway) -> str:
    meta = pathway.content.metadata
    return f"Content version {meta.version}, last checked {meta.last_reviewed.isoformat()}"
