"""`codesocial/regles.yml` and `codesocial/membres.yml`: the shipped files, and validation
errors that name the file, the key and the line in French."""

from __future__ import annotations

from datetime import date, time
from fractions import Fraction
from pathlib import Path

import pytest

from assemblee_cli.core.members import Member, Roster
from assemblee_cli.core.rules import DecisionRules, MeetingRules, MovedMeeting, Rules
from assemblee_cli.errors import ConfigError
from assemblee_cli.formats.codesocial import (
    RULES_PATH,
    dump_roster,
    merge_roster_additions,
    parse_roster,
    parse_rules,
    rules_to_data,
)
from assemblee_cli.formats.yamlio import dump_yaml

ROOT = Path(__file__).resolve().parents[2]
RULES_FILE = ROOT / "codesocial" / "regles.yml"
TEMPLATE_RULES_FILE = (
    ROOT / "src" / "assemblee_cli" / "data" / "template" / "codesocial" / "regles.yml"
)
ROSTER_FILE = ROOT / "codesocial" / "membres.yml"
SHIPPED = RULES_FILE.read_text(encoding="utf-8")
SOURCE = "codesocial/regles.yml"
ROSTER_SOURCE = "codesocial/membres.yml"


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line of `text` containing `needle`."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) >= occurrence, f"{needle!r} not in the text"
    return found[occurrence - 1]


def edited(old: str, new: str) -> str:
    assert SHIPPED.count(old) == 1, old
    return SHIPPED.replace(old, new)


def rules_error(text: str, source: str = SOURCE) -> str:
    with pytest.raises(ConfigError) as error:
        parse_rules(text, source)
    return error.value.message


def roster_error(text: str) -> str:
    with pytest.raises(ConfigError) as error:
        parse_roster(text, ROSTER_SOURCE)
    return error.value.message


# --- the shipped files --------------------------------------------------------------------


def test_shipped_rules_are_the_lille_defaults() -> None:
    rules = parse_rules(SHIPPED, RULES_PATH)
    assert rules == Rules()
    assert rules.decision == DecisionRules()
    assert rules.meetings == MeetingRules()
    assert rules.decision.two_thirds_threshold == Fraction(2, 3)
    assert rules.meetings.hour == time(19, 0)
    assert rules.holiday_subdivision is None


def test_template_rules_are_byte_identical_to_the_repository_rules() -> None:
    assert TEMPLATE_RULES_FILE.read_bytes() == RULES_FILE.read_bytes()


def test_shipped_roster_is_empty() -> None:
    roster = parse_roster(ROSTER_FILE.read_text(encoding="utf-8"), ROSTER_SOURCE)
    assert roster == Roster()
    assert roster.emails == ()


def test_rules_round_trip_through_yaml() -> None:
    rules = Rules(
        name="Assemblée de test",
        timezone="Europe/Paris",
        holiday_country="FR",
        holiday_subdivision="57",
        meetings=MeetingRules(
            weekday=1,
            which="premier",
            hour=time(18, 30),
            cancelled=(date(2026, 12, 31),),
            moved=(MovedMeeting(date(2026, 8, 27), date(2026, 9, 3)),),
        ),
        decision=DecisionRules(
            minimum_hours=48,
            block_requires_reason=False,
            days_between_rounds=14,
            blocked_rounds_before_two_thirds=3,
            meetings_before_two_thirds=0,
            two_thirds_threshold=Fraction(3, 4),
            abstentions_count_in_two_thirds=True,
            lock_months_after_two_thirds=6,
            quorum=5,
        ),
    )
    assert parse_rules(dump_yaml(rules_to_data(rules))) == rules
    assert parse_rules(dump_yaml(rules_to_data(Rules()))) == Rules()


def test_roster_round_trip() -> None:
    roster = Roster(
        (
            Member("Camille", "camille@exemple.org", date(2016, 1, 28), ("secretariat",)),
            Member("Dominique", "dominique@exemple.org", None, (), "ssh-ed25519 AAAA d@e"),
        )
    )
    assert parse_roster(dump_roster(roster)) == roster
    assert parse_roster(dump_roster(Roster())) == Roster()


# --- errors name the file, the key and the line ---------------------------------------------


def test_unknown_key() -> None:
    text = edited("  quorum: null\n", "  quorum: null\n  delai_secret: 3\n")
    message = rules_error(text)
    assert message.startswith(f"{SOURCE}, ligne {line_of(text, 'delai_secret')} : ")
    assert "clé inconnue « decision.delai_secret »" in message
    assert "jours_entre_tours" in message  # the keys that are possible


