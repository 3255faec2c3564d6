"""The command line people expect (issue 11, item 8): --version, a suggestion in French for a
mistyped command, --json on sync."""

from __future__ import annotations

import json

from tests.helpers import run_cli

from assemblee_cli import __version__


def test_version(tmp_path):
    proc = run_cli(tmp_path, "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"assemblee {__version__}"


def test_a_mistyped_command_gets_a_suggestion_in_french(tmp_path):
    proc = run_cli(tmp_path, "statsu")
    assert proc.returncode == 2
    assert "Vouliez-vous dire « status » ?" in proc.stderr and "Did you mean" not in proc.stderr


def test_sync_speaks_json(assembly):
    proc = assembly.run("bob", "sync", "--json")
    assert proc.returncode == 0
    [line] = json.loads(proc.stdout)
    assert line["ok"] is True and "Rien à publier" in line["texte"]


def test_a_long_command_says_it_works_on_a_terminal_only(assembly) -> None:
    """On a terminal, `verify` shows what it is doing while it works (on stderr); in a pipe it
    prints nothing more than its result."""
    import os
    import pty
    import sys

    clone = assembly.path("alice")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the tool on a terminal
        os.chdir(clone)
        os.execvp(sys.executable, [sys.executable, "-m", "assemblee_cli", "verify"])
    shown = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, shown
    assert "Vérification de l'historique" in shown.decode("utf-8", "replace")
    assert "1 / 1 commits" in shown.decode("utf-8", "replace")  # how far it is
    piped = assembly.ok("alice", "verify")
    assert piped.stderr == "" and "Vérification" not in piped.stdout


def test_shell_completion_of_commands(tmp_path) -> None:
    """`--show-completion bash` prints the script to install; the shell's request for the
    commands starting with « sta » gets « status »."""
    import os
    import subprocess
    import sys

    script = run_cli(tmp_path, "--show-completion", "bash")
    assert script.returncode == 0 and "_assemblee_completion" in script.stdout
    asked = subprocess.run(
        [sys.executable, "-m", "assemblee_cli"],
        env={
            **os.environ,
            "_ASSEMBLEE_COMPLETE": "complete_bash",
            "COMP_WORDS": "assemblee sta",
            "COMP_CWORD": "1",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert asked.stdout.split() == ["status"], asked.stdout + asked.stderr


def test_the_help_lists_the_commands_without_making_them():
    """`assemblee --help` lists each command from its help text (issue 14: the start-up of
    --help), and the page is the one typer writes when it makes every command, at any width;
    a command asked for by name is then made, with its parameters."""
    import typer.main
    from typer._click import Context

    from assemblee_cli.cli.french_help import LazyCommands
    from assemblee_cli.cli.main import _group, app

    for width in (40, 80, 120):
        lazy, full = _group(), typer.main.get_command(app)
        page = lazy.get_help(Context(lazy, info_name="assemblee", terminal_width=width))
        assert page == full.get_help(Context(full, info_name="assemblee", terminal_width=width))
        commands = lazy.commands
        assert isinstance(commands, LazyCommands)
        assert list(commands) == list(full.commands)  # the same commands, in the same order
        assert set(commands._makers) == set(full.commands) - {"hook"}  # none made
    vote = lazy.get_command(Context(lazy), "vote")
    assert [p.name for p in vote.params] == [p.name for p in full.commands["vote"].params]
    assert "vote" not in commands._makers and lazy.get_command(Context(lazy), "voter") is None
