"""One `close` deciding several proposals at once: its commits are made in memory and stored in
one go, so these tests check them against git itself. Every merge on main must have the tree
`git merge-tree` writes for its two parents, whether the merge was worked out in memory (files
untouched on main since the fork) or left to git (a file changed on both sides, a branch built
on another one adopted in the same close)."""

from __future__ import annotations

import json

from tests.helpers import DEADLINE, OPEN, record

SECTIONS = {
    "qualites": "sections/02-qualites.md",
    "droits": "sections/04-droits.md",
    "richesses": "sections/05-richesses.md",
    "valeurs": "sections/03-valeurs.md",
}
TODO = "[à compléter]"


def merges_are_those_git_makes(assembly, since: str) -> int:
    """Check each merge on the remote's main after `since`; returns how many there were."""
    merges = assembly.remote_git("rev-list", "--merges", "--parents", f"{since}..main").splitlines()
    for line in merges:
        merge, first, second = line.split()
        expected = assembly.remote_git(
            "merge-tree", "--write-tree", "--name-only", first, second
        ).splitlines()[0]
        assert assembly.remote_git("rev-parse", f"{merge}^{{tree}}").strip() == expected
    assembly.remote_git("fsck", "--strict", "--no-dangling")
    return len(merges)


def test_several_adoptions_in_one_close_are_the_merges_git_would_make(assembly):
    before = assembly.remote_branch("main")
    proposals = [
        assembly.propose_edit(
            "alice", "Droits", (SECTIONS["droits"], TODO, "Chacun·e a voix égale."), now=OPEN
        ),
        assembly.propose_edit(
            "bob", "Richesses", (SECTIONS["richesses"], TODO, "Les biens sont communs."), now=OPEN
        ),
        assembly.json("carol", "propose", "Fête de quartier", now=OPEN),
    ]
    # One more on a file main changes meanwhile (in another place): git reconciles it.
    valeurs = assembly.path("dave") / SECTIONS["valeurs"]
    first_todo = valeurs.read_text(encoding="utf-8").index(TODO)
    proposals.append(
        assembly.propose_edit(
            "dave", "Valeurs", (SECTIONS["valeurs"], TODO, "Confiance."), now=OPEN
        )
    )
    assembly.edit("alice", SECTIONS["valeurs"], TODO, "Soin.", count=2)
    text = (assembly.path("alice") / SECTIONS["valeurs"]).read_text(encoding="utf-8")
    text = text[:first_todo] + TODO + text[first_todo + len("Soin.") :]
    (assembly.path("alice") / SECTIONS["valeurs"]).write_text(text, encoding="utf-8")
    assembly.git("alice", "commit", "-qam", "Correction sur main")
    assembly.git("alice", "push", "-q", "origin", "main")
    after_direct = assembly.remote_branch("main")

    dry = assembly.json("carol", "close", "--dry-run", now=DEADLINE)
    assert assembly.remote_branch("main") == after_direct  # a dry run writes nothing
    items = assembly.json("carol", "close", now=DEADLINE)
    strip = [{k: v for k, v in i.items() if k != "applique"} for i in items]
    assert strip == [{k: v for k, v in i.items() if k != "applique"} for i in dry]
    assert [(i["id"], i["statut"]) for i in items] == [(p["id"], "adoptee") for p in proposals]

    assert merges_are_those_git_makes(assembly, before) == 4
    assert "Chacun·e a voix égale." in assembly.remote_file("main", SECTIONS["droits"])
    assert "Les biens sont communs." in assembly.remote_file("main", SECTIONS["richesses"])
    valeurs_now = assembly.remote_file("main", SECTIONS["valeurs"])
    assert "Confiance." in valeurs_now and "Soin." in valeurs_now
    for p in proposals:
        name = p["branche"].removeprefix("proposition/")
        assert record(assembly.remote_file("main", f"proposals/{name}.md"))["statut"] == "adoptee"
        assert assembly.remote_branch(p["branche"]) is None
    # The commits are by the member who closed, like any commit she makes.
    authors = assembly.remote_git("log", "--format=%ae", f"{after_direct}..main", "--first-parent")
    assert set(authors.split()) == {assembly.email("carol")}
    # Another member reads the result as usual.
    assert json.loads(assembly.ok("bob", "status", "--json", now=DEADLINE).stdout)["ouvertes"] == []


