"""Sending a message to the assembly's mailing list over SMTP.

The server, the sender and the list come from the person's own settings, never from the
repository: environment variables first, then the *global* git configuration (the user's
~/.gitconfig, read with `git config --global`, never the repository's local configuration).
The password is read from the environment only, and is never written anywhere.

    ASSEMBLEE_SMTP_HOTE          assemblee.smtp.hote          server name (required)
    ASSEMBLEE_SMTP_PORT          assemblee.smtp.port          465 with ssl, 587 with starttls, 25 otherwise
    ASSEMBLEE_SMTP_TLS           assemblee.smtp.tls           starttls (default) | ssl | aucun
    ASSEMBLEE_SMTP_UTILISATEUR   assemblee.smtp.utilisateur   login, when the server asks for one
    ASSEMBLEE_SMTP_MOT_DE_PASSE  (environment only)           password that goes with the login
    ASSEMBLEE_EXPEDITEUR         assemblee.expediteur         sender (default: the global git identity)
    ASSEMBLEE_LISTE              assemblee.liste              the list's address (required)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage

from assemblee_cli.errors import AssembleeError

TLS_MODES = ("starttls", "ssl", "aucun")
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "aucun": 25}
TIMEOUT_SECONDS = 30
LOOPBACK = ("localhost", "127.0.0.1", "::1")

# setting → (environment variable, global git configuration key or None)
SETTINGS: dict[str, tuple[str, str | None]] = {
    "hote": ("ASSEMBLEE_SMTP_HOTE", "assemblee.smtp.hote"),
    "port": ("ASSEMBLEE_SMTP_PORT", "assemblee.smtp.port"),
    "tls": ("ASSEMBLEE_SMTP_TLS", "assemblee.smtp.tls"),
    "utilisateur": ("ASSEMBLEE_SMTP_UTILISATEUR", "assemblee.smtp.utilisateur"),
    "mot_de_passe": ("ASSEMBLEE_SMTP_MOT_DE_PASSE", None),
    "expediteur": ("ASSEMBLEE_EXPEDITEUR", "assemblee.expediteur"),
    "liste": ("ASSEMBLEE_LISTE", "assemblee.liste"),
}


class MailError(AssembleeError):
    """The message could not be sent (settings missing, server unreachable, refusal)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str
    user: str | None
    password: str | None
    sender: str
    recipient: str

    def __repr__(self) -> str:  # never show the password, even in a debugger
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, tls={self.tls!r}, "
            f"user={self.user!r}, sender={self.sender!r}, recipient={self.recipient!r})"
        )


def load_settings(
    environ: Mapping[str, str] | None = None, git_config: Mapping[str, str] | None = None
) -> SmtpSettings:
    env = os.environ if environ is None else environ
    config = {} if git_config is None else git_config
    leaked = sorted(
        key
        for key in config
        if key.startswith("assemblee.") and ("passe" in key or "password" in key)
    )
    if leaked:
        raise MailError(
            f"Un mot de passe figure dans votre configuration git ({leaked[0]}) : retirez-le "
            f"(git config --global --unset {leaked[0]}) et donnez-le seulement par la variable "
            "d'environnement ASSEMBLEE_SMTP_MOT_DE_PASSE."
        )

    def get(name: str) -> str | None:
        variable, key = SETTINGS[name]
        value = env.get(variable, "").strip()
        if not value and key is not None:
            value = config.get(key.lower(), "").strip()
        return value or None

    missing = [
        f"{SETTINGS[name][0]} (ou git config --global {SETTINGS[name][1]})"
        for name in ("hote", "liste")
        if get(name) is None
    ]
    if missing:
        raise MailError(
            "Pour envoyer par courriel, indiquez "
            + " et ".join(missing)
            + " : le serveur et la liste viennent de vos réglages, jamais du dépôt."
        )
    host = get("hote") or ""
    recipient = get("liste") or ""
    tls = (get("tls") or "starttls").lower()
    if tls not in TLS_MODES:
        raise MailError(
            f"Mode de chiffrement SMTP inconnu « {tls} » : choisissez starttls, ssl ou aucun "
            "(ASSEMBLEE_SMTP_TLS)."
        )
    port_text = get("port")
    if port_text is None:
        port = DEFAULT_PORTS[tls]
    elif port_text.isdigit() and 0 < int(port_text) < 65536:
        port = int(port_text)
    else:
        raise MailError(
            f"Port SMTP invalide « {port_text} » : donnez un nombre, par exemple 587 "
            "(ASSEMBLEE_SMTP_PORT)."
        )
    user = get("utilisateur")
    password = env.get("ASSEMBLEE_SMTP_MOT_DE_PASSE") or None
    if user is not None and password is None:
        raise MailError(
            f"Le serveur SMTP demande l'identifiant {user} : donnez le mot de passe dans la "
            "variable d'environnement ASSEMBLEE_SMTP_MOT_DE_PASSE (il n'est jamais enregistré)."
        )
    if user is not None and tls == "aucun" and host.lower() not in LOOPBACK:
        raise MailError(
            "Refus d'envoyer un mot de passe SMTP sans chiffrement : choisissez "
            "ASSEMBLEE_SMTP_TLS=starttls ou ssl."
        )
    sender = get("expediteur") or _identity_sender(config)
    if sender is None:
        raise MailError(
            "Indiquez l'expéditeur des courriels : ASSEMBLEE_EXPEDITEUR (ou git config --global "
            "assemblee.expediteur), ou votre identité git globale (user.email)."
        )
    for label, address in (("la liste", recipient), ("l'expéditeur", sender)):
        if "@" not in address:
            raise MailError(
                f"L'adresse de {label} « {address} » n'est pas une adresse de courriel."
            )
    return SmtpSettings(host, port, tls, user, password, sender, recipient)


