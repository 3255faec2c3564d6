"""Commands for many members on one shared remote: `sync`, `verify`, `hook pre-receive`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from assemblee_cli.cli.app import (
    Json,
    app,
    clock,
    console,
    counting,
    open_here,
    print_json,
    working,
)
from assemblee_cli.cli.french_help import FrenchCommand, FrenchGroup

hook_app = typer.Typer(
    help="Gardes à installer sur le serveur git de l'assemblée.",
    no_args_is_help=True,
    cls=FrenchGroup,
)
app.add_typer(hook_app, name="hook")


@app.command(cls=FrenchCommand)
def sync(as_json: Json = False) -> None:
    """Publier ce qui a été fait avec --offline, rejoué sur ce que les autres ont publié."""
    from assemblee_cli.usecases.sync import sync as sync_offline

    with working("Publication du travail fait hors ligne…"):
        lines = sync_offline(open_here(False), clock())
    if as_json:
        print_json([{"proposition": ln.name, "texte": ln.text, "ok": ln.ok} for ln in lines])
        if not all(line.ok for line in lines):
            sys.exit(1)
        return
    out = console()
    for line in lines:
        mark = "✔" if line.ok else "✘"
        out.print(f"{mark} {line.name + ' : ' if line.name else ''}{line.text}")
    if not all(line.ok for line in lines):
        sys.exit(1)


@app.command(cls=FrenchCommand)
def verify(
    offline: Annotated[
        bool, typer.Option("--offline", help="Ne pas échanger avec le dépôt partagé.")
    ] = False,
    everything: Annotated[
        bool,
        typer.Option(
            "--tout",
            help="Tout revérifier depuis le début, sans s'appuyer sur ce qui a déjà été prouvé.",
        ),
    ] = False,
    as_json: Json = False,
) -> None:
    """Rejouer l'historique et vérifier chaque avis, chaque clôture et chaque fusion (ce qui
    est nouveau depuis la dernière vérification ; tout avec --tout)."""
    from assemblee_cli.usecases.verify import verify as run_verify

    with counting("Vérification de l'historique") as progress:
        report = run_verify(open_here(offline), full=everything, progress=progress)
    if as_json:
        print_json(
            {
                "anomalies": [
                    {"proposition": f.proposal, "commit": f.commit, "message": f.message}
                    for f in report.findings
                ],
                "propositions": len(report.proposals),
                "commits": report.commits,
                "fusions": report.merges,
            }
        )
    else:
        out = console()
        summary = (
            f"{len(report.proposals)} proposition(s), {report.commits} commit(s) de proposition "
            f"et {report.merges} fusion(s) vérifiés"
        )
        if not report.findings:
            out.print(f"✔ {summary} : aucune anomalie.")
        else:
            out.print(f"✘ {summary} : {len(report.findings)} anomalie(s).")
            for finding in report.findings:
                where = f" (commit {finding.commit[:10]})" if finding.commit else ""
                out.print(f"  • {finding.proposal}{where} : {finding.message}")
    if report.findings:
        sys.exit(1)


@hook_app.command("pre-receive", cls=FrenchCommand)
def pre_receive_hook() -> None:
    """Refuser, à l'heure du serveur : les avis après l'échéance ou datés d'une autre heure que
    leur arrivée, les avis écrits par un autre que le membre, les propositions ouvertes dans le
    passé, les push forcés sur main et les propositions, et toute modification du texte sur
    main hors d'une proposition adoptée (à appeler depuis hooks/pre-receive du dépôt partagé)."""
    from assemblee_cli.cli.hooks import pre_receive

    if pre_receive():
        sys.exit(1)


@hook_app.command("post-receive", cls=FrenchCommand)
def post_receive_hook() -> None:
    """Inscrire dans refs/assemblee/recus, à l'heure du serveur, chaque commit reçu (à appeler
    depuis hooks/post-receive du dépôt partagé) : verify prouve ainsi quand chaque avis est
    arrivé et que rien de reçu n'a été effacé."""
    from assemblee_cli.cli.hooks import post_receive

    post_receive()
