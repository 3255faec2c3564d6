"""`assemblee links`: each member's personal link to a proposal, and the tokens behind the
links and the web page's forms, signed with a secret that never enters git.

A personal link carries `v1.<member>.<expiry>.<signature>`: HMAC-SHA256 of the member's email
and the expiry (Unix seconds) under the server's secret. It is bound to the member, stops
working at its expiry, and every link stops working when the secret is rotated (delete the
secret file, or change ASSEMBLEE_WEB_SECRET). Signatures are compared in constant time.

A form carries a CSRF token bound to the member, the form and a fresh nonce; a nonce is accepted
once (a replayed form is refused)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.errors import AssembleeError
from assemblee_cli.store.assembly import Assembly

SECRET_ENV = "ASSEMBLEE_WEB_SECRET"
SECRET_FILE = "web-secret"  # in the clone's private folder (.git/assemblee): never committed
LINK_DAYS = 45
CSRF_SECONDS = 6 * 3600


class BadToken(Exception):
    """A link or a form token that is forged, expired, or someone else's. `expired_at`: for a
    genuine link (its signature holds) whose time is over, when it ended (Unix seconds)."""

    def __init__(self, reason: str, expired_at: int | None = None) -> None:
        super().__init__(reason)
        self.expired_at = expired_at


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def existing_secret(folder: Path) -> bytes | None:
    """The server's secret, from the environment or the clone's private `folder`; None when
    this clone has none yet."""
    from_env = os.environ.get(SECRET_ENV, "").strip()
    if from_env:
        return from_env.encode()
    try:
        return (folder / SECRET_FILE).read_bytes().strip()
    except FileNotFoundError:
        return None


def load_secret(folder: Path) -> bytes:
    """The server's secret (`existing_secret`), or a new one in a file of the clone's private
    `folder` (mode 0600, created atomically so that two processes agree on it)."""
    found = existing_secret(folder)
    if found is not None:
        return found
    path = folder / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
    return value


@dataclass(frozen=True)
class Signer:
    secret: bytes

    def _sign(self, *parts: str) -> str:
        message = "\x1f".join(parts).encode()
        return _b64(hmac.new(self.secret, message, hashlib.sha256).digest())

    # -- personal links ------------------------------------------------------------------

    def member_token(self, email: str, expires: float) -> str:
        who = _b64(email.strip().lower().encode())
        until = str(int(expires))
        return f"v1.{who}.{until}.{self._sign('lien', who, until)}"

    def member_of(self, token: str, now: float | None = None) -> str:
        """The member a link belongs to; BadToken when forged or expired."""
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != "v1" or len(token) > 600:
            raise BadToken("forme")
        _v, who, until, signature = parts
        expected = self._sign("lien", who, until)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise BadToken("signature")
        if not until.isdigit():
            raise BadToken("forme")
        if int(until) < (time.time() if now is None else now):
            raise BadToken("expiré", int(until))
        try:
            return _unb64(who).decode()
        except (ValueError, UnicodeDecodeError):
            raise BadToken("forme") from None

    # -- forms -----------------------------------------------------------------------------

    def form_token(self, member: str, form: str, now: float | None = None) -> str:
        nonce = secrets.token_urlsafe(12)
        at = str(int(time.time() if now is None else now))
        return f"{nonce}.{at}.{self._sign('formulaire', member, form, nonce, at)}"

    def check_form(
        self, token: str, member: str, form: str, used: UsedNonces, now: float | None = None
    ) -> None:
        parts = token.split(".")
        if len(parts) != 3 or len(token) > 200:
            raise BadToken("csrf")
        nonce, at, signature = parts
        expected = self._sign("formulaire", member, form, nonce, at)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise BadToken("csrf")
        moment = time.time() if now is None else now
        if not at.isdigit() or moment - int(at) > CSRF_SECONDS:
            raise BadToken("csrf expiré")
        if not used.claim(nonce, int(at)):
            raise BadToken("rejoué")


class UsedNonces:
    """Form nonces already used (kept for as long as a form token lives)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def claim(self, nonce: str, at: int) -> bool:
        with self._lock:
            if nonce in self._seen:
                return False
            horizon = at - CSRF_SECONDS
            if len(self._seen) > 10000:
                self._seen = {k: v for k, v in self._seen.items() if v >= horizon}
            self._seen[nonce] = at
            return True


