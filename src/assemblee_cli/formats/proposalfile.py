"""Proposal files `proposals/NNNN-slug.md`: YAML frontmatter (the record) and a markdown body
(the public description). Written with stable key order and quoted instants; read strictly and
validated field by field, so a hand-edited or broken file is named with its path and line."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from assemblee_cli.core.lifecycle import Announcement, Mode, Proposal, Round, Status, Vote
from assemblee_cli.core.members import normalise_email
from assemblee_cli.core.tally import Choice, Outcome, Tally
from assemblee_cli.errors import ProposalFileError
from assemblee_cli.formats.codesocial import rules_from_data, rules_to_data
from assemblee_cli.formats.schema import Reader
from assemblee_cli.formats.yamlio import (
    Document,
    Entries,
    Path,
    dump_yaml,
    load_yaml,
    load_yaml_entries,
    top_entries,
)

PROPOSALS_DIR = "proposals"
BRANCH_PREFIX = "proposition/"
NAME_PATTERN = re.compile(r"^(\d{4,})-([a-z0-9][a-z0-9-]*)$")
FILE_PATTERN = re.compile(r"^proposals/(\d{4,})-([a-z0-9][a-z0-9-]*)\.md$")

_TOP_REQUIRED = ("id", "titre", "auteur", "ouverte_le", "statut", "tours", "membres", "regles")
_TOP_OPTIONAL = ("conteste", "fichiers", "retiree_le", "votes", "annonces")
_ROUND_REQUIRED = ("numero", "mode", "ouvert_le", "echeance", "version_texte")
_ROUND_OPTIONAL = ("resultat", "clos_le", "decompte")
_VOTE_REQUIRED = ("membre", "choix", "tour", "date", "version_texte")
_VOTE_OPTIONAL = ("raison", "saisi_par", "origine")
_CHOICES = tuple(c.value for c in Choice)


def instant_text(moment: datetime) -> str:
    """RFC 3339 in UTC, to the second: the form every instant takes in a proposal file."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _optional_instant(moment: datetime | None) -> str | None:
    return None if moment is None else instant_text(moment)


def _round_data(item: Round) -> dict[str, Any]:
    return {
        "numero": item.number,
        "mode": item.mode.value,
        "ouvert_le": instant_text(item.opened_at),
        "echeance": instant_text(item.deadline),
        "version_texte": item.text_version,
        "resultat": item.result.value if item.result else None,
        "clos_le": _optional_instant(item.closed_at),
        "decompte": item.tally.as_dict() if item.tally else None,
    }


def _vote_data(vote: Vote) -> dict[str, Any]:
    data: dict[str, Any] = {
        "membre": vote.member,
        "choix": vote.choice.value,
        "tour": vote.round,
        "date": instant_text(vote.cast_at),
        "version_texte": vote.text_version,
    }
    if vote.reason:
        data["raison"] = vote.reason
    if vote.recorded_by:
        data["saisi_par"] = vote.recorded_by
    if vote.source:
        data["origine"] = vote.source
    return data


def proposal_to_data(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.id,
        "titre": proposal.title,
        "auteur": {"nom": proposal.author_name, "email": proposal.author},
        "ouverte_le": instant_text(proposal.opened_at),
        "statut": proposal.status.value,
        "conteste": proposal.challenges,
        "fichiers": list(proposal.files),
        "retiree_le": _optional_instant(proposal.withdrawn_at),
        "tours": [_round_data(item) for item in proposal.rounds],
        "votes": [_vote_data(vote) for vote in proposal.votes],
        "annonces": [{"date": instant_text(a.at), "lieu": a.where} for a in proposal.announcements],
        "membres": list(proposal.members),
        "regles": rules_to_data(proposal.rules),
    }


def dump_proposal(proposal: Proposal) -> str:
    header = dump_yaml(proposal_to_data(proposal))
    body = proposal.description.strip()
    return f"---\n{header}---\n\n{body}\n" if body else f"---\n{header}---\n"


def split_frontmatter(text: str, source: str) -> tuple[str, str]:
    from frontmatter.default_handlers import YAMLHandler

    text = text.removeprefix("\ufeff")
    handler = YAMLHandler()
    if not handler.detect(text):
        raise ProposalFileError(
            f"{source}, ligne 1 : le fichier doit commencer par un en-tête YAML entre deux "
            "lignes « --- »."
        )
    try:
        header, body = handler.split(text)
    except ValueError:
        raise ProposalFileError(
            f"{source}, ligne 1 : l'en-tête YAML ouvert ici n'est pas fermé par une ligne « --- »."
        ) from None
    return header, body