def _identity_sender(config: Mapping[str, str]) -> str | None:
    email = config.get("user.email", "").strip()
    if not email:
        return None
    name = config.get("user.name", "").strip()
    return str(Address(display_name=name, addr_spec=email)) if name else email


def build_message(
    settings: SmtpSettings,
    subject: str,
    body: str,
    now: datetime,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A plain-text UTF-8 message with proper headers (RFC 2047 encoded words for non-ASCII
    headers, a quoted-printable MIME body)."""
    from email.utils import format_datetime, make_msgid

    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = settings.recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    domain = settings.sender.rpartition("@")[2].strip("> ") or "assemblee.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    for key, value in (headers or {}).items():
        message[key] = value
    # Quoted-printable keeps the message 7-bit (any server relays it) and readable as source.
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Deliver the message; any failure is one French sentence (MailError)."""
    import smtplib
    import ssl

    where = f"{settings.host}:{settings.port}"
    try:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if settings.tls == "ssl":
            client = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
        with client:
            client.ehlo_or_helo_if_needed()
            if settings.tls == "starttls":
                if not client.has_extn("starttls"):
                    raise MailError(
                        f"Le serveur SMTP {where} ne propose pas STARTTLS : choisissez "
                        "ASSEMBLEE_SMTP_TLS=ssl, ou aucun pour un serveur local."
                    )
                client.starttls(context=context)
                client.ehlo()
            if settings.user is not None and settings.password is not None:
                client.login(settings.user, settings.password)
            client.send_message(message)
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError:
        raise MailError(
            f"Le serveur SMTP {where} a refusé l'identifiant ou le mot de passe : vérifiez "
            "ASSEMBLEE_SMTP_UTILISATEUR et ASSEMBLEE_SMTP_MOT_DE_PASSE ; rien n'a été envoyé."
        ) from None
    except smtplib.SMTPRecipientsRefused:
        raise MailError(
            f"Le serveur SMTP {where} a refusé l'adresse de la liste {settings.recipient} : "
            "vérifiez ASSEMBLEE_LISTE ; rien n'a été envoyé."
        ) from None
    except smtplib.SMTPSenderRefused:
        raise MailError(
            f"Le serveur SMTP {where} a refusé l'expéditeur {settings.sender} : vérifiez "
            "ASSEMBLEE_EXPEDITEUR ; rien n'a été envoyé."
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(
            f"Le serveur SMTP {where} ne permet pas cette connexion (authentification ou "
            "chiffrement non proposés) : vérifiez ASSEMBLEE_SMTP_TLS ; rien n'a été envoyé."
        ) from None
    except smtplib.SMTPException as exc:
        raise MailError(
            f"Le serveur SMTP {where} a refusé le message ({_short(exc)}) ; rien n'a été envoyé."
        ) from None
    except ssl.SSLError as exc:
        raise MailError(
            f"La connexion chiffrée avec le serveur SMTP {where} a échoué ({_short(exc)}) : "
            "vérifiez ASSEMBLEE_SMTP_TLS et ASSEMBLEE_SMTP_PORT ; rien n'a été envoyé."
        ) from None
    except TimeoutError:
        raise MailError(
            f"Le serveur SMTP {where} ne répond pas : vérifiez la connexion et réessayez ; "
            "rien n'a été envoyé."
        ) from None
    except OSError as exc:
        raise MailError(
            f"Le serveur SMTP {where} est injoignable ({_short(exc)}) : vérifiez "
            "ASSEMBLEE_SMTP_HOTE, ASSEMBLEE_SMTP_PORT et la connexion ; rien n'a été envoyé."
        ) from None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return (text[:160] + "…") if len(text) > 160 else (text or type(exc).__name__)
