"""The machine-readable part of a code social: `codesocial/regles.yml` and `codesocial/membres.yml`.

Both are read from text (a file of the working tree or a blob of a commit) and validated: any
unknown key, wrong type or missing value is refused with one French sentence naming the file,
the key and the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from assemblee_cli.core.members import ROLES, Member, Roster
from assemblee_cli.core.rules import DecisionRules, MeetingRules, MovedMeeting, Rules
from assemblee_cli.errors import AssembleeError, ConfigError
from assemblee_cli.formats.schema import Reader, dotted
from assemblee_cli.formats.yamlio import Document, Path, dump_yaml, load_yaml

RULES_PATH = "codesocial/regles.yml"
ROSTER_PATH = "codesocial/membres.yml"

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
RANKS = ("premier", "deuxieme", "troisieme", "quatrieme", "dernier")

_TOP_KEYS = ("nom", "fuseau_horaire", "jours_feries", "reunions", "decision")
_MEETING_KEYS = ("jour", "rang", "heure", "annulees", "deplacees")
_DECISION_KEYS = (
    "duree_minimale_heures",
    "blocage_argumente",
    "jours_entre_tours",
    "tours_bloques_avant_deux_tiers",
    "reunions_avant_deux_tiers",
    "seuil_deux_tiers",
    "abstentions_comptees_aux_deux_tiers",
    "mois_de_gel_apres_deux_tiers",
    "quorum",
)


def _load(text: str, source: str) -> Document:
    """Parse YAML; a syntax error is a ConfigError too (the file is malformed)."""
    try:
        return load_yaml(text, source)
    except ConfigError:
        raise
    except AssembleeError as exc:
        raise ConfigError(exc.message) from None


def parse_rules(text: str, source: str = RULES_PATH) -> Rules:
    document = _load(text, source)
    return rules_from_data(document.data, Reader(document, source, ConfigError))


def rules_from_data(data: Any, reader: Reader, base: Path = ()) -> Rules:
    top = reader.mapping(data, base, _TOP_KEYS)
    holidays = reader.mapping(
        top["jours_feries"], (*base, "jours_feries"), ("pays",), ("subdivision",)
    )
    subdivision = holidays.get("subdivision")
    return Rules(
        name=reader.text(top["nom"], (*base, "nom")),
        timezone=_timezone(reader, top["fuseau_horaire"], (*base, "fuseau_horaire")),
        holiday_country=reader.text(holidays["pays"], (*base, "jours_feries", "pays")).upper(),
        holiday_subdivision=(
            None
            if subdivision is None
            else reader.text(subdivision, (*base, "jours_feries", "subdivision"))
        ),
        meetings=_meetings(reader, top["reunions"], (*base, "reunions")),
        decision=_decision(reader, top["decision"], (*base, "decision")),
    )


def _timezone(reader: Reader, value: Any, path: Path) -> str:
    name = reader.text(value, path)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a directory
        reader.fail_key(path, "un fuseau horaire connu, par exemple Europe/Paris", value)
    return name


def _meetings(reader: Reader, value: Any, path: Path) -> MeetingRules:
    data = reader.mapping(value, path, ("jour", "rang"), ("heure", "annulees", "deplacees"))
    moved = []
    for index, item in enumerate(reader.sequence(data.get("deplacees"), (*path, "deplacees"))):
        item_path = (*path, "deplacees", index)
        entry = reader.mapping(item, item_path, ("de", "a"))
        moved.append(
            MovedMeeting(
                reader.date(entry["de"], (*item_path, "de")),
                reader.date(entry["a"], (*item_path, "a")),
            )
        )
    cancelled = reader.sequence(data.get("annulees"), (*path, "annulees"))
    return MeetingRules(
        weekday=WEEKDAYS.index(reader.choice(data["jour"], (*path, "jour"), WEEKDAYS)),
        which=reader.choice(data["rang"], (*path, "rang"), RANKS),
        hour=reader.time(data.get("heure", "19:00"), (*path, "heure")),
        cancelled=tuple(
            reader.date(item, (*path, "annulees", index)) for index, item in enumerate(cancelled)
        ),
        moved=tuple(moved),
    )


def _decision(reader: Reader, value: Any, path: Path) -> DecisionRules:
    data = reader.mapping(value, path, _DECISION_KEYS[:-1], ("quorum", "votes_signes"))
    quorum = data.get("quorum")

    def integer(key: str, minimum: int = 0) -> int:
        return reader.integer(data[key], (*path, key), minimum)

    return DecisionRules(
        minimum_hours=integer("duree_minimale_heures", 1),
        block_requires_reason=reader.boolean(
            data["blocage_argumente"], (*path, "blocage_argumente")
        ),
        days_between_rounds=integer("jours_entre_tours"),
        blocked_rounds_before_two_thirds=integer("tours_bloques_avant_deux_tiers", 1),
        meetings_before_two_thirds=integer("reunions_avant_deux_tiers"),
        two_thirds_threshold=_fraction(
            reader, data["seuil_deux_tiers"], (*path, "seuil_deux_tiers")
        ),
        abstentions_count_in_two_thirds=reader.boolean(
            data["abstentions_comptees_aux_deux_tiers"],
            (*path, "abstentions_comptees_aux_deux_tiers"),
        ),
        lock_months_after_two_thirds=integer("mois_de_gel_apres_deux_tiers"),
        quorum=None if quorum is None else reader.integer(quorum, (*path, "quorum"), 1),
        signed_votes=reader.boolean(data.get("votes_signes", False), (*path, "votes_signes")),
    )


# "2/3", "0.75", "1": no exponent, which Fraction would expand (« 1e999999999 » never ends).
_FRACTION = re.compile(r"[-+]?(?:[0-9]+/[0-9]+|[0-9]*\.[0-9]+|[0-9]+\.?)")


def _fraction(reader: Reader, value: Any, path: Path) -> Fraction:
    text = str(value).replace(" ", "")
    if isinstance(value, bool) or len(text) > 40 or not _FRACTION.fullmatch(text):
        reader.fail_key(path, "une fraction comme « 2/3 »", value)
    try:
        result = Fraction(text)
    except (ValueError, ZeroDivisionError):
        reader.fail_key(path, "une fraction comme « 2/3 »", value)
    if not 0 < result <= 1:
        reader.fail_key(path, "une fraction entre 0 et 1, comme « 2/3 »", value)
    return result


def rules_to_data(rules: Rules) -> dict[str, Any]:
    meetings = rules.meetings
    decision = rules.decision
    return {
        "nom": rules.name,
        "fuseau_horaire": rules.timezone,
        "jours_feries": {"pays": rules.holiday_country, "subdivision": rules.holiday_subdivision},
        "reunions": {
            "jour": WEEKDAYS[meetings.weekday],
            "rang": meetings.which,
            "heure": meetings.hour.strftime("%H:%M"),
            "annulees": [day.isoformat() for day in meetings.cancelled],
            "deplacees": [
                {"de": move.original.isoformat(), "a": move.new.isoformat()}
                for move in meetings.moved
            ],
        },
        "decision": {
            "duree_minimale_heures": decision.minimum_hours,
            "blocage_argumente": decision.block_requires_reason,
            "jours_entre_tours": decision.days_between_rounds,
            "tours_bloques_avant_deux_tiers": decision.blocked_rounds_before_two_thirds,
            "reunions_avant_deux_tiers": decision.meetings_before_two_thirds,
            "seuil_deux_tiers": str(decision.two_thirds_threshold),
            "abstentions_comptees_aux_deux_tiers": decision.abstentions_count_in_two_thirds,
            "mois_de_gel_apres_deux_tiers": decision.lock_months_after_two_thirds,
            "quorum": decision.quorum,
            "votes_signes": decision.signed_votes,
        },
    }


def parse_roster(text: str, source: str = ROSTER_PATH) -> Roster:
    document = _load(text, source)
    data = document.data if isinstance(document.data, list) else []
    reader = Reader(document, source, ConfigError, _roster_where(data))
    items = reader.sequence(document.data, ())
    members: list[Member] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        path: Path = (index,)
        entry = reader.mapping(item, path, ("nom", "email"), ("depuis", "roles", "cle_ssh"))
        email = reader.text(entry["email"], (index, "email"))
        if "@" not in email or " " in email:
            reader.fail_key((index, "email"), "une adresse électronique", email)
        if email.lower() in seen:
            first = _member_words(data, seen[email.lower()])
            reader.fail(
                (index, "email"),
                f"l'adresse « {email} » {_member_words(data, index)} est déjà celle {first} : "
                "chaque membre n'apparaît qu'une fois.",
            )
        seen[email.lower()] = index
        roles = tuple(
            reader.choice(role, (index, "roles", r), ROLES)
            for r, role in enumerate(reader.sequence(entry.get("roles"), (index, "roles")))
        )
        since = entry.get("depuis")
        members.append(
            Member(
                name=reader.text(entry["nom"], (index, "nom")),
                email=email,
                since=None if since is None else reader.date(since, (index, "depuis")),
                roles=roles,
                ssh_key=reader.optional_text(entry.get("cle_ssh"), (index, "cle_ssh")),
            )
        )
    return Roster(tuple(members))


def _member_words(items: list[Any], index: int) -> str:
    """« du membre n°3 (Camille Exemple) »: an entry of the roster as people count them."""
    item = items[index] if index < len(items) else None
    name = item.get("nom") if isinstance(item, dict) else None
    named = f" ({name.strip()})" if isinstance(name, str) and name.strip() else ""
    return f"du membre n°{index + 1}{named}"


def _roster_where(items: list[Any]) -> Callable[[Path], str]:
    """How the roster's keys are named in messages: « email » du membre n°3 (…)."""

    def where(path: Path) -> str:
        if not path or not isinstance(path[0], int):
            return f"« {dotted(path)} »"
        member = _member_words(items, path[0])
        return f"« {dotted(path[1:])} » {member}" if len(path) > 1 else member

    return where


