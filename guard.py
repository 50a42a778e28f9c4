"""The page's edge: the one guard around a full run and around each fragment (an error page with an error id, one
log line), the content served (logged, and refused unless approved when the setting asks), the session's answers
checked against the content now served, and the page's "today" (a setting tests and demonstrations may fix).

Presentation, like app.py and views.py; every clinical word comes from pathways/.
"""

from __future__ import annotations

import datetime
import functools
import os
import re
import secrets
from pathlib import Path
from typing import Any, Callable, TypeVar

import streamlit as st

import logs
from pathways import Pathway, PathwayError, ValidationFailed
from pathways.catalogue import gettext as _
from pathways.lifecycle import approval_text

__all__ = ["ERROR_HEADLINE", "APPROVAL_ENV", "TODAY_ENV", "NotApproved", "SettingProblem", "guarded", "run",
           "report", "show_unexpected", "served", "require_approval", "today", "check_answers", "without_paths",
           "ANSWERS_SNAPSHOT"]



def N_(message: str) -> str:
    """Mark a constant for the catalogue; translated where shown (``_(CONSTANT)``)."""
    return message


#: The headline of the page shown when something unexpected failed (tests look for it, in every language).
ERROR_HEADLINE = N_("Something went wrong, so nothing more is shown.")
#: The setting that refuses content whose approval is pending ("1", "true", "yes" or "on"; off by default).
APPROVAL_ENV = "REQUIRE_APPROVAL"
#: The setting that fixes the page's "today" (YYYY-MM-DD), for tests and demonstrations; unset: the clock's day.
TODAY_ENV = "PATHWAYS_TODAY"
#: Session state: the answers the last run saw ({question id: (prompt, option label)}), and the notices of a
#: content change with the content key they belong to. Leading underscores: content ids cannot start with one.
ANSWERS_SNAPSHOT, CHANGE_NOTICES = "_guard_answers", "_guard_change_notices"
GENERIC_DISCLAIMER = N_(
    "This is an educational aid, not medical advice. It does not replace the care team. "
    "Nothing is shown while its content is invalid."
)
_ON, _OFF = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
_ABSOLUTE_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?(?:[/\\][\w.@+-]+)+[/\\](?=[\w.@+-])")

F = TypeVar("F", bound=Callable[..., Any])


class SettingProblem(PathwayError):
    """A server setting has a value the explorer does not know (shown on the setting-problem page)."""


class NotApproved(PathwayError):
    """The content's approval is pending and the server is set to serve approved content only."""

    def __init__(self, pathway: Pathway):
        self.pathway = pathway
        meta = pathway.content.metadata
        super().__init__(f"content version {meta.version} of {Path(pathway.file).name}: approval: "
                         f"{approval_text(meta)}. This server shows approved content only ({APPROVAL_ENV} is on).")


# ---- the guard ------------------------------------------------------------------------------------------------


def report(exc: BaseException) -> str:
    """Log an unexpected exception (type, code locations, never its message) and return its new error id."""
    error_id = secrets.token_hex(4)
    chain, cause = [], exc.__cause__ or exc.__context__
    while cause is not None and len(chain) < 5:
        chain.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    logs.event("unexpected_error", logs.ERROR, error_id=error_id, type=type(exc).__name__,
               where=logs.where(exc.__traceback__), traceback=logs.frames(exc.__traceback__), caused_by=chain)
    return error_id


def show_unexpected(error_id: str) -> None:
    """The page (or the fragment's part of it) after an unexpected error: what to do, the error id, the disclaimer."""
    with st.container(key=f"_guard_error_{error_id}"):
        st.error(f"**{_(ERROR_HEADLINE)}** " + _("Please reload the page. If it happens again, tell the team that runs "
                                                 "this server the error id below: it finds the details in the "
                                                 "server's log.") + "  \n" + _("Error id: `{error_id}`").format(
                                                     error_id=error_id), icon=":material/error:")
        st.warning(_(GENERIC_DISCLAIMER), icon=":material/medical_information:")


def guarded(body: F) -> F:
    """Run ``body`` (the page, or a fragment's body) so that an exception shows the error page and one log line;
    Streamlit's st.rerun and st.stop pass (they are not Exceptions)."""

    @functools.wraps(body)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return body(*args, **kwargs)
        except Exception as exc:  # the edge: no traceback and no message ever reaches a user or the log
            show_unexpected(report(exc))
            return None

    return wrapper  # type: ignore[return-value]


def run(main: Callable[[], None]) -> None:
    """The script's one entry: start-up logged once per process, then the page under the guard."""
    _started()
    guarded(main)()


@functools.cache
def _started() -> None:
    import streamlit

    logs.configure()
    st.set_option("logger.enableRich", False)  # as .streamlit/config.toml says, also where that file is not read
    logs.event("start", streamlit=streamlit.__version__, pid=os.getpid(),
               approval_required=_setting_on(os.environ.get(APPROVAL_ENV)) is True)


# ---- the content served -----------------------------------------------------------------------------------------


