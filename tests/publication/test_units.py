"""Pure parts of the publication commands, without git: SMTP settings, sections, the HTML of a
section, the commit graph of blame, when a decision can be challenged, the next working day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.rules import Rules
from assemblee_cli.core.tally import Outcome, Tally
from assemblee_cli.formats.sections import parse_section
from assemblee_cli.mail.smtp import MailError, load_settings
from assemblee_cli.render.export import render_section_html
from assemblee_cli.usecases.blame import CommitMeta, Origin, challenge_state, introducing_commits
from assemblee_cli.usecases.remind import next_working_day

BASE = {"ASSEMBLEE_SMTP_HOTE": "smtp.exemple.org", "ASSEMBLEE_LISTE": "liste@exemple.org"}


# -- SMTP settings -------------------------------------------------------------------------


def test_settings_defaults_and_precedence() -> None:
    config = {
        "assemblee.smtp.hote": "autre.exemple.org",
        "user.name": "Alice",
        "user.email": "a@x.org",
    }
    settings = load_settings(BASE, config)
    assert (settings.host, settings.port, settings.tls) == ("smtp.exemple.org", 587, "starttls")
    assert settings.sender == "Alice <a@x.org>"
    assert load_settings({**BASE, "ASSEMBLEE_SMTP_TLS": "ssl"}, config).port == 465
    assert load_settings({**BASE, "ASSEMBLEE_SMTP_TLS": "aucun"}, config).port == 25
    from_config = load_settings({}, {**config, "assemblee.liste": "l@x.org"})
    assert from_config.host == "autre.exemple.org" and from_config.recipient == "l@x.org"


@pytest.mark.parametrize(
    ("environ", "config", "expected"),
    [
        ({}, {}, "ASSEMBLEE_SMTP_HOTE"),
        (
            {**BASE, "ASSEMBLEE_SMTP_TLS": "tls1.0"},
            {"user.email": "a@x.org"},
            "starttls, ssl ou aucun",
        ),
        ({**BASE, "ASSEMBLEE_SMTP_PORT": "smtp"}, {"user.email": "a@x.org"}, "Port SMTP invalide"),
        (
            {**BASE, "ASSEMBLEE_SMTP_UTILISATEUR": "alice"},
            {"user.email": "a@x.org"},
            "ASSEMBLEE_SMTP_MOT_DE_PASSE",
        ),
        (
            {
                **BASE,
                "ASSEMBLEE_SMTP_UTILISATEUR": "a",
                "ASSEMBLEE_SMTP_MOT_DE_PASSE": "s",
                "ASSEMBLEE_SMTP_TLS": "aucun",
            },
            {"user.email": "a@x.org"},
            "sans chiffrement",
        ),
        (BASE, {}, "expéditeur"),
        (BASE, {"user.email": "a@x.org", "assemblee.smtp.motdepasse": "s"}, "retirez-le"),
        ({**BASE, "ASSEMBLEE_LISTE": "liste"}, {"user.email": "a@x.org"}, "n'est pas une adresse"),
    ],
)
def test_settings_refusals_are_one_french_sentence(environ, config, expected) -> None:
    with pytest.raises(MailError) as caught:
        load_settings(environ, config)
    assert expected in caught.value.message
    assert "\n" not in caught.value.message


def test_password_is_never_shown() -> None:
    settings = load_settings(
        {**BASE, "ASSEMBLEE_SMTP_UTILISATEUR": "alice", "ASSEMBLEE_SMTP_MOT_DE_PASSE": "s3cret!"},
        {"user.email": "a@x.org"},
    )
    assert settings.password == "s3cret!"
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings)


# -- sections ------------------------------------------------------------------------------

SECTION = """---
titre: "Qualités de l'assemblée"
faisceau: qualités
---
# Qualités de l'assemblée

[à compléter]

Histoire
--------