def _header_line_offset(text: str) -> int:
    """Lines of the file before the header text returned by split_frontmatter: the header
    starts right after the opening « --- » match, which may swallow blank lines."""
    from frontmatter.default_handlers import YAMLHandler

    text = text.removeprefix("\ufeff")
    match = YAMLHandler.FM_BOUNDARY.search(text)
    return text[: match.end()].count("\n") if match else 0


def parse_proposal(
    text: str, path: str, where: str | None = None, entries: Entries | None = None
) -> Proposal:
    """Read and validate a proposal file; any problem is one sentence naming its path (and
    `where` it was read: a branch, a commit). With `entries` (made by repeated_entries()),
    the copy of the rules and roster that many versions share is parsed and checked once."""
    return parse_proposal_with_data(text, path, where, entries)[0]


def repeated_entries() -> Entries:
    """What parse_proposal may keep between files: the rules and the roster, as copied."""
    return Entries(("regles", "membres"))


def parse_proposal_with_data(
    text: str, path: str, where: str | None = None, entries: Entries | None = None
) -> tuple[Proposal, Any, str]:
    """Like parse_proposal, and also return the header's YAML data and the body, which can be
    cached (by blob) to skip the YAML parsing next time."""
    source = f"{path} ({where})" if where else path
    header, body = split_frontmatter(text, source)
    try:
        offset = _header_line_offset(text)
        document = load_yaml_entries(header, source, entries, line_offset=offset)
    except Exception as exc:  # the YAML layer already words it in French
        raise ProposalFileError(str(exc)) from None
    reader = Reader(document, source, ProposalFileError)
    body = body.strip()
    proposal = _ProposalReader(reader, path, entries).proposal(document.data, body)
    return proposal, document.data, body


def parse_proposal_data(
    data: Any, body: str, path: str, where: str | None, text: Callable[[], str]
) -> Proposal:
    """Validate header data parsed earlier (from the cache); `text` gives the file back only
    if an error needs a line number."""
    source = f"{path} ({where})" if where else path

    def lines() -> dict[Path, int]:
        full = text()
        header, _body = split_frontmatter(full, source)
        return load_yaml(header, source, line_offset=_header_line_offset(full)).lines

    reader = Reader(Document(data, lines), source, ProposalFileError)
    return _ProposalReader(reader, path).proposal(data, body)


_VOTES_KEY = re.compile(r"^['\"]?votes['\"]?\s*:")


def parse_with_added_votes(
    old_text: str, old: Proposal, new_text: str, path: str, where: str | None = None
) -> Proposal | None:
    """The next version of a proposal file when it only adds votes to the block list
    `votes:` of the previous one (`old`, parsed from `old_text`): only the added lines are
    parsed and validated. None when the change is anything else, or the added votes are
    invalid: the caller parses the whole file, which words the error. `verify` reads every
    version of every file; most add one vote."""
    added = _added_votes(old_text, len(old.votes), new_text)
    if added is None:
        return None
    before, items = added
    source = f"{path} ({where})" if where else path
    try:
        reader = _ProposalReader(Reader(Document(items), source, ProposalFileError), path)
        votes = tuple(
            reader.vote(item, ("votes", before + i), len(old.rounds))
            for i, item in enumerate(items)
        )
    except Exception:  # worded by the caller's full parse
        return None
    return replace(old, votes=old.votes[:before] + votes + old.votes[before:])


def data_after(old_text: str, old_data: Any, new_text: str) -> tuple[Any, str] | None:
    """The header data and body of the next version of a proposal file, from the previous
    version's (`old_data`, parsed from `old_text`), when the header is the same text or only
    adds votes (then only the added lines are parsed). Not checked: the caller validates the
    data as it does a cached header's. None when anything else changed, or the text does not
    read: the caller parses the whole file (a fetch that brings a vote on every open
    proposal then parses a few lines of each, not every file again)."""
    try:
        old_header, _old_body = split_frontmatter(old_text, "")
        header, body = split_frontmatter(new_text, "")
    except ProposalFileError:
        return None
    if header == old_header:
        return old_data, body.strip()
    old_votes = old_data.get("votes") if isinstance(old_data, dict) else None
    if not isinstance(old_votes, list):
        return None
    added = _added_votes(old_text, len(old_votes), new_text)
    if added is None:
        return None
    before, items = added
    return {**old_data, "votes": old_votes[:before] + items + old_votes[before:]}, body.strip()


