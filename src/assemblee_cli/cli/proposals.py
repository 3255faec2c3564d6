"""Commands of the proposal cycle: init, rules, calendar, propose, vote, status, show, close,
relaunch, withdraw."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from assemblee_cli.cli.app import (
    Ident,
    Json,
    Offline,
    app,
    clock,
    console,
    escape,
    open_here,
    print_json,
    waits_for_sync,
    when,
    workdir,
    working,
)
from assemblee_cli.cli.french_help import FrenchCommand

# -- init, rules, calendar -----------------------------------------------------------------


@app.command(cls=FrenchCommand)
def init(
    directory: Annotated[
        Path, typer.Argument(metavar="[DOSSIER]", help="Dossier à créer (par défaut : ici).")
    ] = Path("."),
    nom: Annotated[str | None, typer.Option("--nom", help="Nom de l'assemblée.")] = None,
    source: Annotated[
        str | None,
        typer.Option("--from", help="Dupliquer le code social de ce dépôt (chemin ou adresse)."),
    ] = None,
) -> None:
    """Créer un dépôt de code social (modèle et règles de Lille), ou en dupliquer un."""
    from assemblee_cli.usecases.init import initialise

    base = workdir()
    target = directory if directory.is_absolute() else base / directory
    result = initialise(target, nom, source)
    out = console()
    origin = f", dupliqué depuis {result.source}" if result.source else ""
    out.print(escape(f"Code social « {result.name} » créé dans {result.path}{origin}."))
    out.print(escape(f"Premier membre : {result.member.name} <{result.member.email}>."))
    out.print(
        "Complétez les sections (sections/) puis proposez vos changements : assemblee propose « titre »."
    )


@app.command("rules", cls=FrenchCommand)
def rules_command(offline: Offline = False, as_json: Json = False) -> None:
    """Afficher en français les règles de décision en vigueur sur main."""
    from assemblee_cli.formats.codesocial import rules_to_data
    from assemblee_cli.render.rules import rules_lines

    assembly = open_here(offline)
    assembly.refresh()
    rules = assembly.rules_at(assembly.trunk, strict=True)
    roster = assembly.roster_at(assembly.trunk, strict=True)
    if as_json:
        print_json({"regles": rules_to_data(rules), "membres": len(roster.members)})
        return
    out = console()
    out.print(f"[bold]Règles en vigueur — {escape(rules.name)}[/bold]\n")
    for label, text in rules_lines(rules, roster):
        out.print(f"[bold]{label}[/bold] : {text}")


@app.command("calendar", cls=FrenchCommand)
def calendar_command(
    offline: Offline = False,
    as_json: Json = False,
    count: Annotated[
        int, typer.Option("--reunions", min=1, max=36, help="Nombre de réunions à afficher.")
    ] = 6,
    ics: Annotated[
        bool,
        typer.Option(
            "--ics", help="Écrire un fichier iCalendar : réunions et échéances des propositions."
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--sortie", metavar="FICHIER", help="Avec --ics : écrire dans ce fichier."
        ),
    ] = None,
) -> None:
    """Les prochaines réunions, et l'échéance d'une proposition ouverte maintenant."""
    from assemblee_cli.render.rules import calendar_view, describe_meetings
    from assemblee_cli.usecases.common import holidays_of

    assembly = open_here(offline)
    assembly.refresh()
    rules = assembly.rules_at(assembly.trunk)
    now = clock()
    if ics:
        from assemblee_cli.cli.publication import write_ics

        write_ics(assembly, now, count, output)
        return
    if output is not None:
        from assemblee_cli.errors import UsageError

        raise UsageError(
            "L'option -o ne sert qu'avec --ics : assemblee calendar --ics -o agenda.ics."
        )
    view = calendar_view(rules, now, holidays_of(rules), count)
    if as_json:
        print_json(view)
        return
    out = console()
    out.print(f"Maintenant : {when(now, rules)}.")
    out.print(
        f"Une proposition ouverte maintenant serait close le [bold]{view['echeance_texte']}[/bold] "
        f"({rules.decision.minimum_hours} h hors week-ends et jours fériés)."
    )
    for holiday in view["jours_feries_dans_le_delai"]:
        out.print(f"  jour férié non compté : {holiday['date']} {holiday['nom']}")
    out.print(f"\nRéunions ({describe_meetings(rules)}) :")
    for meeting in view["reunions"]:
        out.print(f"  • {meeting['texte']}")


# -- the proposal cycle --------------------------------------------------------------------


@app.command(cls=FrenchCommand)
def propose(
    titre: Annotated[str, typer.Argument(metavar="TITRE", help="Titre de la proposition.")],
    message: Annotated[
        str, typer.Option("-m", "--message", help="Description publique (markdown).")
    ] = "",
    until: Annotated[
        str | None,
        typer.Option("--until", help="Échéance plus tardive (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)."),
    ] = None,
    challenges: Annotated[
        str | None,
        typer.Option("--challenges", metavar="ID", help="Remettre en cause la décision ID."),
    ] = None,
    offline: Offline = False,
    as_json: Json = False,
) -> None:
    """Ouvrir une proposition à partir des modifications en cours (copie de travail ou commits)."""
    from assemblee_cli.core.tally import Tally
    from assemblee_cli.render.json import proposal_json

    assembly = open_here(offline)
    from assemblee_cli.usecases import propose

    result = propose.propose(assembly, clock(), titre, message, until, challenges)
    p = result.proposal
    if as_json:
        print_json(
            proposal_json(p, Tally()) | {"fichiers": list(result.files), "source": result.source}
        )
        return
    out = console()
    out.print(escape(f"Proposition n°{p.id} ouverte : « {p.title} » (branche {p.branch})."))
    out.print(f"Texte pris : {result.source}.")
    if result.files:
        out.print(escape("Fichiers modifiés : " + ", ".join(result.files) + "."))
        if result.restored:
            out.print(
                escape(
                    "Votre modification est partie sur la branche de la proposition ; dans votre "
                    "copie de travail, "
                    + ", ".join(result.restored)
                    + (" reprennent" if len(result.restored) > 1 else " reprend")
                    + " le texte de main (git pull apportera la décision quand elle sera prise)."
                )
            )
        else:
            out.print("Votre copie de travail n'a pas été modifiée.")
        if result.from_branch:
            out.print(
                escape(
                    "Pour l'amender, faites vos commits sur la branche de la proposition (git "
                    f"switch {p.branch}, commit, git push) : la vôtre n'en est qu'une copie."
                )
            )
    else:
        out.print(
            "Aucune modification du texte : c'est une décision sans texte"
            + ("." if p.description else " ; décrivez-la avec -m « ce que l'assemblée décide ».")
        )
    out.print(f"Échéance : [bold]{when(p.round.deadline, p.rules)}[/bold].")
    out.print(
        f"Pour se positionner : assemblee vote {p.id} d-accord | abstention | pas-d-accord | blocage -r « raison »."
    )
    waits_for_sync(
        assembly,
        "la proposition n'est enregistrée que dans votre copie ; « assemblee sync » la publiera "
        "(sous un autre numéro si le sien a été pris, et son délai partira de la publication).",
    )


@app.command(cls=FrenchCommand)
def vote(
    ident: Ident,
    choix: Annotated[
        str, typer.Argument(metavar="CHOIX", help="d-accord, abstention, pas-d-accord ou blocage.")
    ],
    raison: Annotated[
        str | None,
        typer.Option("-r", "--raison", "--reason", help="La raison (obligatoire pour un blocage)."),
    ] = None,
    member: Annotated[
        str | None,
        typer.Option(
            "--member", "--membre", help="Enregistrer l'avis de ce membre (secrétariat de réunion)."
        ),
    ] = None,
    offline: Offline = False,
) -> None:
    """Se positionner sur une proposition ouverte."""
    from assemblee_cli.core.french import of
    from assemblee_cli.core.lifecycle import choice_label

    assembly = open_here(offline)
    from assemblee_cli.usecases import vote

    result = vote.vote(assembly, clock(), ident, choix, raison, member)
    p = result.proposal
    out = console()
    if result.amended:
        out.print(
            "Le texte a été modifié depuis l'ouverture du tour : les avis précédents ne comptent plus."
        )
    mine = result.vote.recorded_by is None
    name = assembly.roster_at(assembly.trunk).name_of(result.vote.member)
    who = "Votre avis" if mine else f"L'avis {of(name)} ({result.vote.member})"
    verb = "remplace le précédent" if result.replaced else "est enregistré"
    may = "Vous pouvez" if mine else "Il ou elle peut"
    out.print(
        f"{who} sur la proposition n°{p.id} ({choice_label(result.vote.choice)}) {verb}. "
        f"{may} en changer jusqu'au {when(p.round.deadline, p.rules)}."
    )
    waits_for_sync(
        assembly,
        "cet avis n'est enregistré que dans votre copie : il ne compte qu'une fois publié par "
        "« assemblee sync », avant l'échéance.",
    )


@app.command(cls=FrenchCommand)
def status(offline: Offline = False, as_json: Json = False) -> None:
    """Les propositions ouvertes (échéance, temps restant, décompte, votre avis), puis les dernières décisions."""
    from assemblee_cli.cli.tables import render_status
    from assemblee_cli.core.tally import Tally
    from assemblee_cli.render.json import proposal_json

    assembly = open_here(offline)
    from assemblee_cli.usecases import status

    view = status.status(assembly, clock())
    if as_json:
        print_json(
            {
                "ouvertes": [
                    proposal_json(v.proposal, v.tally)
                    | {
                        "texte_modifie": v.amended,
                        "mon_avis": v.my_vote.choice.value if v.my_vote else None,
                        "probleme": "conflit" if v.conflict else None,
                    }
                    for v in view.open
                ],
                "decisions": [proposal_json(p, p.round.tally or Tally()) for p in view.decided],
                "erreurs": view.errors,
            }
        )
        return
    render_status(console(), view)
    if view.errors and not view.open and not view.decided:
        sys.exit(1)  # nothing could be read: a failure; otherwise the others keep working


@app.command(cls=FrenchCommand)
def show(ident: Ident, offline: Offline = False, as_json: Json = False) -> None:
    """Une proposition : description, modification du texte, tours et avis."""
    from assemblee_cli.cli.tables import render_show
    from assemblee_cli.render.json import proposal_json, rounds_json, vote_json

    assembly = open_here(offline)
    from assemblee_cli.usecases import show

    view = show.show(assembly, clock(), ident)
    if as_json:
        counted_ids = {id(v) for v in view.counted.values()}
        print_json(
            proposal_json(view.proposal, view.tally)
            | {
                "description": view.proposal.description,
                "fichiers": list(view.proposal.files),
                "tours": rounds_json(view.proposal),
                "votes": [vote_json(v, id(v) in counted_ids) for v in view.proposal.votes],
                "diff": view.diff,
            }
        )
        return
    render_show(console(), view)


@app.command(cls=FrenchCommand)
def close(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Expliquer chaque décision sans rien écrire.")
    ] = False,
    offline: Offline = False,
    as_json: Json = False,
) -> None:
    """Appliquer chaque proposition arrivée à échéance : fusionner, reporter ou rejeter."""
    assembly = open_here(offline)
    from assemblee_cli.usecases import close

    with working("Clôture des propositions échues…"):
        items = close.close(assembly, clock(), dry_run)
    if as_json:
        print_json(
            [
                {
                    "id": i.id,
                    "statut": i.status,
                    "titre": i.title,
                    "explication": i.explanation,
                    "applique": i.applied,
                    "probleme": i.problem,
                    "commandes": list(i.commands),
                }
                for i in items
            ]
        )
        _close_problems(items, dry_run)
        return
    out = console()
    if not items:
        out.print("Aucune proposition n'est arrivée à échéance.")
        return
    from assemblee_cli.core.lifecycle import STATUS_LABELS, Status

    prefix = "\\[simulation] " if dry_run else ""
    for item in items:
        if item.problem == "fichier-illisible":
            out.print(f"[red]Proposition illisible[/red] : {escape(item.explanation)}")
            continue
        label = STATUS_LABELS[Status(item.status)] if item.status else "?"
        if item.problem == "conflit":
            label = "en conflit avec main, non fusionnée"
        elif item.problem == "codesocial-invalide":
            label = "refusée à la fusion, reste ouverte"
        explanation = item.explanation
        if item.commands:
            explanation = explanation.split(" Pour l'auteur·rice", 1)[0]
        out.print(
            f"{prefix}n°{item.id} « {escape(item.title)} » → [bold]{label}[/bold] : "
            f"{escape(explanation)}"
        )
        if item.commands:
            out.print("  Pour l'auteur·rice, dans son clone :")
            for command in item.commands:
                out.print(f"    {escape(command)}")
    if dry_run:
        out.print("Simulation : rien n'a été écrit.")
    else:
        waits_for_sync(
            assembly,
            "cette clôture n'est faite que dans votre copie ; « assemblee sync » la refera sur "
            "le dépôt partagé.",
        )
    _close_problems(items, dry_run)


def _close_problems(items: list[Any], dry_run: bool) -> None:
    """A close that could not apply a decision (conflict, invalid code social) fails, naming it."""
    stuck = [i for i in items if i.problem in ("conflit", "codesocial-invalide")]
    if stuck and not dry_run:
        names = ", ".join(f"la proposition n°{i.id}" for i in stuck)
        sys.stderr.write(
            f"Clôture incomplète : {names} n'a pas pu être appliquée (voir ci-dessus).\n"
        )
        sys.exit(1)


@app.command(cls=FrenchCommand)
def relaunch(
    ident: Ident,
    two_thirds: Annotated[
        bool, typer.Option("--two-thirds", "--deux-tiers", help="Ce tour se décide aux deux tiers.")
    ] = False,
    offline: Offline = False,
) -> None:
    """Ouvrir le tour suivant d'une proposition reportée, quand les règles le permettent."""
    from assemblee_cli.core.lifecycle import MODE_LABELS

    assembly = open_here(offline)
    from assemblee_cli.usecases import relaunch

    p = relaunch.relaunch(assembly, clock(), ident, two_thirds)
    console().print(
        f"Proposition n°{p.id} : tour {p.round.number} ouvert ({MODE_LABELS[p.round.mode]}), "
        f"échéance le {when(p.round.deadline, p.rules)}."
    )
    waits_for_sync(
        assembly,
        "ce tour n'est ouvert que dans votre copie ; « assemblee sync » l'ouvrira sur le dépôt "
        "partagé, et son délai partira de là.",
    )


