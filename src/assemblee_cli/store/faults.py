"""Named points in the commands that write, where a test can kill the process (SIGKILL) to
prove that an interruption at any step leaves a valid repository and a rerun finishes the job;
and points where a test can hold a long-running process (the web page's builder) to see what
others get meanwhile.

`ASSEMBLEE_TEST_KILL_AT=close:before-publish` kills the process when it reaches that point;
`ASSEMBLEE_TEST_PAUSE_AT=web:rebuild@/some/file` holds it there while that file exists (a minute
at most). The variables are meant for the test suite only; unset, a point costs one dictionary
lookup."""

from __future__ import annotations

import os
import signal
import time

POINTS = (
    "close:planned",
    "publish:before",
    "publish:pushed",
    "publish:mirrored",
    "publish:local-refs-moved",
)
PAUSES = ("web:rebuild",)
PAUSE_LIMIT = 60.0  # seconds


def checkpoint(name: str) -> None:
    if os.environ.get("ASSEMBLEE_TEST_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def pause(name: str) -> None:
    point, _at, path = os.environ.get("ASSEMBLEE_TEST_PAUSE_AT", "").partition("@")
    if point != name or not path:
        return
    until = time.monotonic() + PAUSE_LIMIT
    while os.path.exists(path) and time.monotonic() < until:
        time.sleep(0.05)