class Throttle:
    """Bad links slow down whoever sends them: after a few, each answer waits longer."""

    def __init__(self) -> None:
        self._fails: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def delay(self, client: str) -> float:
        with self._lock:
            count, since = self._fails.get(client, (0, 0.0))
            if time.monotonic() - since > 600:
                return 0.0
            return 0.0 if count < 5 else min(0.25 * (count - 4), 5.0)

    def failed(self, client: str) -> None:
        with self._lock:
            count, since = self._fails.get(client, (0, time.monotonic()))
            if time.monotonic() - since > 600:
                count, since = 0, time.monotonic()
            self._fails[client] = (count + 1, since)


DEFAULT_URL = "http://127.0.0.1:8000"
URL_ENV = "ASSEMBLEE_URL"


def public_url(given: str | None, config: str | None) -> str:
    """The address members reach: --url, else ASSEMBLEE_URL, else git config assemblee.url."""
    for candidate in (given, os.environ.get(URL_ENV), config):
        if candidate and candidate.strip():
            return candidate.strip().rstrip("/")
    return DEFAULT_URL


def personal_links(
    signer: Signer, base: str, number: int, members: tuple[str, ...], deadline: float, now: float
) -> list[tuple[str, str]]:
    """Each member's link to a proposal, valid until well after its deadline."""
    expires = max(deadline, now) + LINK_DAYS * 86400
    return [
        (email, f"{base}/m/{signer.member_token(email, expires)}/proposition/{number}")
        for email in members
    ]


NO_SECRET = (
    "Ce clone n'a pas le secret de la page web : les liens personnels signés ici ne seraient "
    "pas reconnus par la page de l'assemblée. Lancez cette commande dans le clone où tourne "
    "« assemblee serve », ou donnez-lui le même secret (variable ASSEMBLEE_WEB_SECRET) ; rien "
    "n'a été envoyé."
)


def signer_and_url(assembly: Assembly, url: str | None, create: bool = True) -> tuple[Signer, str]:
    """The server's signer and the public address. Its secret is made on first use when
    `create` (the server itself, or links printed here); a command that sends the links to
    the members refuses instead (NO_SECRET): links signed with a secret made here would all
    be refused by a page that runs elsewhere."""
    secret = (
        load_secret(assembly.private_folder) if create else existing_secret(assembly.private_folder)
    )
    if secret is None:
        raise AssembleeError(NO_SECRET)
    return Signer(secret), public_url(url, assembly.config_value("assemblee.url"))


@dataclass(frozen=True)
class Links:
    proposal: lc.Proposal
    links: list[tuple[str, str]]  # (member's email, their link)
    silent: tuple[str, ...]  # members who have not taken part in the current round


def links(
    assembly: Assembly,
    now: datetime,
    idents: list[str],
    url: str | None = None,
    create_secret: bool = True,
) -> list[Links]:
    """For each proposal, each member of the roster frozen at its opening and their link
    (see `signer_and_url` for `create_secret`)."""
    from assemblee_cli.formats.proposalfile import parse_name
    from assemblee_cli.store.reading import open_items
    from assemblee_cli.usecases.show import show

    signer, base = signer_and_url(assembly, url, create_secret)
    assembly.refresh()
    items = {item.proposal.id: item for item in open_items(assembly)[0]}
    found = []
    for ident in idents:
        name, _tip = assembly.find(ident)
        parsed = parse_name(name)
        item = items.get(parsed[0]) if parsed else None
        p = item.proposal if item else show(assembly, now, ident).proposal
        made = personal_links(
            signer, base, p.id, p.members, p.round.deadline.timestamp(), now.timestamp()
        )
        found.append(Links(p, made, item.silent if item else ()))
    return found
