"""`announce --email` and `remind --email` delivered to a real SMTP server (aiosmtpd) started on
the loopback interface by the test; the message is parsed back and checked (subject, body,
encoding of French text), and the announcement is recorded in the proposal only once sent."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from publication_scenario import NOW, Scene
from tests.helpers import record

pytest.importorskip("aiosmtpd")

LIST = "assemblee@listes.exemple.org"
MISSIONS = "proposition/0005-missions"
MISSIONS_FILE = "proposals/0005-missions.md"


@dataclass
class Inbox:
    port: int
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self, to: str = LIST) -> list[EmailMessage]:
        """The messages sent to `to` (the list by default; "*": all of them, personal
        messages with each member's link included)."""
        return [
            email.message_from_bytes(e.original_content or e.content, policy=email.policy.default)
            for e in self.envelopes
            if to == "*" or e.rcpt_tos == [to]
        ]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def smtp() -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


WEB_SECRET = "le secret de la page de l'assemblée"


def smtp_env(inbox: Inbox, **extra: str) -> dict[str, str]:
    return {
        "ASSEMBLEE_SMTP_HOTE": "127.0.0.1",
        "ASSEMBLEE_SMTP_PORT": str(inbox.port),
        "ASSEMBLEE_SMTP_TLS": "aucun",
        "ASSEMBLEE_EXPEDITEUR": "Carol Pétillon <carol@exemple.org>",
        "ASSEMBLEE_LISTE": LIST,
        # the web page's secret, as on the server: the personal links are signed with it
        "ASSEMBLEE_WEB_SECRET": WEB_SECRET,
        **extra,
    }


def record_at(scene: Scene, rev: str) -> dict[str, Any]:
    return record(scene.remote_git("show", f"{rev}:{MISSIONS_FILE}"))


def data_members(scene: Scene) -> list[str]:
    return list(record_at(scene, MISSIONS)["membres"])


def test_announce_email_is_delivered_in_french_and_recorded(fresh: Scene, smtp: Inbox) -> None:
    tip = fresh.remote_git("rev-parse", MISSIONS)
    proc = fresh.ok("carol", "announce", "5", "--email", extra=smtp_env(smtp))
    assert f"envoyée à {LIST}" in proc.stdout

    [envelope] = [e for e in smtp.envelopes if e.rcpt_tos == [LIST]]
    assert envelope.mail_from == "carol@exemple.org"
    assert envelope.rcpt_tos == [LIST]
    raw = envelope.original_content or envelope.content
    # Non-ASCII headers are RFC 2047 encoded words, the body is quoted-printable UTF-8: the
    # message on the wire is plain ASCII.
    assert raw.isascii()
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]
    [message] = smtp.messages()
    assert message["Subject"] == (
        "[Assemblée de test] Proposition n°5 : Missions — avis jusqu'au lundi 30 novembre 2026 à 10 h"
    )
    assert message["To"] == LIST
    assert message["From"].addresses[0].display_name == "Carol Pétillon"
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    body = message.get_content()
    assert "Proposition n°5 : Missions" in body
    assert "Proposée par Bob Leroy <bob@exemple.org> le mercredi 25 novembre 2026 à 10 h." in body
    assert "Décrire nos missions, première liste." in body
    assert "« Qualités de l'assemblée » (sections/02-qualites.md) : modifié" in body
    assert "[−[à compléter]][+S'éduquer ensemble aux communs.]" in body  # word by word
    assert "@@" not in body and "diff --git" not in body
    assert "jusqu'au lundi 30 novembre 2026 à 10 h" in body
    assert "assemblee vote 5 d-accord" in body
    assert 'assemblee vote 5 blocage -r "la raison du blocage"' in body
    assert "Le silence vaut consentement" in body
    assert "le secrétariat (Carol Pétillon)" in body

    # And each member of the roster frozen at the opening gets a personal link.
    personal = {m["To"]: m.get_content() for m in smtp.messages("*") if m["To"] != LIST}
    assert set(personal) == set(data_members(fresh))
    for member, text in personal.items():
        assert "/m/v1." in text and "/proposition/5" in text and "Missions" in text
        assert all(other not in text for other in personal if other != member)

    # Recorded on the proposal's branch, on the shared remote: when and where.
    assert fresh.remote_git("rev-parse", f"{MISSIONS}~1").strip() == tip.strip()
    data = record_at(fresh, MISSIONS)
    assert data["annonces"] == [{"date": "2026-11-25T11:00:00Z", "lieu": LIST}]
    # Nothing of the settings lands in the repository.
    log = fresh.remote_git("log", "-p", "-1", MISSIONS)
    assert "127.0.0.1" not in log and str(smtp.port) not in log