def _added_votes(old_text: str, old_votes: int, new_text: str) -> tuple[int, list[Any]] | None:
    """When `new_text` is `old_text` (whose `votes:` list has `old_votes` items) with votes
    added to that block list and nothing else: where they go in the list, and their data as
    parsed from the added lines alone (not checked). None for any other change."""
    if "\r" in old_text or "\r" in new_text:
        return None
    old_lines = old_text.split("\n")
    new_lines = new_text.split("\n")
    added = len(new_lines) - len(old_lines)
    if added <= 0 or old_lines[:1] != ["---"]:
        return None
    at = 0
    while at < len(old_lines) and old_lines[at] == new_lines[at]:
        at += 1
    if at < len(old_lines) and (old_lines[at], new_lines[at]) == ("votes: []", "votes:"):
        if old_votes:
            return None
        # The first vote: the empty list becomes a block list.
        old_lines = [*old_lines[:at], "votes:", *old_lines[at + 1 :]]
        at += 1
        if at >= len(old_lines) or old_lines[at:] != new_lines[at + added :]:
            return None
    elif at >= len(old_lines) or old_lines[at:] != new_lines[at + added :]:
        return None
    inserted = new_lines[at : at + added]
    if not inserted[0].startswith("- ") or not old_lines[at - 1].strip():
        return None
    if any(not line.strip() or not line.startswith(("- ", "  ")) for line in inserted):
        return None
    if old_lines[at].startswith((" ", "\t")):
        return None  # in the middle of a vote
    try:
        end = old_lines.index("---", 1)  # the end of the header
    except ValueError:
        return None
    header = old_lines[1:end]
    if at > end or sum(1 for line in header if _VOTES_KEY.match(line)) != 1:
        return None
    keys = [i for i in range(1, at) if old_lines[i][:1] not in ("", " ", "\t", "-", "#")]
    if not keys or old_lines[keys[-1]] != "votes:":
        return None
    start = keys[-1]
    stop = next(
        (i for i in range(start + 1, end) if old_lines[i][:1] not in ("", " ", "\t", "-", "#")),
        end,
    )
    if sum(1 for line in old_lines[start + 1 : stop] if line.startswith("- ")) != old_votes:
        return None
    before = sum(1 for line in old_lines[start + 1 : at] if line.startswith("- "))
    try:
        items = load_yaml("\n".join(inserted), "").data
    except Exception:  # worded by the caller's full parse
        return None
    if not isinstance(items, list) or len(items) != sum(
        1 for line in inserted if line.startswith("- ")
    ):
        return None
    return before, items


def parse_with_same_votes(
    old_text: str,
    old: Proposal,
    new_text: str,
    path: str,
    where: str | None = None,
    entries: Entries | None = None,
) -> Proposal | None:
    """The next version of a proposal file when its `votes:` entry is the same text as in
    the previous one (`old`, parsed from `old_text`) and it has at least as many rounds (a
    closing, a new round): everything but the votes is read and checked, and the votes are
    those of `old` (a vote checked once stays valid with more rounds). None when that does
    not apply or the file is invalid: the caller parses the whole file, which words the
    error."""
    try:
        old_header, _old_body = split_frontmatter(old_text, path)
        header, body = split_frontmatter(new_text, path)
    except ProposalFileError:
        return None
    before = top_entries(old_header)
    after = top_entries(header)
    if before is None or after is None:
        return None
    votes = dict(after).get("votes")
    if votes is None or dict(before).get("votes") != votes:
        return None
    source = f"{path} ({where})" if where else path
    rest = "".join(part for key, part in after if key != "votes")
    try:
        document = load_yaml_entries(rest, source, entries)
        reader = Reader(document, source, ProposalFileError)
        found = _ProposalReader(reader, path, entries).proposal(
            document.data, body.strip(), votes=old.votes
        )
    except Exception:  # worded by the caller's full parse
        return None
    return found if len(found.rounds) >= len(old.rounds) else None


