"""Commands for meetings and publication: `agenda`, `announce`, `remind`, `export`, `blame`,
and the `--ics` output of `calendar`. Imports stay inside the commands so that
`assemblee --help` stays fast."""

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
    open_here,
    print_json,
    waits_for_sync,
    when,
    working,
)
from assemblee_cli.cli.french_help import FrenchCommand
from assemblee_cli.errors import AssembleeError, UsageError

Output = Annotated[
    Path | None,
    typer.Option(
        "-o", "--sortie", metavar="FICHIER", help="Écrire dans ce fichier plutôt qu'à l'écran."
    ),
]


def write_output(content: str | bytes, output: Path | None) -> None:
    """Write to the file (creating its folder), or to standard output."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as exc:
        raise AssembleeError(
            f"Impossible d'écrire {output} ({exc.strerror or exc}) : choisissez un autre fichier."
        ) from None


def _say(text: str) -> None:
    """One line for people: text from the repository or the user is never read as markup."""
    from rich.markup import escape

    console().print(escape(text))


# -- agenda --------------------------------------------------------------------------------


@app.command(cls=FrenchCommand)
def agenda(
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="AAAA-MM-JJ",
            help="La réunion de ce jour (par défaut : la prochaine réunion).",
        ),
    ] = None,
    output: Output = None,
    offline: Offline = False,
    as_json: Json = False,
) -> None:
    """L'ordre du jour d'une réunion en markdown : décisions depuis la précédente, propositions
    reportées (blocages, tours, ce que les règles permettent), propositions ouvertes et qui ne
    s'est pas positionné. À compléter et enregistrer comme compte rendu."""
    from assemblee_cli.render.agenda import render_agenda
    from assemblee_cli.usecases.agenda import build_agenda

    assembly = open_here(offline)
    view = build_agenda(assembly, clock(), date)
    if as_json:
        import json

        from assemblee_cli.render.json import agenda_json

        document = json.dumps(agenda_json(view), ensure_ascii=False, indent=2) + "\n"
        write_output(document, output)
        return
    write_output(render_agenda(view), output)
    if output is not None:
        _say(
            f"Ordre du jour de la réunion du {when(view.meeting, view.rules)} écrit dans {output}."
        )


# -- announce and remind -------------------------------------------------------------------


@app.command(cls=FrenchCommand)
def announce(
    ident: Ident,
    email: Annotated[
        bool,
        typer.Option(
            "--email",
            help="Envoyer l'annonce à la liste de l'assemblée (réglages SMTP : voir le README) "
            "et l'enregistrer dans la proposition.",
        ),
    ] = False,
    where: Annotated[
        str | None,
        typer.Option(
            "--enregistrer",
            metavar="LIEU",
            help="Enregistrer dans la proposition que vous l'avez annoncée à cet endroit "
            "(par exemple « groupe Facebook »), sans rien envoyer.",
        ),
    ] = None,
    offline: Offline = False,
) -> None:
    """L'annonce publique d'une proposition : titre, description, ce qui change, échéance,
    comment se positionner et ce que vaut le silence."""
    from assemblee_cli.render.announce import announcement_text
    from assemblee_cli.usecases import announce

    if email and where is not None:
        raise UsageError(
            "Choisissez --email (envoyer puis enregistrer) ou --enregistrer LIEU (annoncée "
            "ailleurs), pas les deux."
        )
    assembly = open_here(offline)
    now = clock()
    if where is not None:
        place = " ".join(where.split())
        if not place:
            raise UsageError(
                "Indiquez où l'annonce a été publiée, par exemple --enregistrer « groupe Facebook »."
            )
        p = announce.record_announcement(assembly, now, ident, place)
        _say(f"Annonce de la proposition n°{p.id} enregistrée : {place}, le {when(now, p.rules)}.")
        waits_for_sync(
            assembly,
            "cette annonce n'est enregistrée que dans votre copie ; « assemblee sync » la publiera.",
        )
        return
    if not email:
        subject, body = announcement_text(announce.announcement(assembly, now, ident))
        write_output(f"Objet : {subject}\n\n{body}", None)
        return
    from assemblee_cli.mail import smtp as mailer
    from assemblee_cli.store.setup import global_config

    settings = mailer.load_settings(git_config=global_config())
    from assemblee_cli.cli.web import check_links_can_be_sent

    check_links_can_be_sent(assembly)
    view = announce.announcement(assembly, now, ident)
    subject, body = announcement_text(view)
    message = mailer.build_message(settings, subject, body, now)
    mailer.send(settings, message)
    try:
        p = announce.record_announcement(assembly, now, ident, settings.recipient)
    except AssembleeError as exc:
        raise AssembleeError(
            f"L'annonce a été envoyée à {settings.recipient}, mais n'a pas pu être enregistrée "
            f"dans la proposition ({exc.message.rstrip('.')}) : enregistrez-la avec « assemblee "
            f"announce {view.proposal.id} --enregistrer {settings.recipient} »."
        ) from None
    from assemblee_cli.cli.web import send_personal_messages

    sent = send_personal_messages(settings, assembly, now, [str(p.id)], only_silent=False)
    _say(
        f"Annonce de la proposition n°{p.id} envoyée à {settings.recipient} et enregistrée "
        f"dans la proposition ; {sent} message(s) personnel(s) avec le lien de chaque membre."
    )


