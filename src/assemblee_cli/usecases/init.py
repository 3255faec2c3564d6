"""`assemblee init`: a new code social repository, from the embedded template (Lille's rules
as defaults) or duplicated from another code social with a fresh history."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from assemblee_cli.core.members import Member, Roster
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.codesocial import (
    ROSTER_PATH,
    RULES_PATH,
    dump_roster,
    parse_roster,
    parse_rules,
)
from assemblee_cli.formats.yamlio import dump_yaml
from assemblee_cli.store.setup import first_commit, has_history, person_identity, read_source

ROSTER_HEADER = """\
# Liste des membres de l'assemblée : qui peut proposer et se positionner.
# Chaque membre : nom, email (l'identité git « user.email » de la personne), et au besoin
# depuis ("AAAA-MM-JJ"), roles (secretariat, maintenance), cle_ssh (votes signés).
# La modifier est une proposition comme une autre.
"""


@dataclass(frozen=True)
class InitResult:
    path: Path
    name: str
    source: str | None
    member: Member


def _identity(cwd: Path) -> Member:
    found = person_identity(cwd)
    if found is None:
        raise AssembleeError(
            "Votre identité git n'est pas configurée : lancez « git config --global user.name "
            "'Prénom Nom' » et « git config --global user.email vous@exemple.org », puis relancez."
        )
    return Member(name=found[0], email=found[1])


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise AssembleeError(f"{target} existe et n'est pas un dossier.")
    if (target / RULES_PATH).exists() or (target / "sections").exists():
        raise AssembleeError(
            f"{target} contient déjà un code social : rien n'a été modifié (choisissez un autre "
            "dossier)."
        )
    if (target / ".git").exists() and has_history(target):
        raise AssembleeError(
            f"{target} est déjà un dépôt git avec un historique : créez le code social dans "
            "un nouveau dossier ; rien n'a été modifié."
        )


def _set_name(rules_text: str, name: str) -> str:
    line = "nom: " + dump_yaml(name).strip().removesuffix("...").strip()
    return re.sub(r"^nom:.*$", lambda _m: line, rules_text, count=1, flags=re.MULTILINE)


def _copy_template(target: Path) -> None:
    template = resources.files("assemblee_cli") / "data" / "template"
    with resources.as_file(template) as folder:
        shutil.copytree(folder, target, dirs_exist_ok=True)


def _fetch_source(source: str, scratch: Path) -> tuple[Path, str]:
    """Clone the source code social (a path or a URL); returns its folder and commit."""
    local = Path(source).expanduser()
    origin = str(local.resolve()) if local.exists() else source
    commit = read_source(origin, scratch)
    if commit is None:
        raise AssembleeError(
            f"Impossible de lire le code social « {source} » : ce n'est pas un dépôt git "
            "accessible (vérifiez le chemin ou l'adresse)."
        )
    if not (scratch / RULES_PATH).is_file():
        raise AssembleeError(
            f"« {source} » n'est pas un code social : {RULES_PATH} y est introuvable."
        )
    return scratch, commit


def initialise(target: Path, name: str | None = None, source: str | None = None) -> InitResult:
    target = target.expanduser().resolve()
    _check_target(target)
    member = _identity(
        target if target.exists() else target.parent if target.parent.exists() else Path.cwd()
    )
    with tempfile.TemporaryDirectory(prefix="assemblee-init-") as tmp:
        staging = Path(tmp) / "code-social"
        staging.mkdir()
        origin_note = None
        if source:
            cloned, commit = _fetch_source(source, Path(tmp) / "source")
            parse_rules((cloned / RULES_PATH).read_text(encoding="utf-8"), f"{source}:{RULES_PATH}")
            shutil.copytree(cloned / "sections", staging / "sections")
            (staging / "codesocial").mkdir()
            shutil.copy2(cloned / RULES_PATH, staging / RULES_PATH)
            template_readme = resources.files("assemblee_cli") / "data" / "template" / "proposals"
            with resources.as_file(template_readme) as folder:
                shutil.copytree(folder, staging / "proposals")
            origin_note = f"{source} (commit {commit[:12]})"
        else:
            _copy_template(staging)
        rules_file = staging / RULES_PATH
        rules_text = rules_file.read_text(encoding="utf-8")
        if name:
            rules_text = _set_name(rules_text, name)
            rules_file.write_text(rules_text, encoding="utf-8")
        rules = parse_rules(rules_text, RULES_PATH)
        roster_text = dump_roster(Roster((member,)), ROSTER_HEADER)
        parse_roster(roster_text)
        (staging / ROSTER_PATH).write_text(roster_text, encoding="utf-8")
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, target, dirs_exist_ok=True)
    message = f"Création du code social « {rules.name} »"
    if origin_note:
        message = (
            f"Code social « {rules.name} », dupliqué depuis {origin_note}\n\n"
            f"Sections et règles reprises de {origin_note} ; nouvel historique, "
            "nouvelle liste de membres."
        )
    first_commit(target, ["sections", "codesocial", "proposals"], message)
    return InitResult(target, rules.name, origin_note, member)
