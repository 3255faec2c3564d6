"""What the publication commands read and write: the sections of the code social as they are on
main, the decided proposals (the journal), the open ones with who has not positioned yet; the
public announcement of a proposal and the reminder of the ones closing soon.

Everything is read from git objects (`main`'s tree, branch tips), never from the working tree,
through the persistent `cat-file` process: the cost grows with what is shown."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.calendar import is_counted_day
from assemblee_cli.core.french import format_date, format_instant
from assemblee_cli.core.members import Roster
from assemblee_cli.core.tally import Tally, tally_votes
from assemblee_cli.errors import AssembleeError, RuleRefusal
from assemblee_cli.proposalfile import PROPOSALS_DIR
from assemblee_cli.repository import Assembly

SECTIONS_DIR = "sections"
TODO_MARK = "[à compléter]"
BUNDLES: dict[str, str] = {
    "qualites": "Qualités",
    "valeurs": "Valeurs",
    "droits": "Droits",
    "richesses": "Richesses",
}
BUNDLE_DESCRIPTIONS: dict[str, str] = {
    "qualites": "les qualités de l'assemblée : caractéristiques, statut juridique, ce qui est "
    "mis en commun, histoire",
    "valeurs": "les valeurs véhiculées : gouvernance, responsabilité et intérêts communs",
    "droits": "les droits d'accès, d'usage, de modification, leur répartition et les conditions "
    "de leur modification",
    "richesses": "les richesses reconnues, les sources de financement et la gestion de leurs flux",
}
FILE_LABELS = {
    "codesocial/regles.yml": "Règles de décision",
    "codesocial/membres.yml": "Liste des membres",
}


def one_line(text: str) -> str:
    """Collapse whitespace so that a text from the repository stays on one line."""
    return " ".join(text.split())


def tz_of(rules: Any) -> ZoneInfo:
    return ZoneInfo(rules.timezone)


# -- sections --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int  # 1-based line in the section file


@dataclass(frozen=True)
class TodoPart:
    line: int  # 1-based line in the section file
    heading: str | None  # the heading it falls under, if any


@dataclass(frozen=True)
class Section:
    path: str  # sections/04-droits.md
    slug: str  # 04-droits
    title: str
    bundle: str | None
    body: str  # the markdown after the frontmatter
    body_start: int  # 1-based line of the file where the body starts
    headings: tuple[Heading, ...]
    todo: tuple[TodoPart, ...]


_FENCE = re.compile(r"^(-{3,}|\.{3})\s*$")


def split_section(text: str) -> tuple[str | None, str, int]:
    """(frontmatter or None, body, 1-based line where the body starts)."""
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    if not lines or not re.match(r"^---\s*$", lines[0]):
        return None, text, 1
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index]):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None, text, 1


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_section(path: str, text: str, warnings: list[str] | None = None) -> Section:
    from assemblee_cli.yamlio import load_yaml

    slug = path.rsplit("/", 1)[-1].removesuffix(".md")
    header, body, start = split_section(text)
    meta: dict[str, Any] = {}
    if header is not None:
        try:
            data = load_yaml(header, path, line_offset=1).data
        except AssembleeError as exc:
            if warnings is not None:
                warnings.append(exc.message)
            data = None
        if isinstance(data, dict):
            meta = data
        elif data is not None and warnings is not None:
            warnings.append(f"{path}, ligne 2 : l'en-tête doit être une table (titre, faisceau).")
    headings = _headings(body, start)
    title = meta.get("titre")
    if not isinstance(title, str) or not title.strip():
        title = headings[0].text if headings else slug
    bundle_value = meta.get("faisceau")
    bundle: str | None = None
    if isinstance(bundle_value, str) and bundle_value.strip():
        bundle = fold(bundle_value)
        if bundle not in BUNDLES:
            if warnings is not None:
                warnings.append(
                    f"{path} : faisceau « {bundle_value} » inconnu (qualites, valeurs, droits "
                    "ou richesses, ou null)."
                )
            bundle = None
    todo = []
    for offset, line in enumerate(body.split("\n")):
        if TODO_MARK in line:
            number = start + offset
            under = [h for h in headings if h.line <= number]
            todo.append(TodoPart(number, under[-1].text if under else None))
    return Section(path, slug, one_line(title), bundle, body, start, headings, tuple(todo))


def _headings(body: str, start: int) -> tuple[Heading, ...]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(body)
    result = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map is not None:
            inline = tokens[index + 1]
            text = "".join(
                child.content for child in (inline.children or []) if child.type != "softbreak"
            )
            result.append(Heading(int(token.tag[1]), one_line(text), start + token.map[0]))
    return tuple(result)


def read_sections(assembly: Assembly, commit: str | None = None) -> tuple[list[Section], list[str]]:
    """The sections on main (or `commit`) in reading order (file name), and warnings."""
    repo = assembly.repo
    rev = commit or assembly.trunk
    warnings: list[str] = []
    sections = []
    entries = sorted(
        (e for e in repo.tree(f"{rev}:{SECTIONS_DIR}") if e.kind == "blob"),
        key=lambda e: e.name,
    )
    for entry in entries:
        if not entry.name.endswith(".md"):
            continue
        path = f"{SECTIONS_DIR}/{entry.name}"
        text = repo.read_text(entry.sha) or ""
        sections.append(parse_section(path, text, warnings))
    return sections, warnings


def section_title(assembly: Assembly, rev: str, path: str) -> str | None:
    """The title of one section file at `rev` (None when the file is not a section)."""
    if not path.startswith(f"{SECTIONS_DIR}/") or not path.endswith(".md"):
        return FILE_LABELS.get(path)
    text = assembly.repo.read_text(f"{rev}:{path}")
    if text is None:
        return None
    return parse_section(path, text).title


@dataclass(frozen=True)
class BundleCheck:
    bundle: str
    label: str
    sections: tuple[Section, ...]

    @property
    def state(self) -> str:
        if not self.sections:
            return "absent"
        if any(s.todo for s in self.sections):
            return "à compléter"
        return "complet"


def completeness(sections: list[Section]) -> list[BundleCheck]:
    """The four bundles the seed requires, each with its sections and whether parts are left
    to complete."""
    return [
        BundleCheck(key, label, tuple(s for s in sections if s.bundle == key))
        for key, label in BUNDLES.items()
    ]


# -- proposals ------------------------------------------------------------------------------


def decided_proposals(assembly: Assembly) -> tuple[list[lc.Proposal], list[str]]:
    """Decided proposals on main (adopted, rejected, withdrawn), oldest decision first."""
    result: list[lc.Proposal] = []
    errors: list[str] = []
    for loaded in assembly.load_decided_many(assembly.decided_names()):
        name = loaded.name
        if loaded.proposal is None:
            errors.append(loaded.error or name)
        elif loaded.proposal.status in lc.DECIDED:
            result.append(loaded.proposal)
    result.sort(key=lambda p: (p.decided_at or p.opened_at, p.id))
    return result, errors


@dataclass(frozen=True)
class OpenItem:
    """A proposal read from its branch: open (with a running round) or postponed."""

    proposal: lc.Proposal
    tally: Tally
    amended: bool  # the text changed since the round opened: earlier votes no longer count
    counted: dict[str, lc.Vote]
    silent: tuple[str, ...]  # members (emails) who have not positioned on the current text


def open_items(assembly: Assembly) -> tuple[list[OpenItem], list[str]]:
    """The open and postponed proposals, by deadline, with the votes that count (none when the
    text changed since the round opened), and the files that could not be read."""
    loaded_open = assembly.open_proposals()
    readable = [(item.tip.sha, item.proposal) for item in loaded_open if item.tip and item.proposal]
    errors = [item.error or item.name for item in loaded_open if not (item.tip and item.proposal)]
    versions = assembly.text_versions([(tip, p.files) for tip, p in readable])
    items: list[OpenItem] = []
    for (_tip, p), version in zip(readable, versions, strict=True):
        amended = p.status is lc.Status.OPEN and version != p.round.text_version
        counted = {} if amended else lc.counted_votes(p)
        silent = tuple(m for m in p.members if m not in counted)
        items.append(
            OpenItem(p, tally_votes(v.choice for v in counted.values()), amended, counted, silent)
        )
    items.sort(key=lambda i: (i.proposal.round.deadline, i.proposal.id))
    return items, errors


def names(roster: Roster, emails: tuple[str, ...] | list[str]) -> str:
    return ", ".join(roster.name_of(email) for email in emails)


# -- announcing a proposal ------------------------------------------------------------------


@dataclass(frozen=True)
class AnnounceText:
    proposal: lc.Proposal
    subject: str
    body: str


def _announceable(assembly: Assembly, ident: str, now: datetime) -> tuple[Any, lc.Proposal]:
    from assemblee_cli.services import _open_branch, _register_amendment

    tip, proposal = _open_branch(assembly, ident)
    if proposal.status is not lc.Status.OPEN:
        raise RuleRefusal(
            f"La proposition n°{proposal.id} est {lc.STATUS_LABELS[proposal.status]} : il n'y a "
            f"rien à annoncer tant qu'un nouveau tour n'est pas ouvert (assemblee relaunch "
            f"{proposal.id})."
        )
    proposal, _amended = _register_amendment(assembly, proposal, tip.sha, now)
    if now >= proposal.round.deadline:
        raise RuleRefusal(
            f"Le vote sur la proposition n°{proposal.id} est clos depuis le "
            f"{format_instant(proposal.round.deadline, tz_of(proposal.rules))} : trop tard pour "
            "l'annoncer (assemblee close applique la décision)."
        )
    return tip, proposal


def announcement(assembly: Assembly, now: datetime, ident: str) -> AnnounceText:
    assembly.refresh()
    tip, proposal = _announceable(assembly, ident, now)
    roster = assembly.roster_at(assembly.trunk)
    changes = change_summary(assembly, tip.sha)
    subject, body = announcement_text(proposal, changes, roster)
    return AnnounceText(proposal, subject, body)


def record_announcement(assembly: Assembly, now: datetime, ident: str, where: str) -> lc.Proposal:
    """A commit on the proposal branch that appends (now, where) to its `annonces`."""
    from assemblee_cli.publish import publish
    from assemblee_cli.services import _branch_update, _retrying

    def attempt() -> lc.Proposal:
        tip, proposal = _announceable(assembly, ident, now)
        updated = replace(
            proposal, announcements=(*proposal.announcements, lc.Announcement(now, where))
        )
        commit = assembly.commit_proposal(
            updated, tip.sha, f"Annonce de la proposition n°{proposal.id} : {where}"
        )
        publish(assembly, [_branch_update(tip, commit)])
        return updated

    return _retrying(assembly, attempt)


MAX_CHANGE_LINES = 40


def change_summary(assembly: Assembly, tip: str) -> list[str]:
    """The change of the text, in lines a person reads: for each file, its section title and
    the lines removed (−) and added (+), without diff syntax."""
    repo = assembly.repo
    base = repo.merge_base(assembly.trunk, tip) or assembly.trunk
    diff = repo.out(
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--unified=0",
        "--find-renames",
        base,
        tip,
        "--",
        ".",
        f":(exclude){PROPOSALS_DIR}",
    )
    files: list[tuple[str, str, list[str]]] = []  # (path, what, lines)
    current: tuple[str, str, list[str]] | None = None
    for line in diff.split("\n"):
        if line.startswith("diff --git "):
            match = re.match(r'diff --git "?a/(.*?)"? "?b/(.*?)"?$', line)
            path = match.group(2) if match else line.split(" b/")[-1]
            current = (path, "modifié", [])
            files.append(current)
        elif current is None:
            continue
        elif line.startswith("new file mode"):
            files[-1] = current = (current[0], "nouveau", current[2])
        elif line.startswith("deleted file mode"):
            files[-1] = current = (current[0], "supprimé", current[2])
        elif line.startswith("rename from "):
            files[-1] = current = (current[0], f"renommé (ancien nom : {line[12:]})", current[2])
        elif line.startswith(("--- ", "+++ ", "index ", "similarity ", "rename to ", "\\ ")):
            continue
        elif line.startswith("@@"):
            if current[2]:
                current[2].append("…")
        elif line.startswith(("+", "-")) and line[1:].strip():
            mark = "+" if line[0] == "+" else "−"
            current[2].append(f"{mark} {line[1:].rstrip()}")
    if not files:
        return []
    result: list[str] = []
    shown = 0
    truncated = False
    for path, what, lines in files:
        rev = base if what == "supprimé" else tip
        title = section_title(assembly, rev, path)
        label = f"« {title} » ({path})" if title else path
        result.append(f"• {label} : {what}")
        for text in lines:
            if shown >= MAX_CHANGE_LINES:
                truncated = True
                break
            result.append(f"    {text}")
            shown += 1
    if truncated:
        result.append("    … (la suite dans « assemblee show »)")
    return result


def _silence_lines(proposal: lc.Proposal) -> list[str]:
    d = proposal.rules.decision
    lines = []
    if proposal.round.mode is lc.Mode.CONSENT:
        lines.append(
            "Le silence vaut consentement : sans blocage à l'échéance, la proposition est "
            "adoptée, même si personne ne s'est positionné. Si vous ne pouvez pas vivre avec "
            "cette proposition, bloquez-la avant l'échéance, en donnant votre raison."
        )
    else:
        abstentions = (
            "les abstentions comptent"
            if d.abstentions_count_in_two_thirds
            else "les abstentions ne comptent pas"
        )
        lines.append(
            f"Ce tour se décide aux deux tiers : la proposition est adoptée si au moins "
            f"{d.two_thirds_threshold} des avis exprimés sont « d'accord » ({abstentions}), "
            "rejetée sinon. Ne pas se positionner, c'est laisser les autres décider."
        )
    if d.quorum is not None:
        lines.append(
            f"Il faut au moins {d.quorum} avis exprimés : en dessous, la décision est reportée."
        )
    return lines


def _heading(text: str) -> list[str]:
    return [text, "-" * len(text)]


def announcement_text(proposal: lc.Proposal, changes: list[str], roster: Roster) -> tuple[str, str]:
    """(subject, body) of the public announcement, in plain French text."""
    tz = tz_of(proposal.rules)
    deadline = format_instant(proposal.round.deadline, tz)
    n = proposal.id
    subject = f"[{proposal.rules.name}] Proposition n°{n} : {one_line(proposal.title)} — avis jusqu'au {deadline}"
    lines = [f"Proposition n°{n} : {one_line(proposal.title)}"]
    lines.append(
        f"Proposée par {proposal.author_name} <{proposal.author}> le "
        f"{format_instant(proposal.opened_at, tz)}."
    )
    if proposal.round.number > 1:
        lines.append(
            f"Tour {proposal.round.number} ({lc.MODE_LABELS[proposal.round.mode]}), ouvert le "
            f"{format_instant(proposal.round.opened_at, tz)}."
        )
    if proposal.challenges:
        lines.append(f"Elle remet en cause la décision n°{proposal.challenges}.")
    lines.append("")
    lines += _heading("Description")
    lines.append(proposal.description.strip() or "(pas de description)")
    lines.append("")
    lines += _heading("Ce qui change")
    if changes:
        lines += changes
    else:
        lines.append(
            "Le texte du code social ne change pas : c'est une décision sur un autre sujet."
        )
    lines.append(f"Le texte complet de la modification : assemblee show {n}")
    lines.append("")
    lines += _heading("Jusqu'à quand")
    lines.append(
        f"Vous pouvez vous positionner jusqu'au {deadline} (heure locale, {proposal.rules.timezone}), "
        "et changer d'avis jusque-là : c'est le dernier avis qui compte."
    )
    lines.append("")
    lines += _heading("Comment se positionner")
    lines.append("Dans votre copie du dépôt du code social, une seule commande :")
    lines += [
        f"    assemblee vote {n} d-accord",
        f"    assemblee vote {n} abstention",
        f"    assemblee vote {n} pas-d-accord",
        f'    assemblee vote {n} blocage -r "la raison du blocage"',
    ]
    if proposal.rules.decision.block_requires_reason:
        lines.append("Un blocage doit être argumenté : sans raison, il est refusé.")
    secretaries = [m.name for m in roster.members if "secretariat" in m.roles]
    who = f" ({', '.join(secretaries)})" if secretaries else ""
    lines.append(
        f"Sans accès au dépôt, donnez votre avis en réunion : le secrétariat{who} l'enregistre."
    )
    lines.append("")
    lines += _heading("Et si vous ne dites rien ?")
    lines += _silence_lines(proposal)
    lines.append("")
    lines.append("-- ")
    lines.append(f"Annonce préparée par l'outil assemblee pour « {proposal.rules.name} ».")
    return subject, "\n".join(lines) + "\n"


# -- reminding of proposals that close soon -------------------------------------------------


@dataclass(frozen=True)
class ReminderView:
    now: datetime
    horizon: datetime  # end of the next working day
    next_working_day: date
    items: list[OpenItem]
    roster: Roster
    name: str
    errors: list[str]


def next_working_day(today: date, holidays: Any) -> date:
    day = today + timedelta(days=1)
    for _ in range(400):
        if is_counted_day(day, holidays):
            return day
        day += timedelta(days=1)
    return day  # pragma: no cover - a year without working days


def reminder(assembly: Assembly, now: datetime) -> ReminderView:
    """Open proposals whose deadline falls from now until the end of the next working day
    (a day that counts in the 72 h: not a Saturday, a Sunday or a public holiday)."""
    from assemblee_cli.services import holidays_of

    assembly.refresh()
    rules = assembly.rules_at(assembly.trunk)
    tz = tz_of(rules)
    day = next_working_day(now.astimezone(tz).date(), holidays_of(rules))
    horizon = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    items, errors = open_items(assembly)
    due = [
        i
        for i in items
        if i.proposal.status is lc.Status.OPEN and now <= i.proposal.round.deadline <= horizon
    ]
    return ReminderView(
        now, horizon, day, due, assembly.roster_at(assembly.trunk), rules.name, errors
    )


def reminder_text(view: ReminderView) -> tuple[str, str]:
    count = len(view.items)
    until = format_date(view.next_working_day)
    plural = "s" if count > 1 else ""
    subject = (
        f"[{view.name}] Rappel : {count} proposition{plural} se termine{'nt' if count > 1 else ''} "
        f"d'ici {until}"
    )
    lines = [
        f"{count} proposition{plural} se termine{'nt' if count > 1 else ''} d'ici la fin du "
        f"{until} :",
        "",
    ]
    for item in view.items:
        p = item.proposal
        tz = tz_of(p.rules)
        lines.append(
            f"• n°{p.id} « {one_line(p.title)} » — jusqu'au {format_instant(p.round.deadline, tz)}"
        )
        lines.append(f"    Avis à ce jour : {item.tally.describe()}.")
        if item.amended:
            lines.append("    Le texte a été modifié : les avis donnés avant ne comptent plus.")
        if item.silent:
            lines.append(
                f"    Pas encore positionné·es ({len(item.silent)}) : "
                f"{names(view.roster, item.silent)}."
            )
        else:
            lines.append("    Tout le monde s'est positionné.")
        lines.append(
            f'    Pour se positionner : assemblee vote {p.id} d-accord | abstention | pas-d-accord | blocage -r "raison"'
        )
        lines.append("")
    lines.append(
        "Sans blocage à l'échéance, une proposition par consentement est adoptée : le silence "
        "vaut consentement."
    )
    lines.append("")
    lines.append("-- ")
    lines.append(f"Rappel préparé par l'outil assemblee pour « {view.name} ».")
    return subject, "\n".join(lines) + "\n"
