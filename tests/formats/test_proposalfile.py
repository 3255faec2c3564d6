"""Proposal files `proposals/NNNN-slug.md`: stable writing, strict reading, and errors that
name the path and the line."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers import T0, cast, open_sample

from assemblee_cli.core.lifecycle import (
    Announcement,
    Mode,
    Proposal,
    Status,
    close_round,
    decide_round,
    open_proposal,
    relaunch,
    withdraw,
)
from assemblee_cli.core.rules import DecisionRules, Rules
from assemblee_cli.core.tally import Choice, Outcome, Tally
from assemblee_cli.errors import AssembleeError, ProposalFileError
from assemblee_cli.formats.proposalfile import (
    data_after,
    dump_proposal,
    id_order,
    parse_name,
    parse_proposal,
    parse_proposal_data,
    parse_proposal_with_data,
    parse_with_same_votes,
    repeated_entries,
    slugify,
)
from assemblee_cli.formats.yamlio import dump_yaml

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ALICE = "alice@exemple.org"
BOB = "bob@exemple.org"
CLAIRE = "claire@exemple.org"
SECRETARY = "sec@exemple.org"
PATH = "proposals/0007-conditions-d-entree.md"


vote = cast


def sample(rules: Rules | None = None) -> Proposal:
    """Two rounds: the first blocked and closed, the second open with a vote."""
    proposal = open_sample(
        rules=rules,
        members=[ALICE, BOB, CLAIRE, SECRETARY],
        text_version="0a1b2c3d4e5f",
        description="Préciser qui peut rejoindre l'assemblée.\n\n## Pourquoi\n\n---\n\nFin.",
        files=["sections/04-droits.md"],
        challenges=3,
    )
    proposal = vote(proposal, BOB, Choice.AGREE, T0 + timedelta(hours=1))
    proposal = vote(
        proposal, CLAIRE, Choice.BLOCK, T0 + timedelta(hours=2), "Trop flou.\nVoir la réunion."
    )
    proposal = vote(proposal, ALICE, Choice.ABSTAIN, T0 + timedelta(hours=3), None, SECRETARY)
    closed_at = T0 + timedelta(days=3)
    proposal = close_round(proposal, decide_round(proposal, closed_at), closed_at)
    proposal = relaunch(
        proposal,
        now=T0 + timedelta(days=7),
        two_thirds=False,
        meetings=(),
        deadline=T0 + timedelta(days=10),
        text_version="99aa77bb55cc",
    )
    proposal = vote(proposal, BOB, Choice.DISAGREE, T0 + timedelta(days=7, hours=1), "Non.")
    return replace(
        proposal,
        announcements=(
            Announcement(T0 + timedelta(minutes=5), "liste de diffusion"),
            Announcement(T0 + timedelta(hours=6), "wiki"),
        ),
    )


SAMPLE = sample()
VALID = dump_proposal(SAMPLE)


def error_of(text: str, path: str = PATH) -> str:
    with pytest.raises(ProposalFileError) as error:
        parse_proposal(text, path)
    return error.value.message


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) >= occurrence, f"{needle!r} not in the text"
    return found[occurrence - 1]


def replace_once(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# --- writing and reading back -------------------------------------------------------------


def test_round_trip_two_rounds_votes_and_announcements() -> None:
    parsed = parse_proposal(VALID, PATH)
    assert parsed == SAMPLE
    assert [r.number for r in parsed.rounds] == [1, 2]
    assert parsed.rounds[0].result is Outcome.POSTPONED
    assert parsed.rounds[0].tally == Tally(agree=1, abstain=1, block=1)
    assert parsed.status is Status.OPEN
    claire = next(v for v in parsed.votes if v.member == CLAIRE)
    assert claire.reason == "Trop flou.\nVoir la réunion."
    alice = next(v for v in parsed.votes if v.member == ALICE)
    assert alice.recorded_by == SECRETARY
    assert [a.where for a in parsed.announcements] == ["liste de diffusion", "wiki"]
    assert parsed.description.endswith("Fin.")
    assert parsed.slug == "conditions-d-entree"
    assert parsed.path == PATH


def test_round_trip_decided_withdrawn_and_two_thirds() -> None:
    withdrawn = withdraw(SAMPLE, ALICE, T0 + timedelta(days=8))
    assert parse_proposal(dump_proposal(withdrawn), PATH) == withdrawn

    rules = Rules(decision=DecisionRules(quorum=2, abstentions_count_in_two_thirds=True))
    decided = sample(rules)
    decided = close_round(
        decided, decide_round(decided, decided.round.deadline), decided.round.deadline
    )
    decided = replace(
        decided, rounds=(*decided.rounds[:-1], replace(decided.round, mode=Mode.TWO_THIRDS))
    )
    assert parse_proposal(dump_proposal(decided), PATH) == decided


def test_round_trip_without_description_or_optional_fields() -> None:
    bare = open_proposal(
        number=12,
        slug="x",
        title="X",
        author=ALICE,
        author_name="Alice",
        now=T0,
        deadline=T0 + timedelta(days=3),
        rules=Rules(),
        members=[],
        text_version="v",
    )
    text = dump_proposal(bare)
    assert text.endswith("---\n")
    assert parse_proposal(text, "proposals/0012-x.md") == bare


def test_dump_is_stable() -> None:
    assert dump_proposal(SAMPLE) == VALID
    assert dump_proposal(parse_proposal(VALID, PATH)) == VALID


def test_key_order() -> None:
    lines = VALID.splitlines()
    assert lines[0] == "---"
    assert lines[1] == "id: 7"
    assert lines[2].startswith("titre: ")
    header = yaml.safe_load(VALID.split("---\n")[1])
    assert list(header) == [
        "id",
        "titre",
        "auteur",
        "ouverte_le",
        "statut",
        "conteste",
        "fichiers",
        "retiree_le",
        "tours",
        "votes",
        "annonces",
        "membres",
        "regles",
    ]
    assert list(header["tours"][0]) == [
        "numero",
        "mode",
        "ouvert_le",
        "echeance",
        "version_texte",
        "resultat",
        "clos_le",
        "decompte",
    ]
    assert list(header["votes"][1]) == [
        "membre",
        "choix",
        "tour",
        "date",
        "version_texte",
        "raison",
    ]
    assert list(header["votes"][2])[-1] == "saisi_par"


def test_instants_are_quoted_utc_to_the_second() -> None:
    paris = ZoneInfo("Europe/Paris")
    local = replace(SAMPLE, opened_at=datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=paris))
    text = dump_proposal(local)
    assert "ouverte_le: '2026-03-02T09:00:00Z'" in text or (
        'ouverte_le: "2026-03-02T09:00:00Z"' in text
    )
    instant_lines = [
        line
        for line in text.splitlines()
        if re.match(r"^\s*-?\s*(ouverte_le|ouvert_le|echeance|clos_le|date|retiree_le):", line)
        and not line.rstrip().endswith("null")
    ]
    assert len(instant_lines) >= 10
    for line in instant_lines:
        assert re.search(r""": (['"])\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\1$""", line), line


@pytest.mark.parametrize(
    "version",
    ["0123456789ab", "089123456712", "012345670123", "123456789012", "1e5", "0", "+09"],
)
def test_text_versions_that_look_like_numbers_round_trip(version: str) -> None:
    """A 12-hex-digit text version may be all digits: it must stay the same string."""
    proposal = replace(
        SAMPLE, rounds=(replace(SAMPLE.rounds[0], text_version=version), SAMPLE.rounds[1])
    )
    assert parse_proposal(dump_proposal(proposal), PATH).rounds[0].text_version == version


printable = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85\ufeff"
)


@FAST
@given(
    title=st.text(printable, min_size=1, max_size=40).map(str.strip).filter(bool),
    version=st.text("0123456789abcdef", min_size=1, max_size=12),
    reason=st.text(printable, min_size=1, max_size=40).map(str.strip).filter(bool),
)
def test_round_trip_arbitrary_texts(title: str, version: str, reason: str) -> None:
    proposal = replace(SAMPLE, title=title)
    proposal = replace(
        proposal, rounds=(proposal.rounds[0], replace(proposal.rounds[1], text_version=version))
    )
    proposal = replace(
        proposal,
        votes=(
            *proposal.votes[:-1],
            replace(proposal.votes[-1], reason=reason, text_version=version),
        ),
    )
    assert parse_proposal(dump_proposal(proposal), PATH) == proposal


# --- errors name the path and the line -------------------------------------------------------


def test_missing_opening_dashes() -> None:
    message = error_of(VALID.removeprefix("---\n"))
    assert message.startswith(f"{PATH}, ligne 1 : ")
    assert "« --- »" in message


def test_unclosed_header() -> None:
    text = VALID.split("\n---\n")[0] + "\n"
    message = error_of(text)
    assert message.startswith(f"{PATH}, ligne 1 : ")
    assert "n'est pas fermé" in message


def test_where_it_was_read_is_named() -> None:
    with pytest.raises(ProposalFileError) as error:
        parse_proposal("pas d'en-tête", PATH, "branche proposition/0007-conditions-d-entree")
    assert error.value.message.startswith(
        f"{PATH} (branche proposition/0007-conditions-d-entree), ligne 1 : "
    )


def test_unknown_key() -> None:
    text = replace_once(VALID, "statut: ouverte\n", "statut: ouverte\ncouleur: bleu\n")
    message = error_of(text)
    assert message.startswith(f"{PATH}, ligne {line_of(text, 'couleur')} : ")
    assert "clé inconnue « couleur »" in message


def test_line_numbers_survive_blank_lines_after_the_opening_dashes() -> None:
    text = replace_once(VALID, "---\n", "---\n\n\n")
    text = replace_once(text, "statut: ouverte\n", "statut: ouverte\ncouleur: bleu\n")
    assert error_of(text).startswith(f"{PATH}, ligne {line_of(text, 'couleur')} : ")
    crlf = replace_once(VALID, "statut: ouverte\n", "statut: ouverte\ncouleur: bleu\n")
    crlf = "\ufeff" + crlf.replace("\n", "\r\n")
    assert error_of(crlf).startswith(f"{PATH}, ligne {line_of(crlf, 'couleur')} : ")


def test_status_no_stays_text_and_is_refused() -> None:
    text = replace_once(VALID, "statut: ouverte", "statut: no")
    message = error_of(text)
    assert message.startswith(f"{PATH}, ligne {line_of(text, 'statut: no')} : ")
    assert "« statut »" in message
    assert "trouvé : « no »" in message
    assert "ouverte" in message


def test_bad_choice() -> None:
    text = replace_once(VALID, "choix: d-accord", "choix: peut-etre")
    message = error_of(text)
    assert message.startswith(f"{PATH}, ligne {line_of(text, 'peut-etre')} : ")
    assert "« votes[1].choix »" in message
    assert "blocage" in message


def test_vote_for_a_round_that_does_not_exist() -> None:
    text = replace_once(VALID, "  tour: 2\n", "  tour: 5\n")
    message = error_of(text)
    assert message.startswith(f"{PATH}, ligne {line_of(text, 'tour: 5')} : ")
    assert "le tour n°5 n'existe pas" in message


def test_status_contradicting_the_last_round() -> None:
    text = replace_once(VALID, "statut: ouverte", "statut: adoptee")
    message = error_of(text)
    assert message.startswith(f"{PATH}, ligne {line_of(text, 'statut:')} : ")
    assert "contredit le résultat du dernier tour" in message
    assert "« ouverte » attendu" in message


def test_deadline_before_opening() -> None:
    text = replace_once(
        VALID, "echeance: '2026-03-05T09:00:00Z'", "echeance: '2026-03-01T09:00:00Z'"
    )
    message = error_of(text)
    assert message.startswith(f"{PATH}, ligne {line_of(text, '2026-03-01T09')} : ")
    assert "échéance doit être postérieure à l'ouverture" in message


def test_instant_without_time_zone() -> None:
    text = replace_once(
        VALID, "ouverte_le: '2026-03-02T09:00:00Z'", "ouverte_le: '2026-03-02T09:00:00'"
    )
    message = error_of(text)
    assert message.startswith(f"{PATH}, ligne {line_of(text, 'ouverte_le')} : ")
    assert "fuseau" in message


def test_id_must_match_the_file_name() -> None:
    message = error_of(VALID, "proposals/0008-conditions-d-entree.md")
    assert message.startswith("proposals/0008-conditions-d-entree.md, ligne 2 : ")
    assert "ne correspond pas au nom du fichier" in message


def test_malformed_yaml_in_header() -> None:
    text = replace_once(VALID, "fichiers:\n- sections/04-droits.md", "fichiers: [sections")
    message = error_of(text)
    assert message.startswith(f"{PATH}, ligne ")
    assert "YAML invalide" in message


def test_round_rules_are_validated_with_their_path() -> None:
    text = replace_once(VALID, "fuseau_horaire: Europe/Paris", "fuseau_horaire: Lune/Mer")
    message = error_of(text)
    assert message.startswith(f"{PATH}, ligne {line_of(text, 'Lune/Mer')} : ")
    assert "« regles.fuseau_horaire »" in message


# --- robustness: nothing but a French error -----------------------------------------------------


def _parse_or_french_error(text: str) -> None:
    try:
        parse_proposal(text, PATH)
    except ProposalFileError as error:
        assert error.message.startswith(PATH), error.message
    except AssembleeError as error:  # allowed, but it must still name the file
        assert PATH in error.message, error.message


@FAST
@given(st.text(max_size=300))
def test_random_text_only_raises_french_errors(text: str) -> None:
    _parse_or_french_error(text)
    _parse_or_french_error("---\n" + text + "\n---\n")


VALID_LINES = VALID.splitlines(keepends=True)
SNIPPETS = st.sampled_from(
    [
        "",
        "- ",
        ": ",
        "no",
        "null",
        "[",
        "]",
        "{",
        "'",
        '"',
        "\t",
        "---\n",
        "  ",
        "&a",
        "*a",
        "!!python/object:os.system",
        "? ",
        "12:30",
        "99999999999999999999",
        "\ufeff",
        "~",
    ]
) | st.text(max_size=8)


def _mutated(data: st.DataObject) -> str:
    """VALID with one to four lines deleted, duplicated, swapped, inserted, edited or cut."""
    lines = list(VALID_LINES)
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(
            st.sampled_from(["delete", "duplicate", "swap", "insert", "edit", "truncate"])
        )
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "insert":
            lines.insert(i, data.draw(SNIPPETS) + "\n")
        elif action == "edit":
            line = lines[i]
            at = data.draw(st.integers(0, len(line)))
            cut = data.draw(st.integers(0, 3))
            lines[i] = line[:at] + data.draw(SNIPPETS) + line[at + cut :]
        else:
            lines = lines[:i]
    return "".join(lines)


@FAST
@given(st.data())
def test_mutated_files_only_raise_french_errors(data: st.DataObject) -> None:
    _parse_or_french_error(_mutated(data))


def _outcome(parse: Callable[[], Proposal | None]) -> Proposal | str | None:
    try:
        return parse()
    except AssembleeError as error:
        return error.message


SHARED = repeated_entries()  # kept from one example to the next, as verify keeps it


@FAST
@given(st.data())
def test_the_shortcuts_of_verify_read_what_a_full_parse_reads(data: st.DataObject) -> None:
    """verify parses the rules and roster copied in a file once for all the versions
    (repeated_entries), and reads a version whose votes did not change without its votes
    (parse_with_same_votes): on mutated files, the same proposal or the same error as a
    full parse, or (for the second) no answer."""
    text = _mutated(data) if data.draw(st.booleans()) else dump_proposal(_closed(SAMPLE))
    full = _outcome(lambda: parse_proposal(text, PATH, "commit 0a1b2c3d4e"))
    shared = _outcome(lambda: parse_proposal(text, PATH, "commit 0a1b2c3d4e", SHARED))
    assert shared == full
    short = _outcome(lambda: parse_with_same_votes(VALID, SAMPLE, text, PATH, None, SHARED))
    assert short is None or short == _outcome(lambda: parse_proposal(text, PATH)), text


VALID_DATA = parse_proposal_with_data(VALID, PATH)[1]


def _derived(old_text: str, old_data: Any, text: str) -> Proposal | str | None:
    """What `status` reads from a version derived from an earlier one (data_after, then the
    data checked as a cached header's); None when it does not derive it."""
    found = data_after(old_text, old_data, text)
    if found is None:
        return None
    return _outcome(lambda: parse_proposal_data(*found, PATH, None, lambda: text))


@FAST
@given(st.data())
def test_a_version_derived_from_the_last_one_reads_what_a_full_parse_reads(
    data: st.DataObject,
) -> None:
    """After a fetch, `status` derives a moved branch's proposal file from the version it
    listed before (data_after): on mutated files, the same proposal or the same error as a
    full parse, or no answer (a full parse then)."""
    text = _mutated(data)
    derived = _derived(VALID, VALID_DATA, text)
    assert derived is None or derived == _outcome(lambda: parse_proposal(text, PATH)), text


def test_votes_added_anywhere_or_a_new_body_are_derived_and_other_changes_are_not() -> None:
    """One more vote (at the end, in the middle, the very first), or the same header with
    another body: derived, equal to a full parse, data included. A changed vote, a closing
    or a new round: not derived."""
    later = T0 + timedelta(days=8)
    first = open_sample(members=[ALICE, BOB, CLAIRE, SECRETARY], text_version="0a1b2c3d4e5f")
    cases = [
        (SAMPLE, vote(SAMPLE, CLAIRE, Choice.AGREE, later)),
        (
            SAMPLE,
            vote(vote(SAMPLE, ALICE, Choice.AGREE, later), CLAIRE, Choice.BLOCK, later, "Non"),
        ),
        (first, vote(first, BOB, Choice.AGREE, T0 + timedelta(hours=1))),
        (SAMPLE, replace(SAMPLE, description="Autre texte.\n\n---\n\nFin.")),
    ]
    for old, new in cases:
        old_text, new_text = dump_proposal(old), dump_proposal(new)
        old_data = parse_proposal_with_data(old_text, PATH)[1]
        found = data_after(old_text, old_data, new_text)
        assert found is not None, new_text
        _proposal, data, body = parse_proposal_with_data(new_text, PATH)
        assert found == (data, body)
        assert parse_proposal_data(*found, PATH, None, functools.partial(str, new_text)) == new
    for new in (
        vote(SAMPLE, BOB, Choice.AGREE, later),  # Bob changes his vote: replaced, not added
        _closed(SAMPLE),
        replace(SAMPLE, title="Autre titre"),
    ):
        assert data_after(VALID, VALID_DATA, dump_proposal(new)) is None


def _closed(proposal: Proposal) -> Proposal:
    closed_at = T0 + timedelta(days=11)
    return close_round(proposal, decide_round(proposal, closed_at), closed_at)


def test_a_closing_is_read_without_its_votes() -> None:
    closed = dump_proposal(_closed(SAMPLE))
    assert parse_with_same_votes(VALID, SAMPLE, closed, PATH) == parse_proposal(closed, PATH)
    # a key line inside a quoted text is no key: the file is read as a whole
    tricky = replace_once(closed, "titre: ", 'titre: "Un titre\nstatut: adoptee"\nautre: ')
    assert parse_with_same_votes(VALID, SAMPLE, tricky, PATH) is None
    assert _outcome(lambda: parse_proposal(tricky, PATH, None, SHARED)) == _outcome(
        lambda: parse_proposal(tricky, PATH)
    )


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-3, 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "2026-03-02T09:00:00Z",
            "2026-03-02",
            "19:00",
            "2/3",
            "d-accord",
            "blocage",
            "ouverte",
            "adoptee",
            "deux-tiers",
            "Europe/Paris",
        ]
    )
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


