"""From consent to the two-thirds vote, and the delays around it, through the command line:
a blocked proposal is postponed, relaunched a week later, blocked again, and after two meetings
put to a 2/3 vote; a 2/3 decision may not be challenged for 3 months, a consent one at once.

Meetings are on the last Thursday of the month at 19:00 (Paris): 26 November 2026,
31 December 2026, 28 January 2027."""

from __future__ import annotations

import html

import pytest
from tests.helpers import VALEURS, record, same_instant

R1_OPEN = "2026-11-26T10:00:00+01:00"  # Thursday
R1_VOTE = "2026-11-27T10:00:00+01:00"
R1_CLOSE = "2026-12-01T10:00:00+01:00"  # first block, recorded at this close
TOO_EARLY = "2026-12-02T10:00:00+01:00"
R2_OPEN = "2026-12-03T10:00:00+01:00"  # one week after R1_OPEN
R2_VOTE = "2026-12-04T10:00:00+01:00"
R2_CLOSE = "2026-12-08T10:00:00+01:00"
WEEK_AFTER_R2 = "2026-12-10T10:00:00+01:00"  # a week, but no meeting yet since the first block
ONE_MEETING = "2027-01-28T18:59:00+01:00"  # after 31 December, just before 28 January's
R3_OPEN = "2027-01-28T19:00:00+01:00"  # the second meeting since the first block
R3_VOTE = "2027-01-29T10:00:00+01:00"
R3_CLOSE = "2027-02-02T19:00:00+01:00"  # 72 working hours later
LOCKED_UNTIL = "2027-05-02T19:00:00+02:00"  # 3 calendar months after R3_CLOSE, Paris time
STILL_LOCKED = "2027-05-02T18:59:00+02:00"

OLD = "## Valeurs clés\n\n[à compléter]"
NEW = "## Valeurs clés\n\nLa gratuité avant tout."
EDIT = (VALEURS, OLD, NEW)
NAME = "0001-la-gratuite"
BRANCH = f"proposition/{NAME}"
RECORD = f"proposals/{NAME}.md"


def block(a, now: str) -> None:
    a.ok("bob", "vote", "1", "blocage", "-r", "La gratuité n'est pas tenable.", now=now)


@pytest.fixture(scope="module")
def escalation(story_template):
    """Proposal n°1 taken, once, from consent to a 2/3 round through the command line: blocked,
    postponed, relaunched a week later, blocked again, relaunched at 2/3 after two meetings,
    with every too-early relaunch tried on the way. Returns the assembly folder (round 3 open)
    and what each step printed, for the tests to check and to continue from."""
    seen: dict[str, object] = {}

    def story(a) -> None:
        a.propose_edit("alice", "La gratuité", EDIT, now=R1_OPEN)
        start = a.remote_branch("main")
        block(a, R1_VOTE)
        seen["close 1"] = a.json("carol", "close", now=R1_CLOSE)
        seen["record after close 1"] = record(a.remote_file(BRANCH, RECORD))
        seen["relaunch too early"] = a.refused("carol", "relaunch", "1", now=TOO_EARLY)
        seen["2/3 after one block"] = a.refused(
            "carol", "relaunch", "1", "--two-thirds", now=R2_OPEN
        )
        seen["relaunch 2"] = a.ok("carol", "relaunch", "0001", now=R2_OPEN).stdout
        block(a, R2_VOTE)
        seen["close 2"] = a.json("carol", "close", now=R2_CLOSE)
        tip = a.remote_branch(BRANCH)
        seen["2/3 without meeting"] = a.refused(
            "carol", "relaunch", "1", "--two-thirds", now=WEEK_AFTER_R2
        )
        seen["2/3 after one meeting"] = a.refused(
            "dave", "relaunch", BRANCH, "--two-thirds", now=ONE_MEETING
        )
        seen["refusals wrote nothing"] = a.remote_branch(BRANCH) == tip
        seen["relaunch 3"] = a.ok("dave", "relaunch", "1", "--two-thirds", now=R3_OPEN).stdout
        seen["main untouched"] = a.remote_branch("main") == start

    return story_template("escalation", story), seen


@pytest.fixture()
def two_thirds(escalation, copy_template):
    """A copy of the assembly whose proposal n°1 is open for a 2/3 vote (round 3)."""
    return copy_template(escalation[0])


