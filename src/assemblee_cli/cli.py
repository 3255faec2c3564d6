"""The command line: parse, call one service, render. No rule lives here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from assemblee_cli.errors import AssembleeError
from assemblee_cli.french_help import FrenchCommand, FrenchGroup

app = typer.Typer(
    name="assemblee",
    cls=FrenchGroup,
    help=(
        "Faire vivre le code social d'une assemblée dans git : proposer une modification, se "
        "positionner (d'accord, s'abstient, pas d'accord, blocage), appliquer les décisions."
    ),
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

Offline = Annotated[
    bool,
    typer.Option("--offline", help="Ne pas échanger avec le dépôt partagé (ni fetch ni push)."),
]
Json = Annotated[bool, typer.Option("--json", help="Afficher un document JSON (pour les scripts).")]
Ident = Annotated[
    str,
    typer.Argument(
        metavar="ID", help="Numéro de la proposition : 7, 0007 ou le nom de sa branche."
    ),
]

_state: dict[str, Path] = {"dir": Path(".")}


@app.callback()
def main_options(
    directory: Annotated[
        Path, typer.Option("-C", "--depot", help="Travailler dans ce dépôt plutôt qu'ici.")
    ] = Path("."),
) -> None:
    _state["dir"] = directory


def _assembly(offline: bool) -> Any:
    from assemblee_cli.repository import open_assembly

    return open_assembly(_state["dir"], offline=offline)


def _now() -> Any:
    from assemblee_cli.services import current_time

    return current_time()


def escape(text: str) -> str:
    """User text (titles, names, reasons, paths) printed literally, never read as rich markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _when(moment: Any, rules: Any) -> str:
    from zoneinfo import ZoneInfo

    from assemblee_cli.core.french import format_instant

    return format_instant(moment, ZoneInfo(rules.timezone))


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
    from assemblee_cli.initialize import initialise

    base = _state["dir"]
    target = directory if directory.is_absolute() else base / directory
    result = initialise(target, nom, source)
    out = _console()
    origin = f", dupliqué depuis {result.source}" if result.source else ""
    out.print(escape(f"Code social « {result.name} » créé dans {result.path}{origin}."))
    out.print(escape(f"Premier membre : {result.member.name} <{result.member.email}>."))
    out.print(
        "Complétez les sections (sections/) puis proposez vos changements : assemblee propose « titre »."
    )


@app.command("rules", cls=FrenchCommand)
def rules_command(offline: Offline = False, as_json: Json = False) -> None:
    """Afficher en français les règles de décision en vigueur sur main."""
    from assemblee_cli.codesocial import rules_to_data
    from assemblee_cli.views import rules_lines

    assembly = _assembly(offline)
    assembly.refresh()
    rules = assembly.rules_at(assembly.trunk)
    roster = assembly.roster_at(assembly.trunk)
    if as_json:
        _print_json({"regles": rules_to_data(rules), "membres": len(roster.members)})
        return
    out = _console()
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
    from assemblee_cli.services import holidays_of
    from assemblee_cli.views import calendar_view, describe_meetings

    assembly = _assembly(offline)
    assembly.refresh()
    rules = assembly.rules_at(assembly.trunk)
    now = _now()
    if ics:
        from assemblee_cli.cli_publication import write_ics

        write_ics(assembly, now, count, output)
        return
    if output is not None:
        from assemblee_cli.errors import UsageError

        raise UsageError(
            "L'option -o ne sert qu'avec --ics : assemblee calendar --ics -o agenda.ics."
        )
    view = calendar_view(rules, now, holidays_of(rules), count)
    if as_json:
        _print_json(view)
        return
    out = _console()
    out.print(f"Maintenant : {_when(now, rules)}.")
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
    from assemblee_cli import services
    from assemblee_cli.core.tally import Tally
    from assemblee_cli.views import proposal_json

    assembly = _assembly(offline)
    result = services.propose(assembly, _now(), titre, message, until, challenges)
    p = result.proposal
    if as_json:
        _print_json(
            proposal_json(p, Tally()) | {"fichiers": list(result.files), "source": result.source}
        )
        return
    out = _console()
    out.print(escape(f"Proposition n°{p.id} ouverte : « {p.title} » (branche {p.branch})."))
    out.print(f"Texte pris : {result.source}.")
    if result.files:
        out.print(escape("Fichiers modifiés : " + ", ".join(result.files) + "."))
        out.print("Votre copie de travail n'a pas été modifiée.")
    out.print(f"Échéance : [bold]{_when(p.round.deadline, p.rules)}[/bold].")
    out.print(
        f"Pour se positionner : assemblee vote {p.id} d-accord | abstention | pas-d-accord | blocage -r « raison »."
    )
    if not assembly.online:
        out.print("Hors ligne : la proposition est enregistrée localement seulement.")


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
    from assemblee_cli import services
    from assemblee_cli.core.lifecycle import choice_label

    assembly = _assembly(offline)
    result = services.vote(assembly, _now(), ident, choix, raison, member)
    p = result.proposal
    out = _console()
    if result.amended:
        out.print(
            "Le texte a été modifié depuis l'ouverture du tour : les avis précédents ne comptent plus."
        )
    who = "Votre avis" if result.vote.recorded_by is None else f"L'avis de {result.vote.member}"
    verb = "remplace le précédent" if result.replaced else "est enregistré"
    out.print(
        f"{who} sur la proposition n°{p.id} ({choice_label(result.vote.choice)}) {verb}. "
        f"Vous pouvez en changer jusqu'au {_when(p.round.deadline, p.rules)}."
    )