HEADER = yaml.safe_load(VALID.split("---\n")[1])
HEADER_PATHS = _paths(HEADER)[1:]


def _set(tree: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        copy: Any = dict(tree)
    else:
        copy = list(tree)
    if delete and not rest:
        del copy[head]
    else:
        copy[head] = _set(copy[head], rest, value, delete)
    return copy


@FAST
@given(
    st.lists(
        st.tuples(st.sampled_from(HEADER_PATHS), VALUES, st.booleans()), min_size=1, max_size=3
    )
)
def test_mutated_records_only_raise_french_errors(
    changes: list[tuple[tuple[Any, ...], Any, bool]],
) -> None:
    header = HEADER
    for path, value, delete in changes:
        if path in _paths(header):
            header = _set(header, path, value, delete)
    _parse_or_french_error(f"---\n{dump_yaml(header)}---\n\nCorps.\n")


# --- names ----------------------------------------------------------------------------------------


def test_slugify() -> None:
    assert slugify("Ajouter les conditions d'entrée !") == "ajouter-les-conditions-d-entree"
    assert slugify("  Été 2026 : ÉCOLE   ouverte ") == "ete-2026-ecole-ouverte"
    assert slugify("!!!") == "proposition"
    assert slugify("") == "proposition"
    long = slugify("un titre " * 20)
    assert len(long) <= 40
    assert not long.endswith("-")


@FAST
@given(st.text(max_size=80))
def test_slugify_always_gives_a_valid_name(title: str) -> None:
    slug = slugify(title)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug)
    assert len(slug) <= 40
    assert parse_name(f"0001-{slug}") == (1, slug)