def test_escalation_from_consent_to_a_two_thirds_round(escalation, two_thirds):
    _, seen = escalation
    [first] = seen["close 1"]
    assert first["statut"] == "reportee" and "réunion" in first["explication"]
    assert seen["record after close 1"]["statut"] == "reportee"

    assert "Trop tôt" in seen["relaunch too early"]
    assert "à partir du jeudi 3 décembre 2026 à 10 h" in seen["relaunch too early"]
    assert "1 tour(s) bloqué(s)" in seen["2/3 after one block"]
    assert "tour 2" in seen["relaunch 2"] and "consentement" in seen["relaunch 2"]
    assert seen["close 2"][0]["statut"] == "reportee"

    for key in ("2/3 without meeting", "2/3 after one meeting"):
        assert "2 réunions" in seen[key]
        assert "à partir du jeudi 28 janvier 2027 à 19 h" in seen[key]
    assert seen["refusals wrote nothing"] and seen["main untouched"]
    assert "tour 3" in seen["relaunch 3"] and "deux tiers" in seen["relaunch 3"]

    shown = two_thirds.json("alice", "show", "1", now=R3_OPEN)
    assert (shown["statut"], shown["mode"], shown["tour"]) == ("ouverte", "deux-tiers", 3)
    assert same_instant(shown["echeance"], R3_CLOSE)
    assert shown["decompte"] == {"d-accord": 0, "abstention": 0, "pas-d-accord": 0, "blocage": 0}
    assert [(t["mode"], t["resultat"]) for t in shown["tours"]] == [
        ("consentement", "reportee"),
        ("consentement", "reportee"),
        ("deux-tiers", None),
    ]


def test_a_two_thirds_vote_adopts_despite_a_block(two_thirds):
    a = two_thirds
    for who in ("alice", "carol", "dave"):
        a.ok(who, "vote", "1", "d-accord", now=R3_VOTE)
    block(a, R3_VOTE)  # one block does not stop a 2/3 vote: 3 of 4
    [item] = a.json("carol", "close", now=R3_CLOSE)
    assert item["statut"] == "adoptee" and "deux tiers" in item["explication"]

    assert a.remote_branch(BRANCH) is None
    assert NEW in a.remote_file("main", VALEURS)
    assert len(a.remote_git("rev-list", "--parents", "-1", "main").split()) == 3
    assert f"Assemblee-Proposition: {NAME}" in a.remote_git("log", "-1", "--format=%B", "main")
    decided = record(a.remote_file("main", RECORD))
    assert decided["statut"] == "adoptee"
    assert [(t["mode"], t["resultat"]) for t in decided["tours"]] == [
        ("consentement", "reportee"),
        ("consentement", "reportee"),
        ("deux-tiers", "adoptee"),
    ]
    assert decided["tours"][2]["decompte"] == {
        "d-accord": 3,
        "abstention": 0,
        "pas-d-accord": 0,
        "blocage": 1,
    }
    # The public register says how it was decided, not only « adoptée » beside a block.
    site = a.path("bob").parent / "site"
    a.ok("bob", "site", str(site), now=R3_CLOSE)
    register = html.unescape((site / "decisions.html").read_text(encoding="utf-8"))
    assert (
        "adoptée (vote aux deux tiers, au tour 3) — 3 d'accord, 0 s'abstient, 0 pas d'accord, "
        "1 blocage" in register
    ), register
    page = " ".join(
        html.unescape((site / "proposition-1.html").read_text(encoding="utf-8")).split()
    )
    assert "Adoptée (vote aux deux tiers, au tour 3) le " in page, page
    assert "ne peut pas être remise en cause par un nouveau vote avant le " in page, page
    # Why the two consent rounds did not pass, beside the 2/3 round's positions.
    earlier = page.split("Les blocages des tours précédents", 1)[1].split("Les tours", 1)[0]
    for number in (1, 2):
        said = f"Tour {number}, <strong>Bob Leroy</strong> : « La gratuité n'est pas tenable. »"
        assert said in earlier, earlier
    assert "Tour 3" not in earlier