@app.command(cls=FrenchCommand)
def status(offline: Offline = False, as_json: Json = False) -> None:
    """Les propositions ouvertes (échéance, temps restant, décompte, votre avis), puis les dernières décisions."""
    from assemblee_cli import services
    from assemblee_cli.core.tally import Tally
    from assemblee_cli.render import render_status
    from assemblee_cli.views import proposal_json

    assembly = _assembly(offline)
    view = services.status(assembly, _now())
    if as_json:
        _print_json(
            {
                "ouvertes": [
                    proposal_json(v.proposal, v.tally)
                    | {
                        "texte_modifie": v.amended,
                        "mon_avis": v.my_vote.choice.value if v.my_vote else None,
                    }
                    for v in view.open
                ],
                "decisions": [proposal_json(p, p.round.tally or Tally()) for p in view.decided],
                "erreurs": view.errors,
            }
        )
        return
    render_status(_console(), view)
    if view.errors and not view.open and not view.decided:
        sys.exit(1)  # nothing could be read: a failure; otherwise the others keep working


@app.command(cls=FrenchCommand)
def show(ident: Ident, offline: Offline = False, as_json: Json = False) -> None:
    """Une proposition : description, modification du texte, tours et avis."""
    from assemblee_cli import services
    from assemblee_cli.render import render_show
    from assemblee_cli.views import proposal_json, rounds_json, vote_json

    assembly = _assembly(offline)
    view = services.show(assembly, _now(), ident)
    if as_json:
        counted_ids = {id(v) for v in view.counted.values()}
        _print_json(
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
    render_show(_console(), view)


@app.command(cls=FrenchCommand)
def close(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Expliquer chaque décision sans rien écrire.")
    ] = False,
    offline: Offline = False,
    as_json: Json = False,
) -> None:
    """Appliquer chaque proposition arrivée à échéance : fusionner, reporter ou rejeter."""
    from assemblee_cli import services

    assembly = _assembly(offline)
    items = services.close(assembly, _now(), dry_run)
    if as_json:
        _print_json(
            [
                {
                    "id": i.id,
                    "statut": i.status,
                    "titre": i.title,
                    "explication": i.explanation,
                    "applique": i.applied,
                    "probleme": i.problem,
                }
                for i in items
            ]
        )
        return
    out = _console()
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
            label = "en conflit, reste ouverte"
        out.print(
            f"{prefix}n°{item.id} « {escape(item.title)} » → [bold]{label}[/bold] : "
            f"{escape(item.explanation)}"
        )
    if dry_run:
        out.print("Simulation : rien n'a été écrit.")