@pytest.mark.parametrize(
    "value",
    [
        "0007-conditions-d-entree",
        "proposition/0007-conditions-d-entree",
        "refs/heads/proposition/0007-conditions-d-entree",
        "proposals/0007-conditions-d-entree.md",
    ],
)
def test_parse_name(value: str) -> None:
    assert parse_name(value) == (7, "conditions-d-entree")


@pytest.mark.parametrize(
    "value",
    ["7", "0007", "007-x", "0007-", "0007-Majuscule", "proposals/0007-x.txt", "main", ""],
)
def test_parse_name_refuses_other_names(value: str) -> None:
    assert parse_name(value) is None


def test_parse_name_reads_long_numbers() -> None:
    assert parse_name("proposals/12345-grand.md") == (12345, "grand")


@pytest.mark.parametrize(
    "header",
    [
        "id: " + "7" * 5000,
        "[" * 3000 + "]" * 3000,
        "id: !!python/object:os.system x",
        "&a [*a]",
        "&a {id: *a}",
        # « billion laughs »: 2**40 paths through shared nodes
        "l0: &l0 [x, x]\n" + "".join(f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]\n" for i in range(1, 40)),
    ],
)
def test_pathological_yaml_is_a_french_error_naming_the_file(header: str) -> None:
    message = error_of(f"---\n{header}\n---\n")
    assert message.startswith(f"{PATH}")
    assert any(
        words in message for words in ("YAML invalide", "table de clés", "clé inconnue", "manque")
    ), message