@app.command(cls=FrenchCommand)
def withdraw(ident: Ident, offline: Offline = False) -> None:
    """Retirer une proposition dont vous êtes l'auteur·rice."""
    assembly = open_here(offline)
    from assemblee_cli.usecases import withdraw

    p = withdraw.withdraw(assembly, clock(), ident)
    console().print(
        f"Proposition n°{p.id} retirée. Son texte reste consultable (refs/archives/proposition/{p.name})."
    )
    waits_for_sync(
        assembly,
        "ce retrait n'est fait que dans votre copie ; « assemblee sync » le publiera, si la "
        "proposition n'a pas été décidée entre temps.",
    )


@app.command(cls=FrenchCommand)
def update(offline: Offline = False, as_json: Json = False) -> None:
    """Mettre votre copie à jour (main du dépôt partagé) et voir ce qui s'est passé depuis votre dernier passage."""
    from assemblee_cli.core.lifecycle import STATUS_LABELS
    from assemblee_cli.core.tally import Tally
    from assemblee_cli.render.json import proposal_json
    from assemblee_cli.usecases.update import catch_up

    assembly = open_here(offline)
    view = catch_up(assembly, clock())
    if as_json:
        print_json(
            {
                "main_mis_a_jour": view.moved,
                "remarque": view.note,
                "decisions": [proposal_json(p, p.round.tally or Tally()) for p in view.decided],
                "nouvelles": [proposal_json(p, Tally()) for p in view.new],
                "a_voter": [proposal_json(p, Tally()) for p in view.to_vote],
                "branche_decidee": view.left_on and view.left_on[0],
            }
        )
        return
    out = console()
    if view.moved:
        out.print("Votre main est à jour avec le dépôt partagé (comme après un git pull).")
    elif view.note:
        out.print(escape(f"Votre main n'a pas été mis à jour : {view.note}"))
    else:
        out.print("Votre main était déjà à jour.")
    if view.left_on:
        number, status = view.left_on
        out.print(
            f"Votre copie de travail est encore sur la branche de la proposition n°{number}, "
            f"qui est {STATUS_LABELS[status]} : elle montre le texte de cette proposition, pas le "
            "texte en vigueur. Revenez sur main avec « git switch main »."
        )
    if not view.decided and not view.new:
        out.print("Rien de nouveau depuis votre dernier passage.")
    for p in view.decided:
        out.print(
            escape(
                f"Décidée : la proposition n°{p.id} « {p.title} » est {STATUS_LABELS[p.status]}."
            )
        )
    for p in view.new:
        out.print(escape(f"Nouvelle : la proposition n°{p.id} « {p.title} », par {p.author_name}."))
    for p in view.to_vote:
        out.print(
            escape(
                f"À vous de vous positionner : la proposition n°{p.id} « {p.title} », jusqu'au "
                f"{when(p.round.deadline, p.rules)} (assemblee show {p.id})."
            )
        )