def test_unknown_top_level_key() -> None:
    text = SHIPPED + "couleur: verte\n"
    message = rules_error(text)
    assert f"ligne {line_of(text, 'couleur')}" in message
    assert "clé inconnue « couleur »" in message


def test_wrong_type_text_for_an_integer() -> None:
    text = edited("jours_entre_tours: 7", "jours_entre_tours: sept")
    message = rules_error(text)
    assert message.startswith(f"{SOURCE}, ligne {line_of(text, 'jours_entre_tours')} : ")
    assert "« decision.jours_entre_tours »" in message
    assert "nombre entier" in message
    assert "trouvé : « sept »" in message


def test_integer_below_its_minimum() -> None:
    text = edited("duree_minimale_heures: 72", "duree_minimale_heures: 0")
    message = rules_error(text)
    assert f"ligne {line_of(text, 'duree_minimale_heures')}" in message
    assert "« decision.duree_minimale_heures »" in message
    assert "supérieur ou égal à 1" in message


def test_missing_key() -> None:
    text = edited("  jours_entre_tours: 7\n", "")
    message = rules_error(text)
    # The line is the one of the table the key is missing from.
    assert message.startswith(f"{SOURCE}, ligne {line_of(text, 'decision:')} : ")
    assert "la clé « decision.jours_entre_tours » manque" in message


def test_missing_top_level_key() -> None:
    message = rules_error(edited("nom: Assemblée des communs de Lille\n", ""))
    assert message.startswith(SOURCE)
    assert "la clé « nom » manque" in message


def test_malformed_yaml_unclosed_bracket() -> None:
    text = edited("annulees: []", "annulees: [2026-12-31")
    message = rules_error(text)
    assert message.startswith(f"{SOURCE}, ligne ")
    line = int(message.split("ligne ")[1].split(" ")[0])
    assert line_of(text, "annulees") <= line <= line_of(text, "annulees") + 1
    assert "YAML invalide" in message
    assert "corrigez le fichier" in message


@pytest.mark.parametrize("text", ["a: " + "1" * 5000 + "\n", "[" * 3000 + "]" * 3000 + "\n"])
def test_yaml_that_python_cannot_hold_is_a_config_error(text: str) -> None:
    message = rules_error(text)
    assert message.startswith(SOURCE)
    # Either the parser gives up, or the (deep but parsable) list is refused as not a table.
    assert "YAML invalide" in message or "doit contenir une table de clés" in message


LAUGHS = "l0: &l0 [x, x]\n" + "".join(f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]\n" for i in range(1, 40))


@pytest.mark.parametrize("text", ["&a [*a]\n", "&a {nom: *a}\n", LAUGHS])
def test_recursive_or_exploding_aliases_are_refused_quickly(text: str) -> None:
    """An alias pointing back at its anchor, or 2**40 paths through shared nodes."""
    assert rules_error(text).startswith(SOURCE)
    with pytest.raises(ConfigError):
        parse_roster(text, ROSTER_SOURCE)


@pytest.mark.parametrize("zone", ["Europe/Lile", "Europe", "Mars/Olympus", "../Paris", "x" * 300])
def test_bad_time_zone(zone: str) -> None:
    text = edited("fuseau_horaire: Europe/Paris", f"fuseau_horaire: {zone}")
    message = rules_error(text)
    assert message.startswith(f"{SOURCE}, ligne {line_of(text, 'fuseau_horaire:')} : ")
    assert "« fuseau_horaire »" in message
    assert "fuseau horaire connu" in message


def test_bad_date_in_cancelled_meetings() -> None:
    text = edited("annulees: []", 'annulees: ["2026-12-31", "2026-02-30"]')
    message = rules_error(text)
    assert message.startswith(f"{SOURCE}, ligne {line_of(text, 'annulees')} : ")
    assert "« reunions.annulees[2] »" in message
    assert "date AAAA-MM-JJ" in message
    assert "2026-02-30" in message


def test_bad_date_in_moved_meetings_block_style() -> None:
    text = edited(
        "  deplacees: []",
        '  deplacees:\n    - de: "2026-12-31"\n      a: "demain"',
    )
    message = rules_error(text)
    line = line_of(text, "demain")
    assert message.startswith(f"{SOURCE}, ligne {line} : ")
    assert "« reunions.deplacees[1].a »" in message


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        ('"deux tiers"', "une fraction comme « 2/3 »"),
        ('"2/0"', "une fraction comme « 2/3 »"),
        ('"3/2"', "entre 0 et 1"),
        ("0", "entre 0 et 1"),
        ('"-1/3"', "entre 0 et 1"),
        ("true", "une fraction comme « 2/3 »"),
        ("[2, 3]", "une fraction comme « 2/3 »"),
        # Fraction("1e999999999") would compute 10**999999999: refused before that.
        ('"1e999999999"', "une fraction comme « 2/3 »"),
    ],
)
def test_bad_fraction(fraction: str, expected: str) -> None:
    text = edited('seuil_deux_tiers: "2/3"', f"seuil_deux_tiers: {fraction}")
    message = rules_error(text)
    assert message.startswith(f"{SOURCE}, ligne {line_of(text, 'seuil_deux_tiers')} : ")
    assert "« decision.seuil_deux_tiers »" in message
    assert expected in message