@pytest.mark.parametrize(
    "name",
    [
        "0007-slug",
        "00007-slug",
        "12345-a-b",
        "0007-a.md",
        "proposals/0007-a.md",
        "7-court",
        "0007-Majuscule",
        "0007-",
        "abc",
        "",
        "proposition/0012-x",
    ],
)
def test_id_order_is_parse_names_order(name: str) -> None:
    assert id_order(name) == (parse_name(name) or (0, ""))


def test_cached_data_is_checked_as_the_yaml_whatever_was_checked_before() -> None:
    """Header data read back from the cache (parse_proposal_data) keeps the rules and roster
    every file copies, checked once per process by their value: a value of another type that
    Python finds equal (1.0 and True for 1) is checked again, and refused with its own file
    and line; an error is never kept."""
    from assemblee_cli.formats.proposalfile import parse_proposal_with_data

    proposal, data, body = parse_proposal_with_data(VALID, PATH)

    def read(header: Any) -> Proposal:
        return parse_proposal_data(header, body, PATH, "main", lambda: VALID)

    assert read(data) == proposal
    assert read(json.loads(json.dumps(data))) == proposal  # an equal copy, as from the cache

    def changed(key: str, value: Any) -> Any:
        copy = json.loads(json.dumps(data))
        copy["regles"]["decision"][key] = value
        return copy

    hours = data["regles"]["decision"]["duree_minimale_heures"]
    assert read(changed("quorum", 1)).rules.decision.quorum == 1
    for key, wrong in (("duree_minimale_heures", float(hours)), ("quorum", True)):
        for _twice in range(2):
            with pytest.raises(ProposalFileError, match=key):
                read(changed(key, wrong))
    members = json.loads(json.dumps(data))
    members["membres"] = [*data["membres"], None]
    with pytest.raises(ProposalFileError, match="membres"):
        read(members)
    assert read(data) == proposal
