"""The mail settings: from the environment and the person's global git configuration, never
from the repository; refusals in French; the password never shown."""

from __future__ import annotations

import pytest

from assemblee_cli.mail.smtp import MailError, load_settings

BASE = {"ASSEMBLEE_SMTP_HOTE": "smtp.exemple.org", "ASSEMBLEE_LISTE": "liste@exemple.org"}


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