@app.command(cls=FrenchCommand)
def relaunch(
    ident: Ident,
    two_thirds: Annotated[
        bool, typer.Option("--two-thirds", "--deux-tiers", help="Ce tour se décide aux deux tiers.")
    ] = False,
    offline: Offline = False,
) -> None:
    """Ouvrir le tour suivant d'une proposition reportée, quand les règles le permettent."""
    from assemblee_cli import services
    from assemblee_cli.core.lifecycle import MODE_LABELS

    assembly = _assembly(offline)
    p = services.relaunch(assembly, _now(), ident, two_thirds)
    _console().print(
        f"Proposition n°{p.id} : tour {p.round.number} ouvert ({MODE_LABELS[p.round.mode]}), "
        f"échéance le {_when(p.round.deadline, p.rules)}."
    )


@app.command(cls=FrenchCommand)
def withdraw(ident: Ident, offline: Offline = False) -> None:
    """Retirer une proposition dont vous êtes l'auteur·rice."""
    from assemblee_cli import services

    assembly = _assembly(offline)
    p = services.withdraw(assembly, _now(), ident)
    _console().print(
        f"Proposition n°{p.id} retirée. Son texte reste consultable (refs/archives/proposition/{p.name})."
    )


def run(argv: list[str] | None = None) -> int:
    """Entry point: one place turns errors into a French sentence and an exit code."""
    click = _click_exceptions()
    aborts: tuple[type[BaseException], ...] = (typer.Abort, *_click_aborts())

    try:
        result = app(args=argv, standalone_mode=False, prog_name="assemblee")
    except AssembleeError as exc:
        sys.stderr.write(exc.message.rstrip() + "\n")
        return exc.exit_code
    except click.NoArgsIsHelpError as exc:
        if exc.ctx is not None:
            sys.stdout.write(exc.ctx.get_help() + "\n")
        return 0
    except click.UsageError as exc:
        sys.stderr.write(_usage_message(exc) + "\n")
        return 2
    except aborts:
        sys.stderr.write("Interrompu.\n")
        return 130
    except KeyboardInterrupt:
        sys.stderr.write("Interrompu.\n")
        return 130
    return result if isinstance(result, int) else 0


def _click_exceptions() -> Any:
    """The exception classes of the click that typer runs on: recent typer (0.2x) bundles its
    own copy (typer._click), older ones use the click package."""
    import importlib

    try:
        return importlib.import_module("typer._click.exceptions")
    except ImportError:  # pragma: no cover - older typer
        return importlib.import_module("click.exceptions")


def _click_aborts() -> tuple[type[BaseException], ...]:
    abort = getattr(_click_exceptions(), "Abort", None)
    return (abort,) if isinstance(abort, type) and issubclass(abort, BaseException) else ()


def _param_name(param: Any) -> str:
    """How a parameter is named to the user (click has `human_readable_name`, typer's bundled
    click does not)."""
    named = getattr(param, "human_readable_name", None)
    if named:
        return str(named)
    opts = getattr(param, "opts", None)
    if opts and str(opts[0]).startswith("-"):
        return str(opts[0])
    return str(getattr(param, "metavar", None) or getattr(param, "name", None) or "?").upper()


def _usage_message(exc: Any) -> str:
    click = _click_exceptions()

    command = exc.ctx.command_path if exc.ctx is not None else "assemblee"
    hint = f"Voir « {command} --help »."
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        return f"Il manque {_param_name(exc.param)}. {hint}"
    if isinstance(exc, click.NoSuchOption):
        return f"Option inconnue : {exc.option_name}. {hint}"
    if isinstance(exc, click.BadParameter):
        name = _param_name(exc.param) if exc.param else "un paramètre"
        return f"Valeur invalide pour {name} : {exc.message}. {hint}"
    text = exc.format_message()
    if text.startswith("No such command"):
        return (
            f"Commande inconnue : {text.split(' ', 3)[-1].strip('.')}. Voir « assemblee --help »."
        )
    if text.startswith("Got unexpected extra argument"):
        return f"Argument en trop. {hint}"
    return f"Utilisation incorrecte ({text}). {hint}"


from assemblee_cli import cli_integrity  # noqa: E402,F401  (registers sync, verify, hook)
from assemblee_cli import cli_publication as _cli_publication  # noqa: E402,F401  (agenda, announce, remind, export, blame)
