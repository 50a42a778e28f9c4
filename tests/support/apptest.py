"""The check every AppTest run gets (a pytest plugin, registered in tests/conftest.py): after each run of the
script, no exception reached Streamlit and the page is not the guard's error page. A test that expects the error
page says so with ``@pytest.mark.error_page``; any test may call ``page_problems`` itself."""

from __future__ import annotations

import sys
from typing import Any

import pytest

__all__ = ["ERROR_PAGE_MARK", "page_problems", "assert_page_ok", "error_ids"]

#: The marker of a test that expects the guard's error page (a fault it injected on purpose).
ERROR_PAGE_MARK = "error_page"


def _in_every_language(message: str) -> list[str]:
    """An interface message as each language's catalogue words it (the guard's page speaks the reader's)."""
    from pathways.catalogue import LANGUAGES, catalogue

    return sorted({catalogue(language).gettext(message) for language in LANGUAGES})


def _error_page(value: str) -> bool:
    from guard import ERROR_HEADLINE

    return any(headline in value for headline in _in_every_language(ERROR_HEADLINE))


def error_ids(at: Any) -> list[str]:
    """The error ids the guard's error page shows, in any language (empty when there is no error page)."""
    import re

    patterns = [re.escape(words).replace(re.escape("{error_id}"), "([0-9a-f]+)")
                for words in _in_every_language("Error id: `{error_id}`")]
    return [m for e in at.error if _error_page(e.value) for p in patterns for m in re.findall(p, e.value)]


def page_problems(at: Any) -> list[str]:
    """What is wrong with a run: an exception Streamlit caught, or the guard's error page (in any language)."""
    problems = [f"exception reached Streamlit: {e.proto.type}" for e in at.exception]
    problems += [f"the guard's error page: {e.value}" for e in at.error if _error_page(e.value)]
    return problems


def assert_page_ok(at: Any) -> Any:
    problems = page_problems(at)
    assert not problems, "; ".join(problems)
    return at


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{ERROR_PAGE_MARK}: the test expects the guard's error page (no AppTest "
                                       "run check)")


@pytest.fixture(autouse=True)
def _every_apptest_run_checked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    module = sys.modules.get("streamlit.testing.v1.app_test")  # loaded only by modules that use AppTest
    if module is None or request.node.get_closest_marker(ERROR_PAGE_MARK):
        return
    original = module.AppTest._run

    def checked_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        return assert_page_ok(original(self, *args, **kwargs))

    monkeypatch.setattr(module.AppTest, "_run", checked_run)
