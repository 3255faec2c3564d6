"""`assemblee agenda`: the pack for the meeting, checked section by section on a repository with
adopted, withdrawn, postponed (with argued blocks) and open proposals."""

from __future__ import annotations

import re

from publication_scenario import (
    BLOCK_REASON,
    MEETING_DATE,
    SECOND_BLOCK,
    Scene,
)


def split_sections(text: str) -> dict[str, str]:
    """The agenda's `## ` sections, by title."""
    parts = re.split(r"^## ", text, flags=re.MULTILINE)
    return {part.split("\n", 1)[0].strip(): part for part in parts[1:]}


def test_agenda_of_the_next_meeting_section_by_section(scene: Scene) -> None:
    text = scene.ok("carol", "agenda").stdout
    assert text.startswith("# Réunion du jeudi 26 novembre 2026 à 19 h\n")
    sections = split_sections(text)
    assert list(sections) == [
        "Sommaire",
        "1. Décisions depuis la réunion précédente",
        "2. Propositions reportées, à discuter",
        "3. Propositions ouvertes",
        "4. Compte rendu",
    ]

    decided = sections["1. Décisions depuis la réunion précédente"]
    assert "depuis la réunion du jeudi 29 octobre 2026 à 19 h" in decided
    assert (
        "**n°1 « Compléter les valeurs clés »** : adoptée (consentement) le jeudi 5 novembre "
        "2026 à 12 h — 1 d'accord, 0 s'abstient, 0 pas d'accord, 0 blocage." in decided
    )
    assert "texte modifié : `sections/03-valeurs.md`" in decided
    assert "`proposals/0001-completer-les-valeurs-cles.md`" in decided
    assert "**n°3 « Brouillon abandonné »** : retirée par son auteur·rice (Bob Leroy)" in decided
    assert "texte proposé, non retenu" in decided
    # Decisions are in the order they were taken; open ones are not decisions.
    assert decided.index("n°3") < decided.index("n°1")
    assert "n°4" not in decided and "n°2" not in decided

    postponed = sections["2. Propositions reportées, à discuter"]
    assert "### n°2 « Partenariat avec une enseigne »" in postponed
    assert "Tour 2 (consentement), clos le lundi 16 novembre 2026 à 12 h : reporté" in postponed
    assert (
        "Tours par consentement bloqués : 2 (il en faut 2 avant un vote aux deux tiers)"
        in postponed
    )
    assert (
        "Réunions depuis le premier blocage (jeudi 5 novembre 2026 à 12 h) : 1, celle-ci "
        "comprise (il en faut 2 avant un vote aux deux tiers)" in postponed
    )
    # Each block with its argument, round by round; markdown characters escaped.
    assert f"tour 1, Bob Leroy : « {BLOCK_REASON} »" in postponed
    assert f"tour 2, Bob Leroy : « {SECOND_BLOCK} »" in postponed
    assert (
        "un nouveau tour par consentement : possible dès maintenant (`assemblee relaunch 2`)"
        in postponed
    )
    assert (
        "un tour aux deux tiers : possible à partir du jeudi 31 décembre 2026 à 19 h "
        "(`assemblee relaunch 2 --two-thirds`)" in postponed
    )

    opened = sections["3. Propositions ouvertes"]
    before, after = opened.split("### Échéance après la réunion")
    assert "#### n°4 « Conditions d'entrée »" in before
    assert "Échéance : jeudi 26 novembre 2026 à 10 h (dans 22 h)" in before
    assert "Avis à ce jour : 1 d'accord, 0 s'abstient, 0 pas d'accord, 0 blocage." in before
    assert "Pas encore positionné·es (3) : Bob Leroy, Carol Pétillon, Dave Moreau." in before
    assert "n°5" not in before
    assert "#### n°5 « Missions »" in after
    assert "Échéance : lundi 30 novembre 2026 à 10 h" in after
    assert (
        "Pas encore positionné·es (4) : Alice Martin, Bob Leroy, Carol Pétillon, Dave Moreau."
        in after
    )

    minutes = sections["4. Compte rendu"]
    assert "- Présent·es : …" in minutes
    assert "--member EMAIL" in minutes
    assert "Le jeudi 31 décembre 2026 à 19 h." in minutes


def test_agenda_for_a_given_date_written_to_a_file(scene: Scene, tmp_path) -> None:
    target = tmp_path / "reunions" / "2026-12-31.md"
    proc = scene.ok("alice", "agenda", "--date", "2026-12-31", "-o", str(target))
    assert str(target) in proc.stdout
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Réunion du jeudi 31 décembre 2026 à 19 h\n")
    sections = split_sections(text)
    assert (
        "Aucune décision depuis la réunion du jeudi 26 novembre 2026 à 19 h."
        in sections["1. Décisions depuis la réunion précédente"]
    )
    postponed = sections["2. Propositions reportées, à discuter"]
    assert "Réunions depuis le premier blocage (jeudi 5 novembre 2026 à 12 h) : 2" in postponed
    assert "possible à partir du jeudi 31 décembre 2026 à 19 h, donc à la réunion" in postponed
    # Both open proposals close before that meeting.
    before, after = sections["3. Propositions ouvertes"].split("### Échéance après la réunion")
    assert "n°4" in before and "n°5" in before
    assert "Aucune proposition ouverte ne se termine après la réunion." in after


def test_agenda_refuses_a_date_that_is_not_one(scene: Scene) -> None:
    message = scene.refused("alice", "agenda", "--date", "26/11/2026")
    assert "AAAA-MM-JJ" in message
    assert MEETING_DATE  # the scenario's meeting, for the reader


def test_agenda_and_remind_as_one_json_document(scene: Scene) -> None:
    agenda = scene.json("alice", "agenda")
    assert agenda["reunion"].startswith("2026-11-26T")
    assert sorted((p["id"], p["statut"]) for p in agenda["decisions"]) == [
        (1, "adoptee"),
        (3, "retiree"),
    ]
    [postponed] = agenda["reportees"]
    assert postponed["id"] == 2 and postponed["tours_bloques"] == 2
    assert [b["raison"] for b in postponed["blocages"]][-1].startswith("Toujours pas")
    assert (
        postponed["tour_aux_deux_tiers"]["refus"] or postponed["tour_aux_deux_tiers"]["possible_le"]
    )
    assert [p["id"] for p in agenda["avant_la_reunion"]] == [4]
    assert [p["id"] for p in agenda["apres_la_reunion"]] == [5]
    assert "dave@exemple.org" in agenda["avant_la_reunion"][0]["sans_avis"]
    reminder = scene.json("alice", "remind")
    assert [p["id"] for p in reminder["propositions"]] == [4]
    assert reminder["propositions"][0]["decompte"]["d-accord"] == 1
    usage = scene.run("alice", "remind", "--email", "--json")
    assert usage.returncode == 2 and "--json" in usage.stderr