def test_other_fractions_are_read() -> None:
    text = edited('seuil_deux_tiers: "2/3"', "seuil_deux_tiers: 0.75")
    assert parse_rules(text).decision.two_thirds_threshold == Fraction(3, 4)
    text = edited('seuil_deux_tiers: "2/3"', 'seuil_deux_tiers: " 3 / 5 "')
    assert parse_rules(text).decision.two_thirds_threshold == Fraction(3, 5)
    for written in ("1", '"1."', '".5"'):
        text = edited('seuil_deux_tiers: "2/3"', f"seuil_deux_tiers: {written}")
        assert 0 < parse_rules(text).decision.two_thirds_threshold <= 1


def test_unknown_meeting_rank() -> None:
    text = edited("rang: dernier", "rang: avant-dernier")
    message = rules_error(text)
    assert f"ligne {line_of(text, 'rang:')}" in message
    assert "« reunions.rang »" in message
    assert "premier, deuxieme, troisieme, quatrieme, dernier" in message


def test_source_is_named_as_given() -> None:
    message = rules_error("nom: [", "origin/main:codesocial/regles.yml")
    assert message.startswith("origin/main:codesocial/regles.yml")


def test_file_that_is_no_table() -> None:
    message = rules_error("- une\n- liste\n")
    assert message.startswith(SOURCE)
    assert "table de clés" in message
    assert "table de clés" in rules_error("")


# --- YAML 1.1 pitfalls -------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["no", "yes", "on", "off", "oui", "non"])
def test_yaml11_booleans_stay_strings_and_are_refused(word: str) -> None:
    text = edited("blocage_argumente: true", f"blocage_argumente: {word}")
    message = rules_error(text)
    assert message.startswith(f"{SOURCE}, ligne {line_of(text, 'blocage_argumente')} : ")
    assert "« decision.blocage_argumente »" in message
    assert "true ou false" in message
    assert f"trouvé : « {word} »" in message


def test_yaml11_sexagesimal_time_stays_text() -> None:
    rules = parse_rules(edited('heure: "19:00"', "heure: 12:30"))
    assert rules.meetings.hour == time(12, 30)


def test_yaml11_dates_and_norway_stay_text() -> None:
    text = edited("annulees: []", "annulees: [2026-12-31]").replace("pays: FR", "pays: NO")
    rules = parse_rules(text)
    assert rules.meetings.cancelled == (date(2026, 12, 31),)
    assert rules.holiday_country == "NO"


def test_yaml11_octal_is_a_decimal_integer() -> None:
    text = edited("jours_entre_tours: 7", "jours_entre_tours: 010")
    assert parse_rules(text).decision.days_between_rounds == 10


def test_time_as_number_is_refused() -> None:
    text = edited('heure: "19:00"', "heure: 19")
    message = rules_error(text)
    assert f"ligne {line_of(text, 'heure:')}" in message
    assert "« reunions.heure »" in message
    assert "heure HH:MM" in message


# --- the roster ---------------------------------------------------------------------------------

ROSTER = """\
# Membres
- nom: Camille
  email: camille@exemple.org
  depuis: "2016-01-28"
  roles: [secretariat]
- nom: Dominique
  email: dominique@exemple.org
"""


def test_roster_reads() -> None:
    roster = parse_roster(ROSTER, ROSTER_SOURCE)
    assert roster.emails == ("camille@exemple.org", "dominique@exemple.org")
    assert roster.members[0].since == date(2016, 1, 28)
    assert roster.members[0].roles == ("secretariat",)


def test_duplicate_email_in_roster() -> None:
    text = ROSTER + "- nom: Camille bis\n  email: Camille@Exemple.org\n"
    message = roster_error(text)
    assert message.startswith(f"{ROSTER_SOURCE}, ligne {line_of(text, 'Camille@Exemple.org')} : ")
    # Said as people count the entries, with their names, and where it first appears.
    assert (
        "l'adresse « Camille@Exemple.org » du membre n°3 (Camille bis) est déjà celle du "
        "membre n°1 (Camille)" in message
    )


