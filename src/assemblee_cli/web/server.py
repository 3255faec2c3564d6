"""The web skin's entry points for the command line: run the server, write the static site."""

from __future__ import annotations

import logging
from pathlib import Path

from assemblee_cli.web.site import build_site

__all__ = ["build_site", "serve"]


def serve(root: Path, host: str, port: int, url: str, secret: bytes) -> None:
    import uvicorn

    from assemblee_cli.web.app import create_app

    # The server's own log on stderr: each request (its path without any personal link) and
    # each page recomputed, with what it had to read again.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("assemblee.web")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    # No access log: a personal link's token is in its path (the app logs paths without it).
    uvicorn.run(
        create_app(root, url, secret), host=host, port=port, access_log=False, log_level="warning"
    )
