"""Named points in the commands that write, where a test can kill the process (SIGKILL) to
prove that an interruption at any step leaves a valid repository and a rerun finishes the job.

`ASSEMBLEE_TEST_KILL_AT=close:before-publish` kills the process when it reaches that point. The
variable is meant for the test suite only; unset, a checkpoint costs one dictionary lookup."""

from __future__ import annotations

import os
import signal

POINTS = (
    "close:planned",
    "publish:before",
    "publish:pushed",
    "publish:mirrored",
    "publish:local-refs-moved",
)


def checkpoint(name: str) -> None:
    if os.environ.get("ASSEMBLEE_TEST_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
