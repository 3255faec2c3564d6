"""Fixtures of the web page's tests: a real server over a copy of the base assembly, and a real
headless Chromium (a fresh context of the session's, tests/web/browser.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.helpers import Assembly
from tests.web.browser import browser, shots  # noqa: F401  (fixtures for the tests here)
from tests.web.server import (
    NOW,
    SERVER_MEMBER,
    Web,
    add_members,
    close_fork_server,
    server_clone,
    start_server,
)


@pytest.fixture(scope="session", autouse=True)
def fork_server_stopped() -> Iterator[None]:
    """The fork server of the web tests' servers (tests/web/server.py) stops with the session."""
    yield
    close_fork_server()


@pytest.fixture()
def web(assembly: Assembly) -> Iterator[Web]:
    add_members(assembly, SERVER_MEMBER)
    server = start_server(assembly, server_clone(assembly), NOW)
    try:
        yield server
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
    assert "Traceback" not in server.log.read_text(encoding="utf-8")
