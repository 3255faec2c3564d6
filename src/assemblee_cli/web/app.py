"""The web application: public pages, and a member's pages behind their personal link.

Every page reads through the use cases of the command line; every write (a vote, a
proposal, a position recorded by the secretariat) is a POST with a CSRF token that calls the
same use case as `assemblee vote` or `assemblee propose`, under one lock per server (the
compare-and-swap push orders the server with the command-line voters)."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.textdiff import changed_blocks
from assemblee_cli.errors import AssembleeError
from assemblee_cli.store.assembly import Assembly, Identity, open_assembly
from assemblee_cli.usecases import propose as propose_case
from assemblee_cli.usecases import vote as vote_case
from assemblee_cli.usecases.common import FileChange, current_time
from assemblee_cli.usecases.links import BadToken, Signer, Throttle, UsedNonces
from assemblee_cli.web import pages
from assemblee_cli.web.render import Links, environment, render

log = logging.getLogger("assemblee.web")
T = TypeVar("T")
FETCH_SECONDS = 2.0
TOKEN_IN_PATH = re.compile(r"/m/[^/]+")
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
MAX_FORM = 200_000  # bytes: a section's text with room to spare


@dataclass
class Server:
    """What the application keeps between requests."""

    root: Path
    public_url: str
    signer: Signer
    used: UsedNonces = field(default_factory=UsedNonces)
    throttle: Throttle = field(default_factory=Throttle)
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    fetched_at: float = 0.0
    writer: Assembly | None = None
    pages: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    page_locks: dict[str, threading.Lock] = field(default_factory=dict)
    pages_lock: threading.Lock = field(default_factory=threading.Lock)
    refs_key: tuple[Any, ...] = ()  # the refs as last read (see `page`)
    refs_read_at: float = float("-inf")

    def page(self, name: str, compute: Callable[[Assembly], T]) -> T:
        """A public page's data, computed once for a state of the repository (its refs) and a
        minute of the clock: many readers at once wait for one computation. The refs are read
        again when the clone is fetched (every few seconds) or after a write; in between, a
        page already computed is answered from memory, without starting git."""
        minute = int(current_time().timestamp() // 60)
        with self.pages_lock:
            lock = self.page_locks.setdefault(name, threading.Lock())
        with lock:
            found = self.pages.get(name)
            fresh = time.monotonic() - self.refs_read_at <= FETCH_SECONDS
            if found is not None and fresh and found[0] == (*self.refs_key, minute):
                return found[1]  # type: ignore[no-any-return]
            assembly = self.reading()
            key = (*self.read_refs(assembly), minute)
            if found is not None and found[0] == key:
                return found[1]  # type: ignore[no-any-return]
            value = compute(assembly)
            self.pages[name] = (key, value)
            return value

    def read_refs(self, assembly: Assembly) -> tuple[Any, ...]:
        """The refs `assembly` reads, kept as the state the pages are computed for; the history
        index (kept in memory by the store) is brought to its main at once."""
        from assemblee_cli.store.reading import follow_main

        snapshot = assembly.snapshot
        follow_main(assembly)
        self.refs_key = (
            snapshot.trunk_sha,
            tuple(sorted((tip.name, tip.sha) for tip in snapshot.branches.values())),
            tuple(sorted(snapshot.archives.items())),
        )
        self.refs_read_at = time.monotonic()
        return self.refs_key

    def reading(self) -> Assembly:
        """The repository as last fetched; fetched again when older than a few seconds, so that
        what members push from the command line shows within seconds."""
        assembly = open_assembly(self.root, offline=False)
        assembly.fetched_already()
        stale = time.monotonic() - self.fetched_at > FETCH_SECONDS
        # One git process at a time writes the clone's refs: a write under way fetches anyway.
        if assembly.remote is not None and stale and self.write_lock.acquire(blocking=False):
            try:
                assembly.refresh(force=True)
            except AssembleeError as exc:
                log.warning("fetch impossible : %s", exc.message)
            finally:
                self.fetched_at = time.monotonic()
                self.write_lock.release()
        return assembly

    def writing(self, action: Callable[[Assembly], T]) -> T:
        """One write at a time, on one long-lived view of the repository: it fetches once, then
        reads the refs as they are (what the pages fetch, what the server pushed) and fetches
        again only when a push is refused because someone else wrote first (the use cases'
        compare-and-swap and retry)."""
        with self.write_lock:
            if self.writer is None:
                self.writer = open_assembly(self.root, offline=False)
            try:
                return action(self.writer)
            finally:
                self.refs_read_at = float("-inf")  # the pages read the refs again


class Refused(Exception):
    def __init__(self, status: int, title: str, text: str) -> None:
        super().__init__(text)
        self.status, self.title, self.text = status, title, text


def create_app(root: Path, public_url: str, secret: bytes) -> Any:
    server = Server(root, public_url.rstrip("/"), Signer(secret))
    links = Links(prefix=urlsplit(public_url).path.rstrip("/"))
    env = environment()

    def page(template: str, status: int = 200, **data: Any) -> HTMLResponse:
        return HTMLResponse(render(env, template, links, **data), status_code=status)

    def refusal(status: int, title: str, text: str) -> HTMLResponse:
        return page("error.html", status, title=title, text=text, name=None, token=None)

    async def member_of(request: Request) -> str:
        """The member whose personal link this is, or a 403 page (after a delay that grows
        with the bad links this client sent)."""
        client = request.client.host if request.client else "?"
        wait = server.throttle.delay(client)
        if wait:
            await asyncio.sleep(wait)
        try:
            return server.signer.member_of(request.path_params["token"], current_time().timestamp())
        except BadToken:
            server.throttle.failed(client)
            raise Refused(
                403,
                "Ce lien n'est pas valable",
                "Ce lien personnel a expiré, a été révoqué ou n'a pas été fait pour vous. "
                "Demandez-en un nouveau au secrétariat de l'assemblée ; rien n'a été enregistré.",
            ) from None

    async def form_of(request: Request, member: str, form: str) -> dict[str, str]:
        if int(request.headers.get("content-length") or 0) > MAX_FORM:
            raise Refused(
                413,
                "Formulaire trop long",
                "Ce formulaire est trop long ; rien n'a été enregistré.",
            )
        async with request.form(max_files=0, max_fields=20) as data:
            fields = {k: v for k, v in data.items() if isinstance(v, str)}
        try:
            server.signer.check_form(
                fields.get("csrf", ""),
                member,
                form,
                server.used,
                current_time().timestamp(),
            )
        except BadToken:
            raise Refused(
                403,
                "Formulaire périmé",
                "Ce formulaire a expiré ou a déjà été envoyé : rechargez la page et recommencez ; "
                "rien n'a été enregistré.",
            ) from None
        return fields

    def csrf(member: str, form: str) -> str:
        return server.signer.form_token(member, form, current_time().timestamp())

    # -- public pages ------------------------------------------------------------------------

    def public(name: str, template: str, compute: Callable[[Assembly], dict[str, Any]]) -> str:
        """A public page, rendered once per state of the repository and minute."""

        def rendered(assembly: Assembly) -> str:
            data = compute(assembly)
            return render(env, template, links, **data, token=None, form=None)

        return server.page(f"{name}.html", rendered)

    async def home(request: Request) -> Response:
        html = await run_in_threadpool(
            lambda: public("home", "home.html", lambda a: pages.home(a, current_time()))
        )
        return HTMLResponse(html)

    async def proposal(request: Request) -> Response:
        number = str(request.path_params["number"])
        html = await run_in_threadpool(
            lambda: public(
                f"proposal-{number}",
                "proposal.html",
                lambda a: server.page(
                    f"proposal-{number}", lambda b: pages.proposal(b, current_time(), number)
                ),
            )
        )
        return HTMLResponse(html)

    async def code_social(request: Request) -> Response:
        html = await run_in_threadpool(
            lambda: public(
                "code-social", "codesocial.html", lambda a: pages.code_social(a, current_time())
            )
        )
        return HTMLResponse(html)

    async def register(request: Request) -> Response:
        html = await run_in_threadpool(
            lambda: public(
                "decisions", "decisions.html", lambda a: pages.register(a, current_time())
            )
        )
        return HTMLResponse(html)

    async def ics(request: Request) -> Response:
        from assemblee_cli.render.ics import render_ics
        from assemblee_cli.usecases.calendar import coming_events

        result = await run_in_threadpool(
            lambda: render_ics(coming_events(server.reading(), current_time()))
        )
        return Response(result.data, media_type="text/calendar; charset=utf-8")

    async def atom(request: Request) -> Response:
        text = await run_in_threadpool(
            lambda: pages.atom(server.reading(), current_time(), server.public_url)
        )
        return Response(text, media_type="application/atom+xml; charset=utf-8")

    # -- a member's pages ----------------------------------------------------------------------

    async def personal(request: Request) -> Response:
        member = await member_of(request)
        token = request.path_params["token"]

        def read() -> dict[str, Any]:
            assembly = server.reading()
            data = server.page("home", lambda a: pages.home(a, current_time()))
            roster = assembly.roster_at(assembly.trunk)
            mine = {}
            for item in data["open"]:
                vote = lc.counted_votes(item["p"]).get(member)
                mine[item["p"].id] = vote
            found = roster.find(member)
            return data | {
                "member": member,
                "member_name": found.name if found else member,
                "mine": mine,
                "secretary": roster.may_record_for_others(member)
                and any("secretariat" in m.roles for m in roster.members),
            }

        data = await run_in_threadpool(read)
        return page("personal.html", **data, token=token)

    async def record_position(number: str, fields: dict[str, str], **who: Any) -> Any:
        """`assemblee vote` for a form of the page: the position and reason it sent, for the
        member (and recorder) given in `who`; one write at a time on this server."""
        return await run_in_threadpool(
            lambda: server.writing(
                lambda assembly: vote_case.vote(
                    assembly,
                    current_time(),
                    number,
                    fields.get("choix", ""),
                    fields.get("raison") or None,
                    **who,
                )
            )
        )

    async def member_proposal(request: Request) -> Response:
        member = await member_of(request)
        token = request.path_params["token"]
        number = str(request.path_params["number"])
        message = error = None
        status = 200
        if request.method == "POST":
            fields = await form_of(request, member, f"vote-{number}")
            try:
                result = await record_position(number, fields, member=member, via="web")
                return RedirectResponse(
                    f"{links.proposal(result.proposal.id, token)}?enregistre=1", status_code=303
                )
            except AssembleeError as exc:
                error, status = exc.message, 400
        saved = request.query_params.get("enregistre")
        if saved:
            message = "Votre position est enregistrée : vous pouvez la changer jusqu'à l'échéance."
        created = request.query_params.get("cree")
        if created:
            message = "Votre proposition est ouverte : elle est publiée sur la page de l'assemblée."

        def read() -> dict[str, Any]:
            data = server.page(
                f"proposal-{number}", lambda a: pages.proposal(a, current_time(), number)
            )
            p = data["p"]
            mine = lc.counted_votes(p).get(member)
            return data | {
                "member": member,
                "mine": mine,
                "may_vote": member in p.members,
            }

        data = await run_in_threadpool(read)
        form = {"csrf": csrf(member, f"vote-{number}"), "message": message, "error": error}
        return page("proposal.html", status, **data, token=token, form=form)

    async def propose(request: Request) -> Response:
        member = await member_of(request)
        token = request.path_params["token"]
        fields: dict[str, str] = {}
        preview = None
        error = None
        status = 200

        def sections() -> tuple[list[Any], dict[str, str]]:
            assembly = server.reading()
            found = pages.sections(assembly)
            texts = {s.path: assembly.read_text_at(assembly.trunk, s.path) or "" for s in found}
            return found, texts

        found, texts = await run_in_threadpool(sections)
        if request.method == "POST":
            fields = await form_of(request, member, "proposer")
        else:
            fields = {"section": request.query_params.get("section", "")}
        section = fields.get("section", "")
        if section and section not in texts:
            raise Refused(404, "Section inconnue", "Cette section n'existe pas sur main.")
        original = texts.get(section, "")
        text = fields.get("texte", original).replace("\r\n", "\n").replace("\r", "\n")
        if section and original.endswith("\n") and not text.endswith("\n"):
            text += "\n"
        if request.method == "POST":
            step = fields.get("etape", "apercu")
            preview = (
                [FileChange(section, "modifié", changed_blocks(original, text))]
                if section and text != original
                else []
            )
            if step == "confirmer":
                files = {section: text.encode()} if section and text != original else {}
                name = await run_in_threadpool(lambda: _name_of(server, member))
                try:
                    result = await run_in_threadpool(
                        lambda: server.writing(
                            lambda assembly: propose_case.propose(
                                assembly,
                                current_time(),
                                fields.get("titre", ""),
                                (fields.get("description") or "").replace("\r\n", "\n").strip(),
                                author=Identity(name, member),
                                files=files,
                            )
                        )
                    )
                    return RedirectResponse(
                        links.proposal(result.proposal.id, token) + "?cree=1", status_code=303
                    )
                except AssembleeError as exc:
                    error, status = exc.message, 400
        return page(
            "propose.html",
            status,
            name=None,
            token=token,
            member=member,
            sections=found,
            section=section,
            text=text,
            title=fields.get("titre", ""),
            description=fields.get("description", ""),
            preview=preview,
            error=error,
            csrf=csrf(member, "proposer"),
        )

    async def secretariat(request: Request) -> Response:
        member = await member_of(request)
        token = request.path_params["token"]
        number = str(request.path_params["number"])
        error = message = None
        status = 200
        name = await run_in_threadpool(lambda: _name_of(server, member))
        if request.method == "POST":
            fields = await form_of(request, member, f"secretariat-{number}")
            try:
                result = await record_position(
                    number, fields, member=fields.get("membre", ""), by=Identity(name, member)
                )
                message = (
                    f"Position de {result.vote.member} enregistrée : "
                    f"{lc.choice_label(result.vote.choice)}."
                )
            except AssembleeError as exc:
                error, status = exc.message, 400

        def read() -> dict[str, Any]:
            assembly = server.reading()
            roster = assembly.roster_at(assembly.trunk)
            if not roster.may_record_for_others(member):
                raise Refused(
                    403,
                    "Réservé au secrétariat",
                    "Cette page sert au secrétariat à enregistrer les positions données en "
                    "réunion : votre lien ne donne pas ce rôle.",
                )
            return pages.proposal(assembly, current_time(), number)

        data = await run_in_threadpool(read)
        form = {
            "csrf": csrf(member, f"secretariat-{number}"),
            "message": message,
            "error": error,
        }
        return page("secretariat.html", status, **data, token=token, form=form, member=member)

    routes = [
        Route("/", home),
        Route("/proposition/{number:int}", proposal),
        Route("/code-social", code_social),
        Route("/decisions", register),
        Route("/calendrier.ics", ics),
        Route("/flux.atom", atom),
        Route("/m/{token}", personal),
        Route("/m/{token}/proposition/{number:int}", member_proposal, methods=["GET", "POST"]),
        Route("/m/{token}/proposer", propose, methods=["GET", "POST"]),
        Route("/m/{token}/secretariat/{number:int}", secretariat, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(packages=[("assemblee_cli.web", "static")]), name="static"),
    ]

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return refusal(exc.status, exc.title, exc.text)

    async def failed(request: Request, exc: Exception) -> Response:
        if isinstance(exc, AssembleeError):
            missing = exc.message.startswith("Aucune proposition")
            return refusal(404 if missing else 400, "Impossible d'afficher cette page", exc.message)
        log.error("erreur interne sur %s : %r", _redacted(request.url.path), exc)
        return refusal(
            500,
            "Erreur interne",
            "Une erreur inattendue s'est produite ; rien n'a été enregistré. Réessayez dans un "
            "instant, et prévenez le secrétariat si elle se répète.",
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status == 405:
            return refusal(405, "Action impossible", "Cette adresse ne s'utilise pas ainsi.")
        return refusal(404, "Page introuvable", "Cette page n'existe pas.")

    app = Starlette(
        routes=routes,
        exception_handlers={
            Refused: refused,
            AssembleeError: failed,
            Exception: failed,
            404: not_found,
            405: not_found,
        },
    )

    return SecurityHeaders(app, links.prefix)


class SecurityHeaders:
    """Every answer carries the Content-Security-Policy (no inline script, nothing from
    elsewhere) and friends; a member's pages are never cached; each request is logged with
    its path stripped of any personal link."""

    def __init__(self, app: Any, prefix: str) -> None:
        self.app = app
        self.private = f"{prefix}/m/"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        path = scope.get("path", "")

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if path.startswith(self.private):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
                log.info(
                    "%s %s %s %.0f ms",
                    scope.get("method"),
                    _redacted(path),
                    message["status"],
                    (time.monotonic() - started) * 1000,
                )
            await send(message)

        await self.app(scope, receive, sending)


def _redacted(path: str) -> str:
    """A path fit for the logs: a personal link's token is never written."""
    return TOKEN_IN_PATH.sub("/m/…", path)


def _name_of(server: Server, member: str) -> str:
    assembly = server.reading()
    return assembly.roster_at(assembly.trunk).name_of(member)
