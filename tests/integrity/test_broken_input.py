"""A broken or hand-mutated proposal file never breaks the tool: `status`, `show` of another
proposal and `close --dry-run` exit 0 or 1 without a traceback, name the broken file (and its
line when YAML gives one), and the other proposals keep working.

Hypothesis mutates the record of proposal n°2 (line deletions, duplications, swaps, nasty
values, unknown keys, truncation, random insertions); each text is committed with plain git on
the proposal branch, reset to its original commit each time, and pushed (one repository for
all examples: building an assembly per example would take too long). The many texts are read by
the tool in the test's process (in_process); the forged tally, in subprocesses."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from tests.helpers import (
    AFTER,
    EDIT_DROITS,
    EDIT_VALEURS,
    NEXT_DAY,
    OPEN,
    dump_record,
    git,
    no_traceback,
    split_record,
)

from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.proposalfile import parse_proposal

BRANCH = "proposition/0002-droits"
PATH = "proposals/0002-droits.md"
WHERE = f"branche {BRANCH}"

NASTY_VALUES = [
    "no",
    "yes",
    "~",
    "null",
    "12:30",
    "'2026-02-30T09:00:00Z'",
    "'2026-13-01T00:00:00Z'",
    "2026-11-26",
    "'demain'",
    "[]",
    "{}",
    "-1",
    "0",
    "1e3",
    "99999999999999999999999999",
    "!!python/object/apply:os.system ['true']",
    "&ancre",
    "*inconnue",
    '"pas fermé',
    ": deux-points",
    "{a: [}",
    "|",
    "'\t'",
]


class Repo:
    """The assembly under mutation: bob writes, the others read."""

    def __init__(self, a: Any) -> None:
        self.a = a
        self.original = a.remote_branch(BRANCH)
        self.text = a.remote_file(BRANCH, PATH)

    def publish(self, text: str) -> None:
        bob = self.a.path("bob")
        git(bob, "switch", "-q", "-C", "mutation", self.original)
        (bob / PATH).write_text(text, encoding="utf-8", newline="")
        git(bob, "commit", "-q", "--allow-empty", "-am", "Modification à la main")
        git(bob, "push", "-q", "-f", "origin", f"HEAD:refs/heads/{BRANCH}")

    def run_all(self) -> dict[str, subprocess.CompletedProcess[str]]:
        """status, show 1 and close --dry-run, each in its own clone (each fetches); in this
        process for the tests marked in_process, in subprocesses otherwise."""
        commands = {
            "status": ("dave", "status"),
            "show": ("carol", "show", "1", "--json"),
            "close": ("alice", "close", "--dry-run", "--json"),
        }
        return {
            label: self.a.run(who, *rest, now=AFTER) for label, (who, *rest) in commands.items()
        }


@pytest.fixture(scope="module")
def template(story_template: Any) -> Path:
    """n°1 (values) with bob's agreement and n°2 (rights, to be mutated), both open."""

    def story(a: Any) -> None:
        a.propose_edit("alice", "Valeurs", EDIT_VALEURS, now=OPEN)
        a.propose_edit("alice", "Droits", EDIT_DROITS, now=OPEN)
        a.ok("bob", "vote", "1", "d-accord", now=NEXT_DAY)

    return story_template("broken", story)


@pytest.fixture()
def repo(copy_template, template) -> Repo:
    return Repo(copy_template(template))


def expected_error(text: str) -> str | None:
    """What the tool must say about this text (None: it is a valid record). Reading may only
    fail with the tool's own error, a French sentence naming the file."""
    try:
        parse_proposal(text, PATH, WHERE)
    except AssembleeError as exc:
        return exc.message
    return None


def flat(text: str) -> str:
    """Whitespace-insensitive form (a YAML message may span lines)."""
    return " ".join(text.split())


def check(repo: Repo, text: str) -> None:
    error = expected_error(text)
    if error is not None:
        assert PATH in error, error
    repo.publish(text)
    results = repo.run_all()
    for label, proc in results.items():
        no_traceback(proc)
        assert proc.returncode in (0, 1), f"{label}: {proc.returncode}\n{proc.stdout}{proc.stderr}"
    # The other proposal keeps working.
    status = results["status"]
    assert status.returncode == 0, status.stderr
    assert re.search(r"│\s+1 │ Valeurs\s+│ ouverte\s+│", status.stdout), status.stdout
    show = results["show"]
    assert show.returncode == 0, show.stderr
    assert json.loads(show.stdout)["id"] == 1
    close = results["close"]
    assert close.returncode == 0, close.stderr
    items = {i["id"]: i for i in json.loads(close.stdout)}
    assert items[1]["statut"] == "adoptee"
    if error is None:
        return
    # The broken file is named, with its line when YAML gives one, wherever it is read.
    said = flat(error)
    assert f"Proposition illisible : {said}" in flat(status.stdout), status.stdout
    assert any(
        i["statut"] is None
        and i["probleme"] == "fichier-illisible"
        and flat(i["explication"]) == said
        for i in items.values()
    )