def served() -> tuple[Pathway, str]:
    """The pathway to show and its cache key (views.current_pathway), each file version logged once; refused
    (PathwayError) when invalid, or when approval is required and pending."""
    from views import current_pathway

    today()  # a setting the page cannot read is refused here, with the setting-problem page
    try:
        pathway, key = current_pathway()
    except ValidationFailed as exc:
        files = sorted({e.file for e in exc.errors})
        _refused_once(tuple(files), tuple(e.format() for e in exc.errors[:20]), len(exc.errors))
        raise
    except PathwayError as exc:
        logs.event("content_refused", logs.ERROR, reason=type(exc).__name__, problems=1)
        raise
    if key not in _loaded_seen:
        from pathways.outputs.review import content_fingerprint

        _loaded_seen.add(key)
        logs.event("content_loaded", pathway=pathway.id, version=pathway.content.metadata.version,
                   file=pathway.file, fingerprint=content_fingerprint(pathway))
    if require_approval() and pathway.content.metadata.approved_on is None:
        _not_approved_once(key, pathway.id, pathway.content.metadata.version)
        raise NotApproved(pathway)
    return pathway, key


@functools.lru_cache(maxsize=64)
def _not_approved_once(key: str, pathway_id: str, version: str) -> None:
    logs.event("content_refused", logs.WARNING, reason="approval_pending", pathway=pathway_id,
               version=version, setting=APPROVAL_ENV)


_refused_seen: set[tuple[str, ...]] = set()
_loaded_seen: set[str] = set()


def _refused_once(files: tuple[str, ...], problems: tuple[str, ...], count: int) -> None:
    """A broken file is re-checked on every run; its refusal is logged when its problems change."""
    if (files + problems) in _refused_seen:
        return
    _refused_seen.add(files + problems)
    logs.event("content_refused", logs.ERROR, reason="invalid", files=list(files), problems=count,
               first=list(problems))


def _setting_on(value: str | None) -> bool | None:
    text = (value or "").strip().lower()
    return True if text in _ON else False if text in _OFF else None


def require_approval() -> bool:
    """Whether the server serves approved content only (APPROVAL_ENV); SettingProblem for a value it cannot read."""
    value = _setting_on(os.environ.get(APPROVAL_ENV))
    if value is None:
        raise SettingProblem(f"{APPROVAL_ENV} must be one of {list(_ON)} (on) or {list(_OFF)} (off), got "
                             f"{os.environ.get(APPROVAL_ENV)!r}")
    return value


def without_paths(text: str) -> str:
    """Server paths cut down to the file's name (a page never shows where the server keeps its files)."""
    return _ABSOLUTE_PATH.sub("", text)


# ---- the page's "today" ---------------------------------------------------------------------------------------


def today() -> datetime.date:
    """The day the page checks review dates against: TODAY_ENV when set (tests, demonstrations), else the clock's."""
    value = os.environ.get(TODAY_ENV, "").strip()
    if not value:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise SettingProblem(f"{TODAY_ENV} must be a date YYYY-MM-DD, got {value!r}") from None


# ---- answers held by a session, checked against the content served now ------------------------------------


def check_answers(pathway: Pathway, key: str, compare_key: str) -> None:
    """Drop the session's answers the content served now no longer has (a question removed, an option renamed or
    removed) and a comparison with a situation it no longer has, then show a notice naming what changed. Never
    logs: what a session answered stays in the session."""
    from views import plain, quoted

    state = st.session_state
    before: dict[str, tuple[str, str]] = state.get(ANSWERS_SNAPSHOT) or {}
    notices: list[str] = []
    for qid, (prompt, label) in before.items():
        if qid not in pathway.questions and state.get(qid) is not None:
            del state[qid]
            notices.append(_("the question {question} is no longer asked, so your answer {answer} to it was "
                             "dropped").format(question=quoted(prompt), answer=quoted(label)))
    for question in pathway.content.questions:
        value = state.get(question.id)
        if value is None or any(o.id == value for o in question.options):
            continue
        state[question.id] = None
        label = before.get(question.id, ("", value))[1]
        notices.append(_("your answer {answer} to {question} is no longer one of its options, so it was cleared: "
                         "please answer it again").format(answer=quoted(label), question=quoted(question.prompt)))
    other = state.get(compare_key)
    if other is not None and other not in _situation_keys(pathway, key):
        state[compare_key] = None
        notices.append(_("the situation chosen for the comparison is not in this version, so the comparison was "
                         "cleared: please choose again"))
    labels = {q.id: {o.id: o.label for o in q.options} for q in pathway.content.questions}
    state[ANSWERS_SNAPSHOT] = {q.id: (q.prompt, labels[q.id][state[q.id]]) for q in pathway.content.questions
                               if state.get(q.id) is not None}
    if notices:
        state[CHANGE_NOTICES] = (key, notices)
    shown = state.get(CHANGE_NOTICES)
    if shown and shown[0] == key:
        version = plain(pathway.content.metadata.version)
        st.warning("**" + _("The content changed while this page was open (now version {version}).").format(
            version=version) + "** " + _sentence("; ".join(shown[1])), icon=":material/update:")


_keys_by_version: dict[str, frozenset[str]] = {}


def _situation_keys(pathway: Pathway, key: str) -> frozenset[str]:
    """Every complete situation's key in this file version (``key`` names the version: its file's stat)."""
    if key not in _keys_by_version:
        from pathways.situations import complete_situations

        try:
            keys = frozenset(s.key for s in complete_situations(pathway))
        except PathwayError:  # too many to list: the page offers no comparison then
            keys = frozenset()
        if len(_keys_by_version) >= 8:
            _keys_by_version.pop(next(iter(_keys_by_version)))
        _keys_by_version[key] = keys
    return _keys_by_version[key]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."
