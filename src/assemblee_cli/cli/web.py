"""Commands of the web page: `serve`, `links`, `site`.

The web skin (web/: starlette, jinja2, uvicorn) is plugged in by the entry point
(`assemblee_cli.__main__`, the one layer above both skins: cli/ and web/ never import each
other) and loaded only when `serve` or `site` run, so every other command stays as fast."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from assemblee_cli.cli.app import Ident, Json, Offline, app, clock, open_here, print_json
from assemblee_cli.cli.french_help import FrenchCommand
from assemblee_cli.errors import AssembleeError

Url = Annotated[
    str | None,
    typer.Option(
        "--url",
        metavar="URL",
        help="Adresse publique de la page, celle que les membres atteignent (par défaut : "
        "ASSEMBLEE_URL, puis git config assemblee.url, puis http://127.0.0.1:8000).",
    ),
]

_skin: dict[str, Callable[[], Any]] = {}


def plug_web(loader: Callable[[], Any]) -> None:
    """Called by the entry point: `loader()` returns the web skin (assemblee_cli.web.server)."""
    _skin["web"] = loader


def _web() -> Any:
    if "web" not in _skin:
        raise AssembleeError("La page web n'est pas disponible dans cette installation.")
    return _skin["web"]()


@app.command(cls=FrenchCommand)
def serve(
    host: Annotated[str, typer.Option("--host", help="Adresse d'écoute.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port d'écoute.")] = 8000,
    url: Url = None,
) -> None:
    """La page web de l'assemblée : propositions ouvertes, changement mot à mot, positions,
    code social, décisions, calendrier et flux ; chaque membre vote par son lien personnel."""
    from assemblee_cli.usecases.links import signer_and_url

    assembly = open_here(False)
    assembly.rules_at(assembly.trunk)  # refuses a repository that is not a code social
    signer, base = signer_and_url(assembly, url or f"http://{host}:{port}")
    identity = assembly.identity()
    sys.stderr.write(
        f"Page de l'assemblée sur {base} (écoute {host}:{port}) ; les votes sont enregistrés "
        f"par {identity.email}. Ctrl+C pour arrêter.\n"
    )
    if not assembly.roster_at(assembly.trunk).may_record_for_others(identity.email):
        sys.stderr.write(
            f"Attention : {identity.email} n'a pas le rôle « secretariat » dans "
            "codesocial/membres.yml : les pages se lisent, mais chaque position envoyée depuis "
            "un lien personnel sera refusée. Donnez ce rôle à cette identité (par une "
            "proposition), ou lancez la page avec l'identité git d'un membre du secrétariat "
            "(git config user.email).\n"
        )
    _web().serve(assembly.root, host, port, base, signer.secret)


@app.command(cls=FrenchCommand)
def links(ident: Ident, url: Url = None, as_json: Json = False, offline: Offline = False) -> None:
    """Le lien personnel de chaque membre pour une proposition (les membres de la liste
    figée à son ouverture) : à envoyer à chacun·e, jamais à une liste."""
    from assemblee_cli.usecases.links import existing_secret
    from assemblee_cli.usecases.links import links as member_links

    assembly = open_here(offline)
    new_secret = existing_secret(assembly.private_folder) is None
    [found] = member_links(assembly, clock(), [ident], url)
    if new_secret:
        sys.stderr.write(
            "Un nouveau secret de page web vient d'être créé dans ce clone "
            "(.git/assemblee/web-secret) : ces liens ne valent que pour une page lancée depuis "
            "ce clone (assemblee serve), ou avec le même secret (ASSEMBLEE_WEB_SECRET).\n"
        )
    if as_json:
        print_json([{"membre": m, "lien": link} for m, link in found.links])
        return
    for member, link in found.links:
        sys.stdout.write(f"{member}\t{link}\n")


@app.command(cls=FrenchCommand)
def site(
    directory: Annotated[Path, typer.Argument(metavar="DOSSIER", help="Dossier à remplir.")],
    url: Url = None,
    offline: Offline = False,
) -> None:
    """Les pages publiques (sans formulaires) en site statique, pour tout hébergeur de pages
    (GitLab ou Framagit Pages…)."""
    count = _web().build_site(open_here(offline), clock(), directory, (url or "").rstrip("/"))
    sys.stderr.write(f"{count} fichiers écrits dans {directory}.\n")


def check_links_can_be_sent(assembly: Any) -> None:
    """Refuse, before anything is sent, to mail links that the page would not recognise."""
    from assemblee_cli.usecases.links import signer_and_url

    signer_and_url(assembly, None, create=False)


def send_personal_messages(
    settings: Any, assembly: Any, now: Any, idents: list[str], only_silent: bool
) -> int:
    """Each member their own message with their personal link: for every proposal in
    `idents` (announce), or only the proposals they have not taken part in (remind).
    Returns the number of messages sent."""
    from dataclasses import replace

    from assemblee_cli.mail import smtp as mailer
    from assemblee_cli.render.personal import personal_message
    from assemblee_cli.usecases.links import links as member_links

    roster = assembly.roster_at(assembly.trunk)
    name = assembly.rules_at(assembly.trunk).name
    per_member: dict[str, list[tuple[Any, str]]] = {}
    for found in member_links(assembly, now, idents, create_secret=False):
        for member, link in found.links:
            if not only_silent or member in found.silent:
                per_member.setdefault(member, []).append((found.proposal, link))
    for member, entries in per_member.items():
        subject, body = personal_message(roster.name_of(member), name, entries, only_silent)
        personal = replace(settings, recipient=member)
        mailer.send(personal, mailer.build_message(personal, subject, body, now))
    return len(per_member)
