"""A fork server for `assemblee serve` in the tests (run as a script, one per test session).

A server started as `python -m assemblee_cli serve` spends most of its start-up (some 0.5 s of
CPU) importing the tool, the web stack and GitPython. This process imports them once; for each
server a test asks for, it forks, and the child becomes that server: its own working
directory, environment, arguments and log (stdout and stderr), then the real entry point,
`assemblee_cli.__main__.main()`, as `python -m assemblee_cli` would run it. The child exits as
any Python process does (atexit, the threads joined, the streams flushed).

It only imports: nothing of the tool runs before a fork, so every server starts from the state
a fresh interpreter would have after these imports (the `random` module is seeded again in each
child by Python itself). It has no thread, so forking it is safe.

Requests on stdin, one JSON object a line; one answer a line on stdout:
    {"start": {"argv": [...], "cwd": "...", "env": {...}, "log": "..."}}  ->  {"pid": 1234}
    {"poll": 1234}  ->  {"returncode": null}, or the code as subprocess.Popen gives it
At the end of stdin (the test session is over), the servers still running are stopped."""

from __future__ import annotations

import gc
import io
import json
import os
import signal
import sys
from typing import Any

PRELOADED = (
    # What `serve` imports, in the order it does (its start and its pages).
    "assemblee_cli.__main__",
    "assemblee_cli.cli.main",
    "assemblee_cli.cli.web",
    "assemblee_cli.usecases.links",
    "git",
    "assemblee_cli.web.server",
    "assemblee_cli.web.app",
    "uvicorn",
    "uvicorn.loops.auto",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.lifespan.on",
    "assemblee_cli.render.announce",
    "assemblee_cli.usecases.blame",
    "assemblee_cli.render.ics",
    "assemblee_cli.usecases.calendar",
    "markdown_it",
    "icalendar",
    "python_multipart",
)


def preload() -> None:
    import importlib

    for name in PRELOADED:
        importlib.import_module(name)


def requests() -> dict[str, Any] | None:
    """Answer requests until one asks for a server; returns its job in the child (None in this
    process once stdin is closed)."""
    codes: dict[int, int] = {}
    running: set[int] = set()
    for line in sys.stdin:
        request = json.loads(line)
        if "start" in request:
            pid = os.fork()
            if pid == 0:
                return dict(request["start"])
            running.add(pid)
            answer: dict[str, Any] = {"pid": pid}
        else:
            pid = int(request["poll"])
            if pid in running:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    running.discard(pid)
                    codes[pid] = os.waitstatus_to_exitcode(status)
            answer = {"returncode": codes.get(pid)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    for pid in running:
        os.kill(pid, signal.SIGTERM)
    for pid in running:
        os.waitpid(pid, 0)
    return None


def stream(fd: int, mode: str, like: Any) -> io.TextIOWrapper:
    """A text stream over `fd` like this interpreter's stream `like` over its pipe: the same
    encoding and buffering (a pipe and a file alike are not terminals: stderr line by line,
    stdout by blocks, neither with -u or PYTHONUNBUFFERED)."""
    raw = io.FileIO(fd, mode, closefd=False)
    buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
    return io.TextIOWrapper(
        buffered,
        encoding=like.encoding,
        errors=like.errors,
        line_buffering=like.line_buffering,
        write_through=like.write_through,
    )


def become(job: dict[str, Any]) -> None:
    """In the child: take the job's place and run the tool's entry point (it exits)."""
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    # The streams a fresh interpreter would have over these descriptors.
    sys.stdin = sys.__stdin__ = stream(0, "r", sys.stdin)
    sys.stdout = sys.__stdout__ = stream(1, "w", sys.stdout)
    sys.stderr = sys.__stderr__ = stream(2, "w", sys.stderr)
    import assemblee_cli.__main__ as entry

    sys.argv = [str(entry.__file__), *job["argv"]]
    sys.path[0] = os.getcwd()  # as `python -m` sets it
    entry.main()


if __name__ == "__main__":
    preload()
    # What was imported lives as long as the process, as in any server: out of the collector's
    # sight, its pages are not copied into each child by a collection.
    gc.freeze()
    job = requests()
    if job is not None:
        become(job)