def test_a_two_thirds_vote_that_fails_rejects_and_archives_the_text(two_thirds):
    a = two_thirds
    tip = a.remote_branch(BRANCH)
    main = a.remote_branch("main")
    a.ok("alice", "vote", "1", "d-accord", now=R3_VOTE)
    a.ok("bob", "vote", "1", "pas-d-accord", now=R3_VOTE)
    a.ok("dave", "vote", "1", "disagree", now=R3_VOTE)
    [item] = a.json("carol", "close", now=R3_CLOSE)
    assert item["statut"] == "rejetee" and "1 d'accord sur 3" in item["explication"]
    assert "deux tiers" in item["explication"]
    assert f"refs/archives/proposition/{NAME}" in item["explication"]

    refs = a.remote_refs()
    assert f"refs/heads/{BRANCH}" not in refs
    archive = refs[f"refs/archives/proposition/{NAME}"]
    assert a.remote_git("merge-base", "--is-ancestor", tip, archive) == ""
    assert NEW in a.remote_file(archive, VALEURS)
    # Only the record lands on main: one plain commit, the text is unchanged.
    assert a.remote_git("rev-list", "--parents", "-1", "main").split()[1:] == [main]
    assert NEW not in a.remote_file("main", VALEURS)
    decided = record(a.remote_file("main", RECORD))
    assert decided["statut"] == "rejetee" and decided["tours"][-1]["mode"] == "deux-tiers"
    shown = a.json("bob", "show", "1", now=R3_CLOSE)
    assert (shown["statut"], shown["mode"], shown["tour"]) == ("rejetee", "deux-tiers", 3)
    assert shown["decompte"] == {"d-accord": 1, "abstention": 0, "pas-d-accord": 2, "blocage": 0}

    # A 2/3 rejection is locked too.
    message = a.refused("alice", "propose", "Encore la gratuité", "--challenges", "1", now=R3_CLOSE)
    assert "deux tiers" in message


def test_a_two_thirds_decision_may_not_be_challenged_for_three_months(two_thirds):
    a = two_thirds
    a.ok("alice", "vote", "1", "d-accord", now=R3_VOTE)
    a.ok("carol", "vote", "1", "agree", now=R3_VOTE)
    a.ok("dave", "vote", "1", "abstention", now=R3_VOTE)  # abstentions are not counted
    [item] = a.json("carol", "close", now=R3_CLOSE)
    assert item["statut"] == "adoptee" and "2 d'accord sur 2 avis exprimés" in item["explication"]

    before = a.remote_refs()
    again = ("propose", "Revenir sur la gratuité", "--challenges", "1")
    message = a.refused("bob", *again, now=STILL_LOCKED)
    assert "3 mois" in message and "à partir du dimanche 2 mai 2027 à 19 h" in message
    assert a.remote_refs() == before
    p = a.json("bob", *again, now=LOCKED_UNTIL)
    assert p["conteste"] == 1 and p["id"] == 2
    assert a.remote_branch(p["branche"]) is not None


def test_a_consent_decision_may_be_challenged_at_once(assembly):
    a = assembly
    a.propose_edit("alice", "La gratuité", EDIT, now=R1_OPEN)
    [item] = a.json("carol", "close", now=R1_CLOSE)
    assert item["statut"] == "adoptee"
    p = a.json("bob", "propose", "Revenir sur la gratuité", "--challenges", "1", now=R1_CLOSE)
    assert p["conteste"] == 1
    message = a.refused("dave", "propose", "Contre-proposition", "--challenges", "2", now=R1_CLOSE)
    assert "pas encore décidée" in message


def test_the_three_month_lock_is_read_from_the_paragraphs_a_proposal_touches(two_thirds):
    """Issue 11: without --challenges, a rewrite of the paragraph a 2/3 decision wrote a week
    earlier used to open with no warning."""
    a = two_thirds
    for who in ("alice", "carol", "dave"):
        a.ok(who, "vote", "1", "d-accord", now=R3_VOTE)
    [item] = a.json("carol", "close", now=R3_CLOSE)
    assert item["statut"] == "adoptee"
    a.git("bob", "pull", "-q")
    rewrite = (VALEURS, "La gratuité avant tout.", "La gratuité, parfois.")
    a.edit("bob", *rewrite)
    before = a.remote_refs()
    message = a.refused("bob", "propose", "Assouplir la gratuité", now=STILL_LOCKED)
    assert "proposition n°1" in message and "deux tiers" in message
    assert "dimanche 2 mai 2027" in message
    assert a.remote_refs() == before
    # A change elsewhere in the same file is not held by the lock.
    a.git("bob", "checkout", "-q", "--", VALEURS)
    a.edit(
        "bob",
        VALEURS,
        "## Modèle social et humain\n\n[à compléter]",
        "## Modèle social et humain\n\nCoopératif.",
    )
    other = a.json("bob", "propose", "Le modèle social", now=STILL_LOCKED)
    assert other["fichiers"] == [VALEURS]
    a.edit("bob", *rewrite)
    p = a.json("bob", "propose", "Assouplir la gratuité", now=LOCKED_UNTIL)
    assert p["fichiers"] == [VALEURS]
