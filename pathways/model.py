"""The typed content model of a pathway file (pydantic); shape and types only, graph rules live in validate."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .catalogue import gettext as _

__all__ = [
    "Basis",
    "Statement",
    "Option",
    "Question",
    "CategoryGroup",
    "Category",
    "QuestionNode",
    "Treatment",
    "OutcomeNote",
    "OutcomeNode",
    "Node",
    "Tree",
    "Figure",
    "OutlookNote",
    "Outlook",
    "ReferenceItem",
    "ReferenceSection",
    "Source",
    "Change",
    "Metadata",
    "PathwayContent",
]

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=2000)]


class _Model(BaseModel):
    """Common settings: unknown keys rejected, types strict, values immutable once loaded."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Basis(_Model):
    """Where a statement comes from: a source id, a section of it, and who the source reports."""

    source: Id
    section: Id
    reported_by: Label | None = None
    #: The source's own words the statement rests on, copied exactly (validate --source checks them).
    quote: Text | None = None


class Statement(_Model):
    """A clinical statement in our own words, with its basis or an editorial-assumption reason."""

    text: Text
    basis: list[Basis] = []
    editorial: Text | None = None
    #: The same statement in plain language for families: no more and no less than ``text``.
    plain: Text | None = None
    #: Where the plain text has to simplify (a word left out, a term said in other words): why, for the reviewer.
    plain_editorial: Text | None = None

    @model_validator(mode="after")
    def _has_basis_or_editorial(self) -> "Statement":
        if not self.basis and not self.editorial:
            raise ValueError(
                "clinical statement has neither a basis nor an editorial flag "
                "(add 'basis: [{source, section}]' or 'editorial: <reason>')"
            )
        if self.plain_editorial is not None and self.plain is None:
            raise ValueError("plain_editorial without a plain text (add 'plain: <text>' or remove "
                             "'plain_editorial')")
        return self

    @property
    def is_editorial(self) -> bool:
        """True when the statement is (partly) an editorial assumption, not the source's."""
        return self.editorial is not None


class Option(_Model):
    """One answer to a question."""

    id: Id
    label: Label
    short_label: Label | None = None
    help: Statement | None = None

    @property
    def graph_label(self) -> str:
        """The label on the graph's edge: the short label when there is one."""
        return self.short_label or self.label


class Question(_Model):
    """A question the user answers; ``tree`` questions steer the tree, ``outlook`` ones only notes."""

    id: Id
    role: Literal["tree", "outlook"] = "tree"
    prompt: Label
    short_label: Label
    help: Statement | None = None
    why: Statement
    options: Annotated[list[Option], Field(min_length=2)]


class CategoryGroup(_Model):
    """A heading under which the app shows categories of one group."""

    id: Literal["main", "cns_directed"]
    label: Label
    intro: Statement | None = None


class Category(_Model):
    """A treatment category from the fixed vocabulary, with its label and what it is."""

    id: Id
    label: Label
    group: Literal["main", "cns_directed"]
    description: Statement


class QuestionNode(_Model):
    """A decision point: the answer to ``question`` picks the next node."""

    id: Id
    kind: Literal["question"]
    question: Id
    branches: dict[str, Id]


class Treatment(_Model):
    """A category documented for an outcome, and why it appears there.

    ``label`` is this situation's wording of the category where the source words it differently here
    (for instance low-dose radiation therapy for adults); without it the category's own label is used.
    """

    category: Id
    label: Label | None = None
    explanation: Statement


class OutcomeNote(Statement):
    """A note on an outcome; ``about`` names the categories whose absence here the note explains."""

    about: list[Id] = []


class OutcomeNode(_Model):
    """A leaf: the treatment categories the source documents for the situation."""

    id: Id
    kind: Literal["outcome"]
    title: Label
    short_title: Label
    summary: Statement
    treatments: list[Treatment]
    notes: list[OutcomeNote] = []


Node = Annotated[Union[QuestionNode, OutcomeNode], Field(discriminator="kind")]


class Tree(_Model):
    """The decision tree: a root node id and the nodes."""

    root: Id
    nodes: Annotated[list[Node], Field(min_length=1)]


class Figure(_Model):
    """A figure the source gives, kept exactly as displayed (e.g. 'about 50%')."""

    label: Label
    value: float | int
    display: Label
    applies_when: dict[str, list[str]] = {}