@app.command(cls=FrenchCommand)
def remind(
    email: Annotated[
        bool, typer.Option("--email", help="Envoyer le rappel à la liste de l'assemblée.")
    ] = False,
    offline: Offline = False,
    as_json: Json = False,
) -> None:
    """Les propositions qui se terminent d'ici la fin du prochain jour ouvré, et les membres
    qui ne se sont pas encore positionnés."""
    from assemblee_cli.core.french import format_date
    from assemblee_cli.render.announce import reminder_text
    from assemblee_cli.usecases import remind

    if email and as_json:
        raise UsageError(
            "Choisissez --email (envoyer le rappel) ou --json (le lire), pas les deux."
        )
    settings = None
    if email:
        from assemblee_cli.mail import smtp as mailer
        from assemblee_cli.store.setup import global_config

        settings = mailer.load_settings(git_config=global_config())
    assembly = open_here(offline)
    now = clock()
    view = remind.reminder(assembly, now)
    if as_json:
        from assemblee_cli.render.json import reminder_json

        print_json(reminder_json(view))
        return
    if not view.items:
        nothing = (
            f"Aucune proposition ne se termine d'ici la fin du {format_date(view.next_working_day)}"
        )
        _say(nothing + (" : aucun rappel envoyé." if email else "."))
        return
    subject, body = reminder_text(view)
    if settings is None:
        write_output(f"Objet : {subject}\n\n{body}", None)
        return
    from assemblee_cli.cli.web import check_links_can_be_sent, send_personal_messages
    from assemblee_cli.mail import smtp as mailer

    check_links_can_be_sent(assembly)
    mailer.send(settings, mailer.build_message(settings, subject, body, now))
    count = len(view.items)
    numbers = [str(item.proposal.id) for item in view.items]
    sent = send_personal_messages(settings, assembly, now, numbers, only_silent=True)
    _say(
        f"Rappel envoyé à {settings.recipient} ({count} proposition{'s' if count > 1 else ''}). "
        f"{sent} rappel(s) personnel(s) à qui ne s'est pas encore positionné."
    )


# -- export and blame ----------------------------------------------------------------------


@app.command(cls=FrenchCommand)
def export(
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="md|html",
            help="md (markdown) ou html (une page autonome, lisible sur téléphone) ; par "
            "défaut d'après l'extension du fichier, sinon md.",
        ),
    ] = None,
    output: Output = None,
    links: Annotated[
        str,
        typer.Option(
            "--liens",
            metavar="URL",
            help="Adresse de base des fichiers du dépôt pour les liens du journal (par exemple "
            "https://forge.exemple.org/lille/code-social/src/branch/main/).",
        ),
    ] = "",
    offline: Offline = False,
) -> None:
    """Le code social consolidé : toutes les sections dans l'ordre avec un sommaire, la
    complétude des quatre faisceaux et le journal des décisions."""
    from assemblee_cli.render.export import render_html, render_markdown
    from assemblee_cli.usecases.export import FORMATS, build_export

    chosen = (fmt or "").strip().lower().lstrip(".")
    if not chosen:
        suffix = output.suffix.lower() if output is not None else ""
        chosen = "html" if suffix in (".html", ".htm") else "md"
    if chosen == "markdown":
        chosen = "md"
    if chosen not in FORMATS:
        raise UsageError(f"Format inconnu « {fmt} » : choisissez md ou html.")
    scheme = links.split("/", 1)[0]
    if ":" in scheme and not links.startswith(("https://", "http://")):
        raise UsageError(
            f"Adresse de liens invalide « {links} » : elle doit commencer par https:// (ou "
            "être un chemin relatif)."
        )
    if links and not links.endswith("/"):
        links += "/"
    assembly = open_here(offline)
    with working("Assemblage du code social et du journal des décisions…"):
        view = build_export(assembly, clock(), links)
    text = render_html(view) if chosen == "html" else render_markdown(view)
    write_output(text, output)
    if output is not None:
        _say(
            f"Code social exporté dans {output} ({len(view.sections)} sections, "
            f"{len(view.journal)} décisions au journal)."
        )


@app.command(cls=FrenchCommand)
def blame(
    fichier: Annotated[
        str,
        typer.Argument(
            metavar="FICHIER", help="La section : sections/04-droits.md, 04-droits ou droits."
        ),
    ],
    offline: Offline = False,
    as_json: Json = False,
) -> None:
    """Pour chaque paragraphe d'une section : la décision qui l'a écrit, sa date, son mode, et
    s'il peut être remis en cause aujourd'hui."""
    from assemblee_cli.usecases.blame import blame as run_blame

    assembly = open_here(offline)
    view = run_blame(assembly, clock(), fichier)
    if as_json:
        print_json(_blame_json(view))
        return
    _render_blame(view)


