"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, never downloaded.
In CI (CI set) a missing browser fails the test; elsewhere it skips it.

One Chromium per test session (per xdist worker), launched by the first test that needs it;
each test gets a fresh browser context of its own (its own cookies, storage and cache, like a
new browser), closed after it: a launch costs some 1.5 s of CPU, a context a tenth of that.
While Playwright runs, the main thread has a running asyncio loop (Playwright's sync API):
a test that calls asyncio.run() itself would be refused; none does."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} : obligatoire en CI (.ci/run installe chromium).")
    pytest.skip(what)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """The session's headless Chromium (a Playwright Browser)."""
    path = chromium_path()
    if path is None:
        missing("chromium absent")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright absent")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture()
def browser(chromium: Any) -> Iterator[Any]:
    """A fresh browser context of the session's Chromium (`browser.new_page()` opens a tab)."""
    context = chromium.new_context()
    try:
        yield context
    finally:
        context.close()


@pytest.fixture()
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: $TEST_CAPTURES (kept as test artifacts), else tmp."""
    folder = Path(os.environ.get("TEST_CAPTURES") or tmp_path / "captures")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
