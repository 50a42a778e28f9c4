"""Fixtures shared by the test modules that drive a real browser."""

from __future__ import annotations

import pytest


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