# -- mutations ------------------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, original: str) -> str:
    lines = original.split("\n")
    header_end = lines.index("---", 1)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                ["value", "unknown", "delete", "duplicate", "swap", "truncate", "insert", "indent"]
            )
        )
        at = draw(st.integers(1, max(1, min(header_end, len(lines)) - 1)))
        if kind == "value" and ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {draw(st.sampled_from(NASTY_VALUES))}"
        elif kind == "unknown":
            indent = draw(st.sampled_from(["", "  ", "    "]))
            lines.insert(at, f"{indent}{draw(st.sampled_from(['inconnu', 'vote', 'Id']))}: 1")
        elif kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap":
            other = draw(st.integers(1, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "truncate":
            return "\n".join(lines)[: draw(st.integers(0, len(original)))]
        elif kind == "insert":
            noise = draw(
                st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
            )
            lines.insert(at, noise)
        elif kind == "indent":
            lines[at] = " " * draw(st.integers(1, 3)) + lines[at]
        header_end = lines.index("---", 1) if "---" in lines[1:] else len(lines)
    return "\n".join(lines)


@pytest.fixture(scope="module")
def original_text(template: Path) -> str:
    proc = subprocess.run(
        ["git", "show", f"{BRANCH}:{PATH}"],
        cwd=template / "remote.git",
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


@pytest.mark.in_process
def test_mutated_records_never_break_the_other_proposals(repo, original_text):
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: each example runs git
    )
    @given(text=mutated(original_text))
    def run(text: str) -> None:
        timings.append(time.monotonic())
        check(repo, text)

    timings: list[float] = []
    start = time.monotonic()
    run()
    print(f"\n[broken input] {len(timings)} textes mutés en {time.monotonic() - start:.1f} s")


# -- the named cases --------------------------------------------------------------------------


def rewrite(original: str, **changes: Any) -> str:
    data, body = split_record(original)
    for dotted, value in changes.items():
        target = data
        *path, last = dotted.split("__")
        for part in path:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[last] = value
    return dump_record(data, body)


def a_vote(**fields: Any) -> list[dict[str, Any]]:
    vote = {"membre": "bob@exemple.org", "choix": "d-accord", "tour": 1}
    vote |= {"date": "2026-11-27T09:00:00Z", "version_texte": "x"}
    return [vote | fields]


def replaced(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new, 1)


def changed(**changes: Any) -> Callable[[str], str]:
    return lambda text: rewrite(text, **changes)


NAMED = [
    # (case, how the original text is changed, what the message must say)
    ("unknown top-level key", changed(priorite="haute"), "clé inconnue « priorite »"),
    ("unknown key in a round", changed(tours__0__quorum=3), "clé inconnue « tours[1].quorum »"),
    ("unknown key in a vote", changed(votes=a_vote(poids=2)), "clé inconnue « votes[1].poids »"),
    ("impossible date", changed(tours__0__echeance="2026-02-30T09:00:00Z"), "2026-02-30"),
    ("impossible month", changed(ouverte_le="2026-13-01T09:00:00Z"), "« ouverte_le »"),
    (
        "unquoted date",
        replaced("ouverte_le: '2026-11-26T09:00:00Z'", "ouverte_le: 2026-11-26"),
        "ouverte_le",
    ),
    (
        "deadline before opening",
        changed(tours__0__echeance="2026-11-01T09:00:00Z"),
        "l'échéance doit être postérieure",
    ),
    ("unknown choice", changed(votes=a_vote(choix="peut-etre")), "« votes[1].choix »"),
    (
        "vote in a round that does not exist",
        changed(votes=a_vote(tour=4)),
        "le tour n°4 n'existe pas",
    ),
    (
        "statut: no (YAML 1.1 would read false)",
        replaced("statut: ouverte", "statut: no"),
        "(trouvé : « no »)",
    ),
    (
        "id not matching the file name",
        replaced("id: 2", "id: 3"),
        "ne correspond pas au nom du fichier",
    ),
    ("unterminated quote", replaced("statut: ouverte", 'statut: "ouverte'), "YAML invalide"),
    ("bad indentation", replaced("  mode: consentement", "   mode: consentement"), "YAML invalide"),
    ("no closing ---", lambda text: text.rsplit("---", 1)[0], "n'est pas fermé"),
    ("empty file", lambda text: "", "ligne 1"),
]


@pytest.mark.in_process
def test_named_broken_records_are_reported_with_their_path_and_line(repo, original_text):
    for case, change, said in NAMED:
        text = change(original_text)
        error = expected_error(text)
        assert error is not None, case
        assert said in error and PATH in error and ", ligne " in error, f"{case}: {error}"
        check(repo, text)


def test_a_forged_tally_reads_but_verify_finds_it(repo, original_text):
    """A well-formed record whose closed round claims a tally the votes do not give."""
    data, body = split_record(original_text)
    data["statut"] = "reportee"
    data["tours"][0].update(
        resultat="reportee",
        clos_le="2026-12-01T09:00:00Z",
        decompte={"d-accord": 0, "abstention": 0, "pas-d-accord": 0, "blocage": 2},
    )
    text = dump_record(data, body)
    assert expected_error(text) is None
    check(repo, text)
    proc = repo.a.run("dave", "verify")
    assert proc.returncode == 1, proc.stdout
    assert "le décompte enregistré du tour 1 ne correspond pas aux avis" in proc.stdout
    assert "0002-droits" in proc.stdout