def test_roster_entry_without_email() -> None:
    text = ROSTER + "- nom: Sans adresse\n"
    message = roster_error(text)
    assert message.startswith(f"{ROSTER_SOURCE}, ligne {line_of(text, 'Sans adresse')} : ")
    assert "la clé « email » du membre n°3 (Sans adresse) manque" in message


def test_roster_entry_with_a_malformed_email() -> None:
    text = ROSTER.replace("dominique@exemple.org", "dominique chez exemple")
    message = roster_error(text)
    assert f"ligne {line_of(text, 'dominique chez')}" in message
    assert "la clé « email » du membre n°2 (Dominique) doit être" in message
    assert "adresse électronique" in message


def test_unknown_role() -> None:
    text = ROSTER.replace("roles: [secretariat]", "roles: [secretariat, tresorerie]")
    message = roster_error(text)
    assert message.startswith(f"{ROSTER_SOURCE}, ligne {line_of(text, 'tresorerie')} : ")
    assert "« roles[2] » du membre n°1 (Camille)" in message
    assert "secretariat, maintenance" in message
    assert "tresorerie" in message


def test_unknown_roster_key() -> None:
    text = ROSTER + "  telephone: 0600000000\n"
    message = roster_error(text)
    assert f"ligne {line_of(text, 'telephone')}" in message
    assert "clé inconnue « telephone » du membre n°2 (Dominique)" in message


def test_roster_must_be_a_list() -> None:
    message = roster_error("nom: Camille\nemail: camille@exemple.org\n")
    assert message.startswith(ROSTER_SOURCE)
    assert "une liste" in message


def test_roster_malformed_yaml_is_a_config_error() -> None:
    message = roster_error("- nom: [Camille\n  email: c@e.org\n")
    assert message.startswith(f"{ROSTER_SOURCE}, ligne ")
    assert "YAML invalide" in message


def test_roster_date_yaml11_stays_text_but_must_be_valid() -> None:
    text = ROSTER.replace('depuis: "2016-01-28"', "depuis: 2016-01-28")
    assert parse_roster(text).members[0].since == date(2016, 1, 28)
    text = ROSTER.replace('depuis: "2016-01-28"', "depuis: 28/01/2016")
    message = roster_error(text)
    assert f"ligne {line_of(text, 'depuis')}" in message
    assert "« depuis » du membre n°1 (Camille)" in message


ROSTER_BASE = b"# Les membres.\n- nom: Alice\n  email: alice@exemple.org\n"
ELISE = b"- nom: \xc3\x89lise\n  email: elise@exemple.org\n"
FARID = b"- nom: Farid\n  email: farid@exemple.org\n  roles: [secretariat]\n"


def test_two_rosters_that_each_welcome_someone_merge_into_both() -> None:
    merged = merge_roster_additions(ROSTER_BASE, ROSTER_BASE + ELISE, ROSTER_BASE + FARID)
    assert merged == ROSTER_BASE + ELISE + FARID
    assert merged is not None
    emails = parse_roster(merged.decode()).emails
    assert emails == ("alice@exemple.org", "elise@exemple.org", "farid@exemple.org")
    # A side whose last line had no line end keeps its entry whole.
    assert merge_roster_additions(ROSTER_BASE, ROSTER_BASE + ELISE[:-1], ROSTER_BASE + FARID) == (
        ROSTER_BASE + ELISE + FARID
    )


@pytest.mark.parametrize(
    "ours, theirs",
    [
        # the same person welcomed twice: the roster would name her twice
        (ROSTER_BASE + ELISE, ROSTER_BASE + ELISE.replace(b"\xc3\x89lise", b"Elise")),
        # a member changed (not only added) on one side
        (ROSTER_BASE.replace(b"Alice", b"Alice M.") + ELISE, ROSTER_BASE + FARID),
        (ROSTER_BASE + ELISE, ROSTER_BASE.replace(b"# Les", b"# Nos") + FARID),
        # an addition that is not a member
        (ROSTER_BASE + ELISE, ROSTER_BASE + b"- nom: Farid\n"),
    ],
)
def test_rosters_changed_otherwise_are_left_to_people(ours: bytes, theirs: bytes) -> None:
    assert merge_roster_additions(ROSTER_BASE, ours, theirs) is None


def test_a_base_cut_mid_line_is_left_to_people() -> None:
    base = ROSTER_BASE[:-1]
    assert merge_roster_additions(base, base + b"x\n" + ELISE, base + b"y\n" + FARID) is None