class OutlookNote(Statement):
    """An outlook statement shown when its conditions match the answers."""

    id: Id
    title: Label
    applies_when: dict[str, list[str]] = {}
    figures: list[Figure] = []


class Outlook(_Model):
    """What the outlook depends on, the notes that apply to particular answers, and the context statement
    shown wherever figures are (figures about groups are not a prediction for a person)."""

    depends_on: Statement
    figures_context: Statement | None = None
    notes: list[OutlookNote]


class ReferenceItem(Statement):
    """An entry in a reference section (a risk factor, a test, a term)."""

    term: Label | None = None


class ReferenceSection(_Model):
    """A reference section shown beside the outcome (risk factors, tests, remission, glossary)."""

    id: Id
    title: Label
    intro: Statement | None = None
    items: Annotated[list[ReferenceItem], Field(min_length=1)]


class Source(_Model):
    """A reference work the content cites, with the section names used to cite it and what is known of it."""

    id: Id
    title: Label
    description: Text
    sections: Annotated[list[Id], Field(min_length=1)]
    #: Every statement that cites this source and is not editorial must quote it in a basis (checked on load).
    quotes_required: bool = False
    #: True when ``title`` is our description because the copy we have names none.
    title_is_ours: bool = False
    author: Label | None = None
    publisher: Label | None = None
    #: The date the work gives for itself (published or last updated), when the copy names one.
    published: datetime.date | None = None
    #: Where the work can be read (http or https), for a clinic that knows it.
    address: Url | None = None
    #: The day the copy was read at ``address``.
    accessed: datetime.date | None = None

    @property
    def display_title(self) -> str:
        """The title as every output shows it: marked as ours when it is, saying what the copy does not name.

        >>> Source(id="s", title="An overview", description="d", sections=["a"], title_is_ours=True).display_title
        'An overview (title ours; the copy we have names no title, author, publisher or date)'
        >>> Source(id="s", title="An overview", description="d", sections=["a"]).display_title
        'An overview'
        """
        if not self.title_is_ours:
            return self.title
        missing = [_("title")] + [name for name, value in ((_("author"), self.author), (_("publisher"), self.publisher),
                                                           (_("date"), self.published)) if value is None]
        named = ", ".join(missing[:-1]) + _(" or ") + missing[-1] if len(missing) > 1 else missing[0]
        return _("{title} (title ours; the copy we have names no {named})").format(title=self.title, named=named)

    @property
    def details(self) -> str:
        """What is known of the work beyond its title, in one line ('' when nothing is).

        >>> Source(id="s", title="t", description="d", sections=["a"], publisher="A clinic",
        ...        address="https://example.org/a", accessed=datetime.date(2026, 12, 2)).details
        'A clinic; https://example.org/a (accessed 2026-12-02)'
        """
        parts = [p for p in (self.author, self.publisher, self.published and self.published.isoformat()) if p]
        if self.address:
            parts.append(self.address + (_(" (accessed {date})").format(date=self.accessed.isoformat())
                                         if self.accessed else ""))
        elif self.accessed:
            parts.append(_("accessed {date}").format(date=self.accessed.isoformat()))
        return "; ".join(parts)


class Change(_Model):
    """One entry of the change log: what a version changed, in words (the situations it affects are computed)."""

    version: Label
    date: datetime.date
    summary: Text


class Metadata(_Model):
    """Who the pathway is for, its version, review and approval dates, change log and disclaimer."""

    id: Id
    title: Label
    version: Label
    last_reviewed: datetime.date
    next_review_due: datetime.date | None = None
    approved_on: datetime.date | None = None
    approved_by: Label | None = None
    changes: list[Change] = []
    intended_use: Text
    audience: Text
    population: Text
    disclaimer: Text
    editorial_policy: Text


class PathwayContent(_Model):
    """A whole pathway file."""

    schema_version: Literal[1]
    metadata: Metadata
    sources: Annotated[list[Source], Field(min_length=1)]
    category_groups: Annotated[list[CategoryGroup], Field(min_length=1)]
    categories: Annotated[list[Category], Field(min_length=1)]
    questions: Annotated[list[Question], Field(min_length=1)]
    tree: Tree
    outlook: Outlook
    reference: list[ReferenceSection]
    #: Generic questions a family may want to ask the care team (family handout and page): editorial, no
    #: clinical claim.
    ask_the_care_team: list[Statement] = []
