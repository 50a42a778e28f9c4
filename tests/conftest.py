"""Fixtures shared by the test modules that drive a real browser."""

from __future__ import annotations

import pytest

#: Every AppTest run is checked for an exception and for the guard's error page (tests/support/apptest.py).
pytest_plugins = ["tests.support.apptest"]

#: How long Playwright's expect() waits for a page to show something: a hang guard, not a pace. Its own default
#: (5 s) is overrun on a busy machine; page actions get theirs from each test's ``page.set_default_timeout``.
EXPECT_TIMEOUT_MS = 60_000


def pytest_configure(config):
    try:
        from playwright.sync_api import expect
    except ImportError:  # the browser tests then fail on their own, naming what is missing
        return
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, one per module (fails, never skips, when it is missing).

    Module scope, not session: a module that starts Playwright itself (test_privacy) must not find one running.
    """
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def overdue_server(tmp_path_factory):
    """A real streamlit server serving a copy of the content whose review is overdue (PATHWAY_FILE), with its
    translations beside it (tests/support/content.py); stopped at the end of the module."""
    from tests.support.content import overdue_copy
    from tests.support.server import start_streamlit

    directory = tmp_path_factory.mktemp("overdue")
    server = start_streamlit(directory / "streamlit.log", env={"PATHWAY_FILE": str(overdue_copy(directory))})
    yield server
    server.stop()