class _RepeatedValues:
    """What was worked out from a header value that repeats from one file to the next (the
    rules and the roster each proposal copies), kept by the value itself: read from the cache
    of headers, every decided proposal brings an equal copy, checked once per process. Only
    what passed its check is kept: an error is raised each time, naming its file and line."""

    LIMIT = 256

    def __init__(self) -> None:
        self._found: dict[tuple[str, Any], Any] = {}

    def checked(self, key: str, value: Any, check: Callable[[], Any]) -> Any:
        try:
            known = (key, _frozen(value))
            found = self._found.get(known, _UNKNOWN)
        except TypeError:  # a value that cannot be a key (never from YAML or JSON)
            return check()
        if found is _UNKNOWN:
            found = check()
            if len(self._found) >= self.LIMIT:
                self._found.clear()
            self._found[known] = found
        return found


def _frozen(value: Any) -> Any:
    """`value` (data read from YAML or JSON) as a key equal only to equal data of the same
    types (1, 1.0, True and "1" are different keys; so are a table and a list)."""
    if isinstance(value, dict):
        return (dict, tuple((_frozen(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return (list, tuple(_frozen(item) for item in value))
    return (type(value), value)


_UNKNOWN = object()
_REPEATED = _RepeatedValues()


class _ProposalReader:
    def __init__(self, reader: Reader, path: str, entries: Entries | None = None) -> None:
        self.r = reader
        self.path = path
        self.entries = entries

    def checked(self, key: str, value: Any, check: Callable[[], Any]) -> Any:
        """check(), done once for a value that Entries parsed once, or else for a value equal
        to one checked already in this process (it depends on the value only); an error is
        raised each time, never kept."""
        if self.entries is None:
            return _REPEATED.checked(key, value, check)
        return self.entries.checked_once(key, value, check)

    def proposal(
        self, data: Any, description: str, votes: tuple[Vote, ...] | None = None
    ) -> Proposal:
        """The proposal `data` describes; `votes` already read and checked (then `data` has
        no `votes` entry)."""
        r = self.r
        top = r.mapping(data, (), _TOP_REQUIRED, _TOP_OPTIONAL)
        number = r.integer(top["id"], ("id",), 1)
        match = FILE_PATTERN.match(self.path)
        if match and int(match.group(1)) != number:
            r.fail(("id",), f"l'identifiant {number} ne correspond pas au nom du fichier.")
        author = r.mapping(top["auteur"], ("auteur",), ("nom", "email"))
        rounds = tuple(
            self.round(item, ("tours", index))
            for index, item in enumerate(r.sequence(top["tours"], ("tours",)))
        )
        if not rounds:
            r.fail(("tours",), "la proposition doit avoir au moins un tour.")
        for index, item in enumerate(rounds):
            if item.number != index + 1:
                r.fail(("tours", index, "numero"), f"le tour n°{index + 1} est attendu ici.")
            if index < len(rounds) - 1 and item.result is None:
                r.fail(("tours", index, "resultat"), "un tour antérieur doit avoir un résultat.")
        if votes is None:
            votes = tuple(
                self.vote(item, ("votes", index), len(rounds))
                for index, item in enumerate(r.sequence(top.get("votes"), ("votes",)))
            )
        status = Status(r.choice(top["statut"], ("statut",), [s.value for s in Status]))
        self.check_status(status, rounds[-1])
        slug = match.group(2) if match else "proposition"
        conteste = top.get("conteste")
        withdrawn = top.get("retiree_le")
        return Proposal(
            id=number,
            slug=slug,
            title=r.text(top["titre"], ("titre",)),
            author=normalise_email(r.text(author["email"], ("auteur", "email"))),
            author_name=r.text(author["nom"], ("auteur", "nom")),
            opened_at=r.instant(top["ouverte_le"], ("ouverte_le",)),
            rules=self.checked(
                "regles", top["regles"], lambda: rules_from_data(top["regles"], r, ("regles",))
            ),
            members=self.checked(
                "membres",
                top["membres"],
                lambda: tuple(
                    normalise_email(r.text(m, ("membres", i)))
                    for i, m in enumerate(r.sequence(top["membres"], ("membres",)))
                ),
            ),
            rounds=rounds,
            votes=votes,
            status=status,
            challenges=None if conteste is None else r.integer(conteste, ("conteste",), 1),
            description=description,
            withdrawn_at=None if withdrawn is None else r.instant(withdrawn, ("retiree_le",)),
            files=tuple(
                r.text(f, ("fichiers", i))
                for i, f in enumerate(r.sequence(top.get("fichiers"), ("fichiers",)))
            ),
            announcements=tuple(
                self.announcement(item, ("annonces", i))
                for i, item in enumerate(r.sequence(top.get("annonces"), ("annonces",)))
            ),
        )

    def check_status(self, status: Status, last: Round) -> None:
        expected = {
            None: Status.OPEN,
            Outcome.ADOPTED: Status.ADOPTED,
            Outcome.POSTPONED: Status.POSTPONED,
            Outcome.REJECTED: Status.REJECTED,
        }[last.result]
        if status is not Status.WITHDRAWN and status is not expected:
            self.r.fail(
                ("statut",),
                f"le statut « {status.value} » contredit le résultat du dernier tour "
                f"(« {expected.value} » attendu).",
            )

    def round(self, data: Any, path: Path) -> Round:
        r = self.r
        item = r.mapping(data, path, _ROUND_REQUIRED, _ROUND_OPTIONAL)
        result = item.get("resultat")
        closed = item.get("clos_le")
        tally = item.get("decompte")
        opened = r.instant(item["ouvert_le"], (*path, "ouvert_le"))
        deadline = r.instant(item["echeance"], (*path, "echeance"))
        if deadline <= opened:
            r.fail((*path, "echeance"), "l'échéance doit être postérieure à l'ouverture du tour.")
        parsed_result = (
            None
            if result is None
            else Outcome(r.choice(result, (*path, "resultat"), [o.value for o in Outcome]))
        )
        if (parsed_result is None) != (closed is None):
            r.fail(path, "un tour clos doit avoir à la fois « resultat » et « clos_le ».")
        return Round(
            number=r.integer(item["numero"], (*path, "numero"), 1),
            mode=Mode(r.choice(item["mode"], (*path, "mode"), [m.value for m in Mode])),
            opened_at=opened,
            deadline=deadline,
            text_version=r.text(item["version_texte"], (*path, "version_texte")),
            result=parsed_result,
            closed_at=None if closed is None else r.instant(closed, (*path, "clos_le")),
            tally=None if tally is None else self.tally(tally, (*path, "decompte")),
        )

    def tally(self, data: Any, path: Path) -> Tally:
        item = self.r.mapping(data, path, _CHOICES)
        return Tally.from_dict({k: self.r.integer(item[k], (*path, k)) for k in _CHOICES})

    def vote(self, data: Any, path: Path, rounds: int) -> Vote:
        r = self.r
        item = r.mapping(data, path, _VOTE_REQUIRED, _VOTE_OPTIONAL)
        number = r.integer(item["tour"], (*path, "tour"), 1)
        if number > rounds:
            r.fail((*path, "tour"), f"le tour n°{number} n'existe pas.")
        recorded = item.get("saisi_par")
        source = item.get("origine")
        if source is not None and source != "web":
            r.fail((*path, "origine"), f"origine « {source} » inconnue (seule « web » existe).")
        return Vote(
            member=normalise_email(r.text(item["membre"], (*path, "membre"))),
            choice=Choice(r.choice(item["choix"], (*path, "choix"), _CHOICES)),
            round=number,
            cast_at=r.instant(item["date"], (*path, "date")),
            text_version=r.text(item["version_texte"], (*path, "version_texte")),
            reason=r.optional_text(item.get("raison"), (*path, "raison")),
            recorded_by=None if recorded is None else r.text(recorded, (*path, "saisi_par")),
            source=source,
        )

    def announcement(self, data: Any, path: Path) -> Announcement:
        item = self.r.mapping(data, path, ("date", "lieu"))
        return Announcement(
            at=self.r.instant(item["date"], (*path, "date")),
            where=self.r.text(item["lieu"], (*path, "lieu")),
        )


def slugify(title: str, limit: int = 40) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = words[:limit].rstrip("-")
    return slug or "proposition"


def parse_name(value: str) -> tuple[int, str] | None:
    """`0007-slug`, `proposition/0007-slug` or `proposals/0007-slug.md` → (7, "slug")."""
    name = value.removeprefix("refs/heads/").removeprefix(BRANCH_PREFIX)
    name = name.removeprefix(f"{PROPOSALS_DIR}/").removesuffix(".md")
    match = NAME_PATTERN.match(name)
    return (int(match.group(1)), match.group(2)) if match else None


def id_order(name: str) -> tuple[int, str]:
    """The key that sorts proposal names by number, then slug (`parse_name`; a name that is
    none sorts first): a bare `NNNN-slug` is read without `parse_name`'s prefixes, since
    sorting years of decided names calls it thousands of times."""
    match = NAME_PATTERN.match(name)
    if match:
        return int(match.group(1)), match.group(2)
    return parse_name(name) or (0, "")