def _origin_json(origin: Any, now: Any) -> dict[str, Any]:
    from assemblee_cli.formats.proposalfile import instant_text
    from assemblee_cli.usecases.blame import challenge_state

    possible, moment = challenge_state(origin, now)
    data: dict[str, Any] = {
        "commit": origin.commit.sha,
        "date": instant_text(origin.when),
        "remise_en_cause": {
            "possible": possible,
            "a_partir_du": instant_text(moment) if moment else None,
        },
    }
    p = origin.proposal
    if origin.name is None:
        data |= {
            "type": "commit-direct",
            "message": origin.commit.subject,
            "auteur": origin.commit.author,
        }
    elif p is None:
        data |= {"type": "proposition", "proposition": origin.name, "erreur": origin.error}
    else:
        data |= {
            "type": "proposition",
            "id": p.id,
            "titre": p.title,
            "statut": p.status.value,
            "mode": p.round.mode.value,
            "tour": p.round.number,
            "decompte": p.round.tally.as_dict() if p.round.tally else None,
            "fichier": p.path,
        }
    return data


def _blame_json(view: Any) -> dict[str, Any]:
    return {
        "fichier": view.path,
        "main": view.trunk,
        "paragraphes": [
            {
                "lignes": [par.first, par.last],
                "type": par.kind,
                "texte": par.text,
                "origines": [_origin_json(o, view.now) for o in par.origins],
            }
            for par in view.paragraphs
        ],
    }


def _origin_text(origin: Any, view: Any) -> tuple[str, str]:
    """(who wrote it, whether it can be challenged) in French."""
    from assemblee_cli.core import lifecycle as lc
    from assemblee_cli.usecases.blame import challenge_state

    on = when(origin.when, view.rules)
    p = origin.proposal
    if origin.name is None:
        return (
            f"écrit hors proposition (commit direct {origin.commit.sha[:10]} de "
            f"{origin.commit.author}, le {on} : « {origin.commit.subject} »)",
            "possible à tout moment par une proposition",
        )
    if p is None:
        return (
            f"proposition {origin.name}, fusionnée le {on} (dossier illisible : {origin.error})",
            "inconnue",
        )
    tally = p.round.tally
    counted = ""
    if tally is not None:
        counted = " — sans aucun avis" if tally.total == 0 else f" — {tally.describe()}"
    written = (
        f"décision n°{p.id} « {p.title} », {lc.STATUS_LABELS[p.status]} par "
        f"{lc.MODE_LABELS[p.round.mode]} le {on}{counted}"
    )
    possible, moment = challenge_state(origin, view.now)
    how = f"(assemblee propose … --challenges {p.id})"
    if possible and moment is None:
        challenge = f"possible à tout moment {how}"
    elif possible:
        challenge = (
            f"possible depuis le {when(moment, view.rules)}, fin du délai des deux tiers {how}"
        )
    else:
        challenge = f"pas avant le {when(moment, view.rules)} (décision prise aux deux tiers)"
    return written, challenge


def _render_blame(view: Any) -> None:
    from rich.markup import escape

    # One print for the whole text: a print per line costs a millisecond each, and a section
    # has thousands of them after years of decisions.
    shown = [f"[bold]{escape(view.path)}[/bold] sur main ({view.trunk[:12]})"]
    for number, par in enumerate(view.paragraphs, start=1):
        lines = f"ligne {par.first}" if par.first == par.last else f"lignes {par.first}–{par.last}"
        excerpt = par.text if len(par.text) <= 90 else par.text[:89] + "…"
        shown.append(f"\n[bold]¶ {number}[/bold] ({par.kind}, {lines}) : {escape(excerpt)}")
        last = len(par.origins) - 1
        for index, origin in enumerate(par.origins):
            written, challenge = _origin_text(origin, view)
            note = ""
            if len(par.origins) > 1:
                note = " (dernière modification)" if index == last else " (en partie)"
            shown.append(f"  → {escape(written)}{note}")
            shown.append(f"    remise en cause : {escape(challenge)}")
    console().print("\n".join(shown))


# -- calendar --ics ------------------------------------------------------------------------


def write_ics(assembly: Any, now: Any, count: int, output: Path | None) -> None:
    """`assemblee calendar --ics`: called from the calendar command in cli.py."""
    from assemblee_cli.render.ics import render_ics
    from assemblee_cli.usecases.calendar import coming_events

    result = render_ics(coming_events(assembly, now, count))
    write_output(result.data, output)
    if output is not None:
        _say(
            f"Calendrier écrit dans {output} : {result.meetings} réunion(s), "
            f"{result.deadlines} échéance(s) de proposition."
        )