def test_remind_email_lists_proposals_closing_by_the_next_working_day(
    scene: Scene, smtp: Inbox
) -> None:
    env = smtp_env(smtp, ASSEMBLEE_SMTP_UTILISATEUR="", ASSEMBLEE_SMTP_MOT_DE_PASSE="")
    proc = scene.ok("alice", "remind", "--email", extra=env)
    assert f"Rappel envoyé à {LIST} (1 proposition)." in proc.stdout
    [message] = smtp.messages()
    assert message["Subject"] == (
        "[Assemblée de test] Rappel : 1 proposition se termine d'ici jeudi 26 novembre 2026"
    )
    body = message.get_content()
    assert "n°4 « Conditions d'entrée » — jusqu'au jeudi 26 novembre 2026 à 10 h" in body
    assert "Pas encore positionné·es (3) : Bob Leroy, Carol Pétillon, Dave Moreau." in body
    assert "n°5" not in body  # closes on Monday 30 November, after the next working day
    assert "n°2" not in body  # postponed: no running vote

    # A personal reminder, with their link, only to each member who has not taken part.
    personal = {m["To"]: m for m in smtp.messages("*") if m["To"] != LIST}
    assert set(personal) == {"bob@exemple.org", "carol@exemple.org", "dave@exemple.org"}
    assert "3 rappel(s) personnel(s)" in proc.stdout
    for message in personal.values():
        text = message.get_content()
        assert "votre lien pour vous positionner" in message["Subject"]
        assert "Vous ne vous êtes pas encore positionné·e" in text
        assert "Proposition n°4 : Conditions d'entrée" in text and "/proposition/4" in text
        assert "n°5" not in text


def test_remind_on_friday_reaches_monday_and_sends_nothing_when_nothing_closes(
    scene: Scene, smtp: Inbox
) -> None:
    friday = "2026-11-27T09:00:00+01:00"
    text = scene.ok("alice", "remind", now=friday).stdout
    assert "d'ici lundi 30 novembre 2026" in text and "n°5 « Missions »" in text
    quiet = scene.ok(
        "alice", "remind", "--email", now="2026-12-02T09:00:00+01:00", extra=smtp_env(smtp)
    )
    assert "Aucune proposition ne se termine d'ici la fin du jeudi 3 décembre 2026" in quiet.stdout
    assert smtp.envelopes == []


def test_unreachable_server_is_one_sentence_and_nothing_is_recorded(fresh: Scene) -> None:
    tip = fresh.remote_git("rev-parse", MISSIONS)
    env = {
        "ASSEMBLEE_SMTP_HOTE": "127.0.0.1",
        "ASSEMBLEE_SMTP_PORT": str(free_port()),
        "ASSEMBLEE_SMTP_TLS": "aucun",
        "ASSEMBLEE_EXPEDITEUR": "carol@exemple.org",
        "ASSEMBLEE_LISTE": LIST,
        "ASSEMBLEE_WEB_SECRET": WEB_SECRET,
    }
    message = fresh.refused("carol", "announce", "5", "--email", extra=env)
    assert "injoignable" in message and "rien n'a été envoyé" in message
    assert fresh.remote_git("rev-parse", MISSIONS) == tip