def merge_roster_additions(base: bytes, ours: bytes, theirs: bytes) -> bytes | None:
    """Two rosters that each only added members after the whole of `base` (two proposals
    welcoming someone in the same month: the commonest change of the file, which git sees as
    a conflict): `ours`, then what `theirs` added. None when either side changed anything
    else, or when the result is not a valid roster (the same person added twice, say): a
    conflict for people to resolve."""
    if (base and not base.endswith(b"\n")) or not (
        ours.startswith(base) and theirs.startswith(base)
    ):
        return None
    merged = (ours if ours.endswith(b"\n") else ours + b"\n") + theirs[len(base) :]
    try:
        parse_roster(merged.decode("utf-8"))
    except (ConfigError, UnicodeDecodeError):
        return None
    return merged


def roster_to_data(roster: Roster) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for member in roster.members:
        entry: dict[str, Any] = {"nom": member.name, "email": member.email}
        if member.since:
            entry["depuis"] = member.since.isoformat()
        if member.roles:
            entry["roles"] = list(member.roles)
        if member.ssh_key:
            entry["cle_ssh"] = member.ssh_key
        result.append(entry)
    return result


def dump_roster(roster: Roster, header: str = "") -> str:
    body = dump_yaml(roster_to_data(roster)) if roster.members else "[]\n"
    return header + body


def missing_file(path: str) -> ConfigError:
    return ConfigError(
        f"{path} : fichier introuvable ; ce dépôt n'est pas un code social complet "
        "(créez-en un avec « assemblee init »)."
    )
