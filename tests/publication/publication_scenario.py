"""A real assembly for the publication tests, built once through the command line.

Sealed like the rest of the suite: HOME in a temporary folder with its own global git
configuration, no system configuration, no GIT_* or ASSEMBLEE_* variable from the developer's
machine. A bare shared remote and one clone per member who acts (alice, bob, carol); dave is in
the roster and never positions himself.

The story, in November 2026 (meetings on the last Thursday at 19 h: 29 October, 26 November,
31 December):

- n°1 « Compléter les valeurs clés » (alice, Monday 2 November): bob agrees; adopted on
  Thursday 5 November. Its text carries HTML, to check that the export escapes it.
- n°2 « Partenariat avec une enseigne » (carol, no change of the text): bob blocks with an
  argument, carol disagrees with a reason; postponed on 5 November; relaunched on 10 November
  (deadline Monday 16 November: 11 November is a public holiday), blocked again by bob;
  postponed on 16 November (two blocked consent rounds).
- n°3 « Brouillon abandonné » (bob): withdrawn on 4 November.
- n°4 « Conditions d'entrée » (alice, Monday 23 November): alice agrees; deadline Thursday
  26 November at 10 h, before the meeting.
- n°5 « Missions » (bob, Wednesday 25 November at 10 h): deadline Monday 30 November, after the
  meeting.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers import (
    Assembly,
    clone_member,
    copy_assembly,
    git,
    init_assembly,
    sealed_environ,
    write_global_gitconfig,
)

MEMBERS = {
    "alice": ("Alice Martin", "alice@exemple.org"),
    "bob": ("Bob Leroy", "bob@exemple.org"),
    "carol": ("Carol Pétillon", "carol@exemple.org"),
}
ROSTER_ADDITIONS = """\
- nom: Bob Leroy
  email: bob@exemple.org
- nom: Carol Pétillon
  email: carol@exemple.org
  roles: [secretariat]
- nom: Dave Moreau
  email: dave@exemple.org
"""

NOW = "2026-11-25T12:00:00+01:00"  # Wednesday before the meeting of Thursday 26 November
MEETING_DATE = "2026-11-26"
VALEURS = "sections/03-valeurs.md"
DROITS = "sections/04-droits.md"
QUALITES = "sections/02-qualites.md"
VALEURS_TEXT = (
    "Confiance, ouverture et soin des communs. <script>alert('valeurs')</script> <b>gras</b> & co."
)
BLOCK_REASON = (
    "L'assemblée ne signe pas de partenariat officiel : c'est à chaque commun de le faire."
)
SECOND_BLOCK = "Toujours pas : relisons « Les partenaires » ensemble."
DISAGREE_REASON = "Trop tôt, parlons-en en réunion."


Scene = Assembly  # the publication tests' assembly: commands run at NOW unless told otherwise


def build(root: Path) -> Scene:
    """The story is played in alice's repository alone (offline, each member's identity given
    by GIT_AUTHOR_*/GIT_COMMITTER_*: fewer processes than a fetch and a push per command),
    then published to a bare shared remote that bob and carol clone."""
    home = root / "home"
    write_global_gitconfig(home)
    env = sealed_environ(home)
    root.mkdir(parents=True, exist_ok=True)
    alice = init_assembly(root, env, ROSTER_ADDITIONS)
    remote = root / "remote.git"
    # The publication tier runs the tool in process (tests/conftest.py): so does its scene.
    scene = Scene(root, remote, {"alice": alice}, env, NOW, in_process=True)

    def act(who: str, *args: str, now: str) -> subprocess.CompletedProcess[str]:
        name, email = MEMBERS[who]
        identity = {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
        }
        return scene.ok("alice", *args, now=now, extra=identity)

    def propose(
        who: str, title: str, edit: tuple[str, str, str] | None, *options: str, now: str
    ) -> None:
        if edit is not None:
            scene.edit("alice", *edit)
        act(who, "propose", title, *options, now=now)
        if edit is not None:
            scene.git("alice", "checkout", "-q", "--", edit[0])

    propose(
        "alice",
        "Compléter les valeurs clés",
        (VALEURS, "## Valeurs clés\n\n[à compléter]", f"## Valeurs clés\n\n{VALEURS_TEXT}"),
        "-m",
        "Écrire nos valeurs.",
        now="2026-11-02T10:00:00+01:00",
    )
    propose(
        "carol",
        "Partenariat avec une enseigne",
        None,
        "-m",
        "Signer un partenariat avec une enseigne de bricolage.",
        now="2026-11-02T11:00:00+01:00",
    )
    propose(
        "bob",
        "Brouillon abandonné",
        (
            DROITS,
            "## Conditions d'exclusion de l'assemblée\n\n[à compléter]",
            "## Conditions d'exclusion de l'assemblée\n\nÀ voir.",
        ),
        now="2026-11-03T09:00:00+01:00",
    )
    act("bob", "withdraw", "3", now="2026-11-04T09:00:00+01:00")
    act("bob", "vote", "1", "d-accord", now="2026-11-03T10:00:00+01:00")
    act("bob", "vote", "2", "blocage", "-r", BLOCK_REASON, now="2026-11-03T10:05:00+01:00")
    act(
        "carol", "vote", "2", "pas-d-accord", "-r", DISAGREE_REASON, now="2026-11-03T11:00:00+01:00"
    )
    act("carol", "close", now="2026-11-05T12:00:00+01:00")
    act("carol", "relaunch", "2", now="2026-11-10T10:00:00+01:00")
    act("bob", "vote", "2", "blocage", "-r", SECOND_BLOCK, now="2026-11-11T10:00:00+01:00")
    act("carol", "close", now="2026-11-16T12:00:00+01:00")
    propose(
        "alice",
        "Conditions d'entrée",
        (
            DROITS,
            "## Conditions d'entrée dans l'assemblée\n\n[à compléter]",
            "## Conditions d'entrée dans l'assemblée\n\nToute personne qui participe à une réunion.",
        ),
        "-m",
        "Écrire qui est membre.",
        now="2026-11-23T10:00:00+01:00",
    )
    act("alice", "vote", "4", "d-accord", now="2026-11-23T11:00:00+01:00")
    propose(
        "bob",
        "Missions",
        (
            QUALITES,
            "## Missions\n\n[à compléter]",
            "## Missions\n\nS'éduquer ensemble aux communs.",
        ),
        "-m",
        "Décrire nos missions, première liste.",
        now="2026-11-25T10:00:00+01:00",
    )
    # Publish everything (branches and archive refs) to the shared remote.
    git(root, "clone", "-q", "--mirror", str(alice), str(remote), env=env)
    git(alice, "remote", "add", "origin", str(remote), env=env)
    git(alice, "fetch", "-q", "origin", env=env)
    git(alice, "branch", "-q", "--set-upstream-to=origin/main", "main", env=env)
    for who in ("bob", "carol"):
        scene.clones[who] = clone_member(root, remote, who, MEMBERS[who], env)
    return scene


def copy(template: Scene, target: Path) -> Scene:
    """A copy of a built scene (remote and clones), each clone pointed at the copied remote."""
    scene = copy_assembly(template.root, target, sealed_environ(target / "home"), NOW)
    scene.in_process = template.in_process
    return scene
