"""`assemblee` and `python -m assemblee_cli`."""

from __future__ import annotations

import os
import sys


def main() -> None:
    try:
        from assemblee_cli.cli import run

        code = run(sys.argv[1:])
    except Exception as exc:  # a bug: say so in one line, details on demand
        if os.environ.get("ASSEMBLEE_DEBUG"):
            raise
        sys.stderr.write(
            f"Erreur interne inattendue ({type(exc).__name__}: {exc}). Relancez avec "
            "ASSEMBLEE_DEBUG=1 pour le détail, et signalez-la.\n"
        )
        code = 3
    sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