Texte. [à compléter]
"""


def test_parse_section_frontmatter_headings_and_parts_to_complete() -> None:
    warnings: list[str] = []
    section = parse_section("sections/02-qualites.md", SECTION, warnings)
    assert (section.title, section.bundle, section.body_start) == (
        "Qualités de l'assemblée",
        "qualites",
        5,
    )
    assert [(h.level, h.text, h.line) for h in section.headings] == [
        (1, "Qualités de l'assemblée", 5),
        (2, "Histoire", 9),
    ]
    assert [(t.line, t.heading) for t in section.todo] == [
        (7, "Qualités de l'assemblée"),
        (12, "Histoire"),
    ]
    assert warnings == []


def test_parse_section_without_frontmatter_or_with_an_unknown_bundle() -> None:
    warnings: list[str] = []
    bare = parse_section("sections/09-autre.md", "## Autre chose\n\nTexte.\n", warnings)
    assert (bare.title, bare.bundle) == ("Autre chose", None)
    odd = parse_section("sections/10-x.md", "---\nfaisceau: finances\n---\nTexte\n", warnings)
    assert odd.bundle is None and odd.title == "10-x"
    assert any("finances" in w for w in warnings)
    broken = parse_section("sections/11-y.md", "---\ntitre: [\n---\nTexte\n", warnings)
    assert broken.title == "11-y" and any("11-y.md" in w for w in warnings)


def test_section_html_escapes_raw_html_and_marks_parts_to_complete() -> None:
    text = (
        "# Titre\n\n<script>alert(1)</script>\n\nUn <b onclick='x()'>mot</b>, "
        "[lien](javascript:alert(2)) et [à compléter]\n\n## Sous-partie\n"
    )
    section = parse_section("sections/01-t.md", text)
    rendered = render_section_html(section)
    assert "<script>" not in rendered.html and "<b " not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert 'href="javascript' not in rendered.html
    assert '<mark class="a-completer">[à compléter]</mark>' in rendered.html
    assert '<h2 id="section-01-t">Titre</h2>' in rendered.html
    assert rendered.toc == [("section-01-t-sous-partie", "Sous-partie")]


# -- blame ---------------------------------------------------------------------------------


def _commit(sha: str, *parents: str, message: str = "") -> CommitMeta:
    return CommitMeta(sha, parents, datetime(2026, 1, 1, tzinfo=UTC), "x", message)


def test_introducing_commits_assigns_each_commit_to_the_merge_that_brought_it() -> None:
    # main: A - B - M1 - M2 ; proposal 1: B - C - D (merged by M1) ; proposal 2 forked from D:
    # D - E - F (merged by M2): C and D came with M1, E and F with M2.
    commits = {
        c.sha: c
        for c in (
            _commit("A"),
            _commit("B", "A"),
            _commit("C", "B"),
            _commit("D", "C"),
            _commit("M1", "B", "D", message="x\n\nAssemblee-Proposition: 0001-un"),
            _commit("E", "D"),
            _commit("F", "E"),
            _commit("M2", "M1", "F", message="y\n\nAssemblee-Proposition: 0002-deux"),
        )
    }
    owner = introducing_commits(commits, "M2")
    assert owner == {
        "A": "A",
        "B": "B",
        "M1": "M1",
        "M2": "M2",
        "C": "M1",
        "D": "M1",
        "E": "M2",
        "F": "M2",
    }
    assert commits["M2"].trailer == "0002-deux" and commits["B"].trailer is None


def _decided(mode: lc.Mode, closed: datetime) -> lc.Proposal:
    opened = closed - timedelta(days=5)
    p = lc.open_proposal(
        number=1,
        slug="x",
        title="X",
        author="a@x.org",
        author_name="A",
        now=opened,
        deadline=closed,
        rules=Rules(),
        members=["a@x.org"],
        text_version="v",
    )
    final = replace(
        p.round, mode=mode, result=Outcome.ADOPTED, closed_at=closed, tally=Tally(agree=1)
    )
    return replace(p, rounds=(final,), status=lc.Status.ADOPTED)


def test_challenge_state_of_consent_and_two_thirds_decisions() -> None:
    closed = datetime(2026, 11, 5, 18, 0, tzinfo=UTC)
    merge = _commit("M", "A", "B")
    consent = Origin(merge, _decided(lc.Mode.CONSENT, closed), "0001-x")
    assert challenge_state(consent, closed) == (True, None)
    two_thirds = Origin(merge, _decided(lc.Mode.TWO_THIRDS, closed), "0001-x")
    allowed = datetime(2027, 2, 5, 18, 0, tzinfo=UTC)
    assert challenge_state(two_thirds, closed + timedelta(days=30)) == (False, allowed)
    assert challenge_state(two_thirds, allowed) == (True, allowed)
    direct = Origin(_commit("B", "A"), None, None)
    assert challenge_state(direct, closed) == (True, None)


# -- reminders -----------------------------------------------------------------------------


def test_next_working_day_skips_weekends_and_holidays() -> None:
    holidays = {date(2026, 11, 11)}
    assert next_working_day(date(2026, 11, 27), holidays) == date(2026, 11, 30)  # Friday → Monday
    assert next_working_day(date(2026, 11, 10), holidays) == date(2026, 11, 12)  # 11 Nov off
    assert next_working_day(date(2026, 11, 25), holidays) == date(2026, 11, 26)
