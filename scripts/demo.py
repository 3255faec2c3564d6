"""Demonstration of a full proposal cycle on a scratch copy of the Lille code social.

Three members share a remote; time is simulated with ASSEMBLEE_NOW. One proposal is adopted
tacitly (no vote at all), one is adopted with votes, one is blocked with an argued block and
postponed. Every command is printed with what the member would see.

    bash scripts/dev demo            # (installs, then runs this script)
    python scripts/demo.py --keep    # keep the scratch folder to look around
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = [
    ("Alice Martin", "alice@exemple.org", ""),
    ("Bruno Lefebvre", "bruno@exemple.org", ""),
    ("Chloé Dubois", "chloe@exemple.org", "  roles: [secretariat]\n"),
]


def say(text: str) -> None:
    print(f"\n\033[1m── {text}\033[0m", flush=True)


def run(cwd: Path, *args: str, now: str | None = None, show: bool = True) -> str:
    env = dict(os.environ)
    if now:
        env["ASSEMBLEE_NOW"] = now
    who = cwd.name
    if show:
        when = f"ASSEMBLEE_NOW={now} " if now else ""
        shown = ["assemblee", *args[3:]] if args[1:3] == ("-m", "assemblee_cli") else list(args)
        print(f"\n[{who}]$ {when}{' '.join(_quote(a) for a in shown)}", flush=True)
    proc = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True)
    output = (proc.stdout + proc.stderr).rstrip()
    if show and output:
        print(output, flush=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"La commande a échoué ({proc.returncode}) : {' '.join(args)}")
    return proc.stdout


def _quote(arg: str) -> str:
    return f'"{arg}"' if (" " in arg or "'" in arg) else arg


def assemblee(cwd: Path, *args: str, now: str | None = None) -> str:
    return run(cwd, sys.executable, "-m", "assemblee_cli", *args, now=now)


def git(cwd: Path, *args: str) -> str:
    return run(cwd, "git", *args, show=False)


def main() -> None:
    keep = "--keep" in sys.argv
    scratch = Path(tempfile.mkdtemp(prefix="assemblee-demo-"))
    home = scratch / "home"
    home.mkdir()
    os.environ["HOME"] = str(home)
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    os.environ.pop("ASSEMBLEE_NOW", None)
    try:
        demo(scratch)
    finally:
        if keep:
            print(f"\nDossier de démonstration conservé : {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def demo(scratch: Path) -> None:
    alice_name, alice_mail, _ = MEMBERS[0]
    git(scratch, "config", "--global", "user.name", alice_name)
    git(scratch, "config", "--global", "user.email", alice_mail)
    git(scratch, "config", "--global", "init.defaultBranch", "main")

    say("Une copie du code social de Lille, avec trois membres de démonstration")
    source = scratch / "source"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(source)], check=True)
    alice = scratch / "alice"
    assemblee(
        scratch,
        "init",
        "alice",
        "--from",
        str(source),
        "--nom",
        "Assemblée des communs de Lille (démo)",
    )
    roster = alice / "codesocial" / "membres.yml"
    with roster.open("a", encoding="utf-8") as handle:
        for name, mail, extra in MEMBERS[1:]:
            handle.write(f"- nom: {name}\n  email: {mail}\n{extra}")
    git(alice, "commit", "--quiet", "-am", "Membres de démonstration")
    remote = scratch / "partage.git"
    git(scratch, "clone", "--quiet", "--bare", str(alice), str(remote))
    git(alice, "remote", "add", "origin", str(remote))
    git(alice, "fetch", "--quiet", "origin")
    git(alice, "branch", "--quiet", "--set-upstream-to=origin/main")
    clones = {"alice": alice}
    for name, mail, _ in MEMBERS[1:]:
        folder = scratch / mail.split("@")[0]
        git(scratch, "clone", "--quiet", str(remote), str(folder))
        git(folder, "config", "user.name", name)
        git(folder, "config", "user.email", mail)
        clones[folder.name] = folder
    bruno, chloe = clones["bruno"], clones["chloe"]

    monday = "2026-11-23T09:30:00+01:00"
    say("Les règles en vigueur et le calendrier")
    assemblee(alice, "rules")
    assemblee(alice, "calendar", "--reunions", "3", now=monday)

    say("1. Une proposition adoptée tacitement : personne ne se positionne")
    section = alice / "sections" / "03-valeurs.md"
    text = section.read_text(encoding="utf-8")
    section.write_text(
        text.replace(
            "Communs - Stigmergie - ...\n\n[à compléter]",
            "Communs - Stigmergie - Confiance - Ouverture",
        ),
        encoding="utf-8",
    )
    assemblee(
        alice,
        "propose",
        "Compléter les valeurs clés",
        "-m",
        "Ajouter la confiance et l'ouverture aux valeurs clés.",
        now=monday,
    )
    git(alice, "checkout", "--quiet", "--", ".")

    say("2. Une proposition adoptée avec des avis")
    tuesday = "2026-11-24T14:00:00+01:00"
    droits = bruno / "sections" / "04-droits.md"
    droits.write_text(
        droits.read_text(encoding="utf-8").replace(
            "## Conditions d'entrée dans l'assemblée\n\n[à compléter]",
            "## Conditions d'entrée dans l'assemblée\n\nToute personne qui participe à une "
            "réunion et se présente devient membre.",
        ),
        encoding="utf-8",
    )
    assemblee(
        bruno,
        "propose",
        "Conditions d'entrée",
        "-m",
        "Écrire ce qui fait de quelqu'un un membre.",
        now=tuesday,
    )
    git(bruno, "checkout", "--quiet", "--", ".")
    assemblee(alice, "vote", "2", "d-accord", now="2026-11-25T09:00:00+01:00")
    assemblee(chloe, "vote", "2", "abstention", now="2026-11-25T10:00:00+01:00")

    say("3. Une proposition bloquée, avec un blocage argumenté")
    assemblee(
        chloe,
        "propose",
        "Partenariat avec une enseigne",
        "-m",
        "Signer un partenariat avec une grande enseigne de bricolage.",
        now="2026-11-25T11:00:00+01:00",
    )
    assemblee(bruno, "vote", "3", "blocage", now="2026-11-25T12:00:00+01:00")
    assemblee(
        bruno,
        "vote",
        "3",
        "blocage",
        "-r",
        "L'assemblée ne signe pas de partenariat officiel : c'est à chaque commun de le faire.",
        now="2026-11-25T12:01:00+01:00",
    )
    assemblee(alice, "status", now="2026-11-25T18:00:00+01:00")
    assemblee(alice, "show", "3", now="2026-11-25T18:00:00+01:00")

    say("Mardi 1er décembre : la clôture applique tout ce qui est échu")
    meeting = "2026-12-01T18:00:00+01:00"
    assemblee(chloe, "close", "--dry-run", now=meeting)
    assemblee(chloe, "close", now=meeting)
    assemblee(alice, "vote", "3", "d-accord", now="2026-12-01T18:05:00+01:00")
    assemblee(alice, "status", now="2026-12-01T18:10:00+01:00")
    git(alice, "pull", "--quiet", "--ff-only")
    print("\n[alice]$ git log --oneline --graph -8")
    print(git(alice, "log", "--oneline", "--graph", "-8").rstrip())
    print(
        "\n[alice]$ sed -n '/Conditions d.entrée/,/Conditions d.exclusion/p' sections/04-droits.md"
    )
    text = (alice / "sections" / "04-droits.md").read_text(encoding="utf-8")
    start = text.index("## Conditions d'entrée")
    print(text[start : text.index("## Conditions d'exclusion")].rstrip())
    assemblee(alice, "relaunch", "3", now="2026-12-01T18:15:00+01:00")

    say("Une semaine après l'ouverture du premier tour, un nouveau tour ; puis tout se vérifie")
    assemblee(alice, "relaunch", "3", now="2026-12-02T11:00:00+01:00")
    assemblee(bruno, "status", now="2026-12-02T11:05:00+01:00")
    assemblee(alice, "verify")


if __name__ == "__main__":
    main()