def test_a_branch_built_on_another_adopted_in_the_same_close(assembly):
    """Bob builds on Alice's proposal and takes back one of its lines: once Alice's is merged,
    the fork point of Bob's is no longer where he started, and his text must win."""
    before = assembly.remote_branch("main")
    alices = assembly.propose_edit(
        "alice", "Nom et droits", (SECTIONS["droits"], TODO, "Voix égale."), now=OPEN
    )
    assembly.git("bob", "fetch", "-q", "origin")
    # From Alice's text commit, below her proposal file: nothing of Bob's branch then tells,
    # file by file, that it starts from hers.
    assembly.git("bob", "switch", "-q", "-c", "suite", f"origin/{alices['branche']}~1")
    assembly.edit("bob", SECTIONS["droits"], "Voix égale.", TODO)
    assembly.edit("bob", SECTIONS["qualites"], TODO, "Assemblée de Lille.")
    assembly.git("bob", "commit", "-qam", "Plutôt le nom que les droits")
    bobs = assembly.json("bob", "propose", "Le nom d'abord", now=OPEN)
    assert bobs["fichiers"] == [SECTIONS["qualites"]]  # droits: back as on main

    items = assembly.json("carol", "close", now=DEADLINE)
    assert [(i["id"], i["statut"]) for i in items] == [
        (alices["id"], "adoptee"),
        (bobs["id"], "adoptee"),
    ]
    assert merges_are_those_git_makes(assembly, before) == 2
    assert "Voix égale." not in assembly.remote_file("main", SECTIONS["droits"])  # taken back
    assert "Assemblée de Lille." in assembly.remote_file("main", SECTIONS["qualites"])


ROSTER = "codesocial/membres.yml"
ELISE = "- nom: Élise Petit\n  email: elise@exemple.org\n"
FARID = "- nom: Farid Benali\n  email: farid@exemple.org\n"


def welcome(assembly, who: str, entry: str, title: str) -> dict:
    with (assembly.path(who) / ROSTER).open("a", encoding="utf-8") as handle:
        handle.write(entry)
    return assembly.json(who, "propose", title, now=OPEN)


def test_two_members_welcomed_in_the_same_close_are_both_on_the_roster(assembly):
    """Seen live: two proposals each adding a member at the end of the roster, adopted in the
    same close; git saw a conflict, the second stayed « en conflit avec main » and its author
    (perhaps without git) was asked to resolve what only needs both entries kept."""
    before = assembly.remote_branch("main")
    elise = welcome(assembly, "alice", ELISE, "Accueillir Élise")
    farid = welcome(assembly, "bob", FARID, "Accueillir Farid")
    items = assembly.json("carol", "close", now=DEADLINE)
    assert [(i["id"], i["statut"]) for i in items] == [
        (elise["id"], "adoptee"),
        (farid["id"], "adoptee"),
    ]
    roster = assembly.remote_file("main", ROSTER) or ""
    assert roster.endswith(ELISE + FARID), roster
    assert roster.count("email:") == 6  # the four members, Élise and Farid
    proc = assembly.run("dave", "verify", now=DEADLINE)
    assert proc.returncode == 0 and "aucune anomalie" in proc.stdout, proc.stdout + proc.stderr
    # Two merges, the second with a tree git alone would not write: both parents' entries.
    merges = assembly.remote_git("rev-list", "--merges", f"{before}..main").split()
    assert len(merges) == 2
    assembly.remote_git("fsck", "--strict", "--no-dangling")


def test_a_roster_changed_on_both_sides_otherwise_is_still_a_conflict(assembly):
    elise = welcome(assembly, "alice", ELISE, "Accueillir Élise")
    bob = assembly.path("bob") / ROSTER
    bob.write_text(bob.read_text(encoding="utf-8").replace("Bob Leroy", "Bob L."), encoding="utf-8")
    with bob.open("a", encoding="utf-8") as handle:
        handle.write(FARID)
    farid = assembly.json("bob", "propose", "Accueillir Farid, et Bob L.", now=OPEN)
    proc = assembly.run("carol", "close", "--json", now=DEADLINE)
    assert proc.returncode != 0  # « Clôture incomplète »
    items = json.loads(proc.stdout)
    assert (items[0]["id"], items[0]["statut"]) == (elise["id"], "adoptee")
    assert items[1]["id"] == farid["id"] and items[1]["probleme"] == "conflit"
    [item] = assembly.json("dave", "status", now=DEADLINE)["ouvertes"]
    assert item["id"] == farid["id"] and item["probleme"] == "conflit"
    assert "Farid" not in (assembly.remote_file("main", ROSTER) or "")
