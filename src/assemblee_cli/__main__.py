"""`assemblee` and `python -m assemblee_cli`: the one place that turns errors into exit codes.

0 done; 1 refused or invalid input (an AssembleeError: one French sentence on stderr, or its own
code); 2 usage error (turned into French by the command-line skin); 130 interrupted; 3 a bug."""

from __future__ import annotations

import os
import sys
from types import ModuleType  # already loaded by the interpreter (typing would cost 5 ms)


def main() -> None:
    from assemblee_cli.cli.quick_help import kept

    page = kept(sys.argv[1:])  # `--help` as printed last time: no typer to import
    if page is not None:
        if sys.stdout is not None:  # none when the output is closed: click prints nothing then
            sys.stdout.write(page)
            sys.stdout.flush()
        sys.exit(0)
    from assemblee_cli.cli.hooks import is_hook, run_hook
    from assemblee_cli.errors import AssembleeError

    try:
        if is_hook(sys.argv[1:]):  # a guard, run by git on every push: no typer to import
            code = run_hook(sys.argv[2])
        else:
            from assemblee_cli.cli.main import run
            from assemblee_cli.cli.web import plug_web

            plug_web(_web_skin)
            code = run(sys.argv[1:])
    except AssembleeError as exc:
        sys.stderr.write(exc.message.rstrip() + "\n")
        code = exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("Interrompu.\n")
        code = 130
    except Exception as exc:  # a bug: say so in one line, details on demand
        if os.environ.get("ASSEMBLEE_DEBUG"):
            raise
        sys.stderr.write(
            f"Erreur interne inattendue ({type(exc).__name__}: {exc}). Relancez avec "
            "ASSEMBLEE_DEBUG=1 pour le détail, et signalez-la.\n"
        )
        code = 3
    if sys.stdout is not None:
        sys.stdout.flush()
    sys.exit(code)


def _web_skin() -> ModuleType:
    """The web skin, loaded only by `serve` and `site`. The entry point is the one layer that
    sees both skins: cli/ and web/ never import each other."""
    from assemblee_cli.web import server

    return server


if __name__ == "__main__":
    main()
