"""`assemblee site DIR`: the public pages, without forms, as files for any static host."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path

from assemblee_cli.errors import AssembleeError
from assemblee_cli.store.assembly import Assembly
from assemblee_cli.web import pages
from assemblee_cli.web.render import Links, environment, render


def build_site(assembly: Assembly, now: datetime, directory: Path, base: str) -> int:
    """Write the site; returns the number of files written."""
    from assemblee_cli.render.ics import render_ics
    from assemblee_cli.store.reading import decided_journal, open_items
    from assemblee_cli.usecases.calendar import coming_events

    links = Links(static=True)
    env = environment()
    files: dict[str, str | bytes] = {}
    home = pages.home(assembly, now)
    files["index.html"] = render(env, "home.html", links, **home, token=None)
    items, _errors = open_items(assembly)
    decided, _errors = decided_journal(assembly)
    for number in [i.proposal.id for i in items] + [p.id for p in decided]:
        data = pages.proposal(assembly, now, str(number))
        files[links.proposal(number)] = render(
            env, "proposal.html", links, **data, token=None, form=None
        )
    files["code-social.html"] = render(
        env, "codesocial.html", links, **pages.code_social(assembly, now), token=None
    )
    files["decisions.html"] = render(
        env, "decisions.html", links, **pages.register(assembly, now), token=None
    )
    files["calendrier.ics"] = render_ics(coming_events(assembly, now)).data
    files["flux.atom"] = pages.atom(assembly, now, base.rstrip("/") or ".")
    css = resources.files("assemblee_cli.web").joinpath("static/style.css").read_bytes()
    files["static/style.css"] = css
    try:
        for name, content in files.items():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
    except OSError as exc:
        raise AssembleeError(
            f"Impossible d'écrire le site dans {directory} ({exc.strerror or exc})."
        ) from None
    return len(files)