def test_settings_come_from_the_global_git_config_never_from_the_repository(
    fresh: Scene, smtp: Inbox
) -> None:
    # In the repository's own configuration: ignored.
    fresh.git("carol", "config", "assemblee.smtp.hote", "127.0.0.1")
    fresh.git("carol", "config", "assemblee.liste", LIST)
    message = fresh.refused("carol", "announce", "5", "--email")
    assert "ASSEMBLEE_SMTP_HOTE" in message and "ASSEMBLEE_LISTE" in message
    # A password in the git configuration is refused, and never used.
    gitconfig = fresh.root / "home" / ".gitconfig"
    original = gitconfig.read_text(encoding="utf-8")
    gitconfig.write_text(
        original + '[assemblee "smtp"]\n\tmot-de-passe = secret\n', encoding="utf-8"
    )
    message = fresh.refused("carol", "announce", "5", "--email", extra=smtp_env(smtp))
    assert "ASSEMBLEE_SMTP_MOT_DE_PASSE" in message and "secret" not in message
    # In the person's global configuration: used.
    gitconfig.write_text(
        original
        + f'[assemblee "smtp"]\n\thote = 127.0.0.1\n\tport = {smtp.port}\n\ttls = aucun\n'
        + f"[assemblee]\n\tliste = {LIST}\n",
        encoding="utf-8",
    )
    fresh.ok("carol", "announce", "5", "--email", extra={"ASSEMBLEE_WEB_SECRET": WEB_SECRET})
    [message_sent, *_personal] = smtp.messages()
    # Without ASSEMBLEE_EXPEDITEUR, the sender is the global git identity.
    assert message_sent["From"].addresses[0].addr_spec == "alice@exemple.org"
    assert record_at(fresh, MISSIONS)["annonces"][0]["lieu"] == LIST


def test_announce_without_email_prints_and_records_only_on_request(fresh: Scene) -> None:
    tip = fresh.remote_git("rev-parse", MISSIONS)
    printed = fresh.ok("bob", "announce", "5").stdout
    assert printed.startswith("Objet : [Assemblée de test] Proposition n°5 : Missions")
    assert fresh.remote_git("rev-parse", MISSIONS) == tip
    proc = fresh.ok("bob", "announce", "5", "--enregistrer", "groupe Facebook", now=NOW)
    assert "groupe Facebook" in proc.stdout
    assert record_at(fresh, MISSIONS)["annonces"] == [
        {"date": "2026-11-25T11:00:00Z", "lieu": "groupe Facebook"}
    ]


def test_only_a_running_vote_can_be_announced(scene: Scene) -> None:
    assert "reportée" in scene.refused("alice", "announce", "2")
    assert "adoptée" in scene.refused("alice", "announce", "1")
    late = scene.refused("alice", "announce", "4", now="2026-11-26T10:00:00+01:00")
    assert "trop tard" in late
    usage = scene.run("alice", "announce", "5", "--email", "--enregistrer", "x")
    assert usage.returncode == 2 and "pas les deux" in usage.stderr


def test_links_are_never_mailed_from_a_clone_without_the_page_s_secret(
    fresh: Scene, smtp: Inbox
) -> None:
    """Links signed with a secret made in the sender's own clone would all be refused by the
    page that runs elsewhere: announce and remind refuse before sending anything."""
    tip = fresh.remote_git("rev-parse", MISSIONS)
    env = {k: v for k, v in smtp_env(smtp).items() if k != "ASSEMBLEE_WEB_SECRET"}
    for args in (("announce", "5", "--email"), ("remind", "--email")):
        message = fresh.refused("carol", *args, extra=env)
        assert "Ce clone n'a pas le secret de la page web" in message, message
        assert "rien n'a été envoyé" in message
    assert smtp.messages() == []
    assert fresh.remote_git("rev-parse", MISSIONS) == tip
    assert not (fresh.path("carol") / ".git" / "assemblee" / "web-secret").exists()
