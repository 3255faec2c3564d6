"""The web application: public pages, and a member's pages behind their personal link.

Every page reads through the use cases of the command line; every write (a vote, a
proposal, a position recorded by the secretariat) is a POST with a CSRF token that calls the
same use case as `assemblee vote` or `assemblee propose`, under one lock per server (the
compare-and-swap push orders the server with the command-line voters)."""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from assemblee_cli.core import lifecycle as lc
from assemblee_cli.core.french import format_instant
from assemblee_cli.core.textdiff import changed_blocks
from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats.proposalfile import parse_name
from assemblee_cli.store.assembly import Assembly, Identity, open_assembly
from assemblee_cli.store.faults import pause
from assemblee_cli.store.memo import Memo
from assemblee_cli.usecases import merge_main as merge_case
from assemblee_cli.usecases import propose as propose_case
from assemblee_cli.usecases import relaunch as relaunch_case
from assemblee_cli.usecases import vote as vote_case
from assemblee_cli.usecases import withdraw as withdraw_case
from assemblee_cli.usecases.common import FileChange, current_time, dated_commits
from assemblee_cli.usecases.links import LINK_DAYS, BadToken, Signer, Throttle, UsedNonces
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
class View:
    """A page's data as computed from one state of the repository."""

    key: tuple[Any, ...]  # what it was computed from: the refs it reads, the minute
    seen: int  # the writes of this server that the refs it was computed from include
    value: Any


@dataclass(frozen=True)
class Public:
    """A public page as computed once: its data (a member's page adds to it), its HTML, and
    the same compressed with gzip for the browsers that accept it (the assembly's page at T:
    162 KB, 6 KB compressed, in 1.6 ms once per page). A member's page is never
    compressed: it holds their link and a form token, and a compressed page that also echoes
    what was sent can give such secrets away (BREACH)."""

    data: dict[str, Any]
    html: bytes
    packed: bytes


VARY = {"vary": "Accept-Encoding"}
PACKED = {"content-encoding": "gzip", **VARY}


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip (by name or `*`, with a q above 0)."""
    for part in header.split(","):
        name, _, parameters = part.partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        weight = parameters.strip().lower()
        if not weight.startswith("q="):
            return True
        try:
            return float(weight[2:]) > 0
        except ValueError:
            return False
    return False


def whole(refs: Refs) -> tuple[Any, ...]:
    """The key of a page that reads every ref (the assembly's page)."""
    return (refs.trunk, refs.branches, refs.archives)


def one_proposal(number: int) -> Callable[[Refs], tuple[Any, ...]]:
    """The key of proposal n°`number`'s page: main and the refs of that number only (a vote
    on another proposal leaves it as it is)."""

    def key(refs: Refs) -> tuple[Any, ...]:
        return (
            refs.trunk,
            tuple(b for b in refs.branches if b[0] == number),
            tuple(a for a in refs.archives if a[0] == number),
        )

    return key


@dataclass(frozen=True)
class Refs:
    """The refs the pages read, as last read: main, and (number, name, sha) of each branch and
    archive."""

    trunk: str
    branches: tuple[tuple[int, str, str], ...]
    archives: tuple[tuple[int, str, str], ...]


@dataclass
class Server:
    """What the application keeps between requests.

    The public pages are answered from memory: a page's data is computed once for a state of
    the refs (and a minute of the clock). When the refs may have moved (a fetch every few
    seconds, a write of this server), a reader still gets the last complete page at once,
    while one builder, in the background, reads the refs again and recomputes what changed;
    the store's memo gives back every proposal whose branch did not move. A member who has
    just written through this server waits for a page that shows their write."""

    root: Path
    public_url: str
    signer: Signer
    used: UsedNonces = field(default_factory=UsedNonces)
    throttle: Throttle = field(default_factory=Throttle)
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    fetched_at: float = 0.0
    writer: Assembly | None = None
    memo: Memo = field(default_factory=Memo)
    views: dict[str, View] = field(default_factory=dict)
    build_lock: threading.Lock = field(default_factory=threading.Lock)  # one builder at a time
    builder: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="pages")
    )
    scheduled: set[str] = field(default_factory=set)
    schedule_lock: threading.Lock = field(default_factory=threading.Lock)
    reader: Assembly | None = None  # long-lived, read and refreshed by the builder only
    refs: Refs | None = None
    refs_seen: int = 0  # the writes included in `refs`
    refs_read_at: float = float("-inf")
    writes: int = 0  # writes of this server so far
    written_by: dict[str, int] = field(default_factory=dict)  # member -> their last write

    def page(
        self,
        name: str,
        compute: Callable[[Assembly], T],
        key_of: Callable[[Refs], tuple[Any, ...]] = whole,
        member: str | None = None,
    ) -> T:
        """A page's data: from memory when it is up to date; else the last complete one,
        while the builder recomputes it, unless there is none or `member` wrote since it was
        computed: then computed now (one builder at a time)."""
        need = self.written_by.get(member, 0) if member else 0
        found = self.ready(name, compute, key_of, need)
        if found is not None:
            return found[0]
        return self.build(name, compute, key_of, need)

    def ready(
        self,
        name: str,
        compute: Callable[[Assembly], T],
        key_of: Callable[[Refs], tuple[Any, ...]],
        need: int = 0,
    ) -> tuple[T] | None:
        """The page's data at once, without git nor waiting (fit for the event loop), in a
        1-tuple: up to date, or the last complete one while the builder is asked to recompute
        it; None when there is none that includes the writes `need` asks for."""
        view = self.views.get(name)
        if view is None or view.seen < need:
            return None
        refs = self.refs
        if refs is None or self.stale() or view.key != (key_of(refs), _minute()):
            self.schedule(name, compute, key_of)
        return (view.value,)

    def stale(self) -> bool:
        """Whether the refs as last read may have moved since: read more than a few seconds
        ago (what members push from the command line shows within seconds), or before a
        write of this server."""
        return time.monotonic() - self.refs_read_at > FETCH_SECONDS or self.refs_seen < self.writes

    def schedule(
        self, name: str, compute: Callable[[Assembly], T], key_of: Callable[[Refs], tuple[Any, ...]]
    ) -> None:
        """Recompute a page in the background (once, however many readers ask)."""
        with self.schedule_lock:
            if name in self.scheduled:
                return
            self.scheduled.add(name)

        def job() -> None:
            try:
                pause("web:rebuild")
                self.build(name, compute, key_of, 0)
            except AssembleeError:  # the page no longer exists: the next reader is told why
                self.views.pop(name, None)
            except Exception as exc:  # the next reader asks again; the page stays as it was
                log.warning("page %s non recalculée : %r", name, exc)
            finally:
                self.scheduled.discard(name)

        self.builder.submit(job)

    def build(
        self,
        name: str,
        compute: Callable[[Assembly], T],
        key_of: Callable[[Refs], tuple[Any, ...]],
        need: int,
    ) -> T:
        with self.build_lock:
            assembly, refs = self.read_refs(need)
            key = (key_of(refs), _minute())
            view = self.views.get(name)
            if view is not None and view.key == key:
                view.seen = max(view.seen, self.refs_seen)  # still true after the writes since
                return view.value  # type: ignore[no-any-return]
            started, parsed = time.monotonic(), self.memo.made["proposal"]
            value = compute(assembly)
            self.views[name] = View(key, self.refs_seen, value)
            log.info(
                "page %s calculée en %.0f ms (%d fichier(s) de proposition lu(s))",
                name,
                (time.monotonic() - started) * 1000,
                self.memo.made["proposal"] - parsed,
            )
            return value

    def read_refs(self, need: int) -> tuple[Assembly, Refs]:
        """The builder's view of the repository, its refs read again (and fetched, every few
        seconds) when they may have moved or do not include the writes `need` asks for. Called
        under the build lock."""
        if self.reader is None:
            self.reader = open_assembly(self.root, offline=False, memo=self.memo)
            self.reader.fetched_already()
        refs = self.refs
        if refs is not None and not self.stale() and self.refs_seen >= need:
            return self.reader, refs
        from assemblee_cli.store.reading import follow_main

        seen = self.writes  # the refs read from here on include these writes
        self.fetch_if_due(self.reader)
        self.reader.refresh()
        snapshot = self.reader.snapshot
        follow_main(self.reader)  # the history index, kept in memory by the store
        self.refs = Refs(
            snapshot.trunk_sha,
            tuple(sorted((_number(t.name), t.name, t.sha) for t in snapshot.branches.values())),
            tuple(sorted((_number(n), n, sha) for n, sha in snapshot.archives.items())),
        )
        self.refs_seen, self.refs_read_at = seen, time.monotonic()
        return self.reader, self.refs

    def reading(self) -> Assembly:
        """The repository as last fetched; fetched again when older than a few seconds, so that
        what members push from the command line shows within seconds."""
        assembly = open_assembly(self.root, offline=False)
        assembly.fetched_already()
        self.fetch_if_due(assembly)
        return assembly

    def fetch_if_due(self, assembly: Assembly) -> None:
        """Fetch when the clone was last fetched more than a few seconds ago."""
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

    def writing(self, action: Callable[[Assembly], T], by: str) -> T:
        """One write at a time, on one long-lived view of the repository: it fetches once, then
        reads the refs as they are (what the pages fetch, what the server pushed) and fetches
        again only when a push is refused because someone else wrote first (the use cases'
        compare-and-swap and retry). The member `by` then sees their write on every page."""
        with self.write_lock:
            if self.writer is None:  # its own memo: what it reads again is not the pages'
                self.writer = open_assembly(self.root, offline=False, memo=Memo())
            dated_commits(current_time())  # a simulated clock dates the commits too
            try:
                return action(self.writer)
            finally:
                self.writes += 1  # the pages read the refs again
                self.written_by[by] = self.writes


def _minute() -> int:
    return int(current_time().timestamp() // 60)


def _number(name: str) -> int:
    parsed = parse_name(name)
    return parsed[0] if parsed else 0


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
        except BadToken as exc:
            server.throttle.failed(client)
            if exc.expired_at is not None:  # a genuine link, only too old: said as such
                until = datetime.fromtimestamp(exc.expired_at, UTC)
                tz = await run_in_threadpool(lambda: _timezone(server))
                raise Refused(
                    403,
                    "Ce lien a expiré",
                    f"Ce lien personnel valait jusqu'au {format_instant(until, tz)} (un lien sert "
                    f"{LINK_DAYS} jours après l'échéance de sa proposition). Demandez-en un "
                    "nouveau au secrétariat de l'assemblée ; rien n'a été enregistré.",
                ) from None
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

    def public(
        name: str,
        template: str,
        compute: Callable[[Assembly], dict[str, Any]],
        key_of: Callable[[Refs], tuple[Any, ...]] = whole,
        member: str | None = None,
    ) -> Public:
        """A page's data and its public HTML, computed together once per state of the refs it
        reads and minute (see `Server.page`)."""
        return server.page(name, public_computation(template, compute), key_of, member)

    def public_computation(
        template: str, compute: Callable[[Assembly], dict[str, Any]]
    ) -> Callable[[Assembly], Public]:
        def computed(assembly: Assembly) -> Public:
            data = compute(assembly)
            html = render(env, template, links, **data, token=None, form=None).encode()
            return Public(data, html, gzip.compress(html, 6, mtime=0))

        return computed

    async def answer(
        request: Request,
        name: str,
        template: str,
        compute: Callable[[Assembly], dict[str, Any]],
        key_of: Callable[[Refs], tuple[Any, ...]] = whole,
    ) -> Response:
        """A public page: from memory in the event loop when there is one (no thread, no git),
        else computed in a worker thread; compressed when the browser accepts it."""
        computation = public_computation(template, compute)
        found = server.ready(name, computation, key_of)
        if found is None:
            found = (await run_in_threadpool(lambda: server.page(name, computation, key_of)),)
        if accepts_gzip(request.headers.get("accept-encoding", "")):
            return Response(found[0].packed, media_type="text/html", headers=PACKED)
        return HTMLResponse(found[0].html, headers=VARY)

    def home_data(assembly: Assembly) -> dict[str, Any]:
        return pages.home(assembly, current_time())

    def proposal_data(number: int) -> Callable[[Assembly], dict[str, Any]]:
        return lambda assembly: pages.proposal(assembly, current_time(), str(number))

    def home_page(member: str | None = None) -> Public:
        return public("home", "home.html", home_data, member=member)

    def proposal_page(number: int, member: str | None = None) -> Public:
        return public(
            f"proposal-{number}",
            "proposal.html",
            proposal_data(number),
            one_proposal(number),
            member,
        )

    async def home(request: Request) -> Response:
        return await answer(request, "home", "home.html", home_data)

    async def proposal(request: Request) -> Response:
        number = int(request.path_params["number"])
        return await answer(
            request,
            f"proposal-{number}",
            "proposal.html",
            proposal_data(number),
            one_proposal(number),
        )

    async def code_social(request: Request) -> Response:
        return await answer(
            request,
            "code-social",
            "codesocial.html",
            lambda a: pages.code_social(a, current_time()),
        )

    async def register(request: Request) -> Response:
        return await answer(
            request, "decisions", "decisions.html", lambda a: pages.register(a, current_time())
        )

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
            data = home_page(member).data
            assembly = server.reading()
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

    async def record_position(number: str, fields: dict[str, str], holder: str, **who: Any) -> Any:
        """`assemblee vote` for a form of the page: the position and reason it sent, for the
        member (and recorder) given in `who`, through the link of member `holder`; one write at a
        time on this server."""
        return await run_in_threadpool(
            lambda: server.writing(
                lambda assembly: vote_case.vote(
                    assembly,
                    current_time(),
                    number,
                    fields.get("choix", ""),
                    fields.get("raison") or None,
                    **who,
                ),
                holder,
            )
        )

    async def write_as(member: str, action: Callable[[Assembly, Identity], T]) -> T:
        """A write of this server in `member`'s name (their identity as the author of its
        commits, the server's as the committer), one write at a time."""
        name = await run_in_threadpool(lambda: _name_of(server, member))
        by = Identity(name, member)
        return await run_in_threadpool(lambda: server.writing(lambda a: action(a, by), member))

    async def member_proposal(request: Request) -> Response:
        member = await member_of(request)
        token = request.path_params["token"]
        number = str(request.path_params["number"])
        message = error = None
        status = 200
        if request.method == "POST":
            fields = await form_of(request, member, f"vote-{number}")
            try:
                result = await record_position(number, fields, member, member=member, via="web")
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
        if request.query_params.get("misajour"):
            message = (
                "Votre proposition est mise à jour avec le texte actuel de main : les positions "
                "déjà données ne comptent plus, et le tour repart."
            )
        if request.query_params.get("retiree"):
            message = (
                "Votre proposition est retirée : elle n'est plus ouverte aux positions, et son "
                "texte reste consultable."
            )
        return await member_proposal_page(member, token, number, status, message, error)

    async def member_proposal_page(
        member: str, token: str, number: str, status: int, message: str | None, error: str | None
    ) -> Response:
        def read() -> dict[str, Any]:
            data = proposal_page(int(number), member).data
            p = data["p"]
            mine = lc.counted_votes(p).get(member)
            return data | {
                "member": member,
                "mine": mine,
                "may_vote": member in p.members,
            }

        data = await run_in_threadpool(read)
        p = data["p"]
        may_withdraw = p.author == member and p.status in (lc.Status.OPEN, lc.Status.POSTPONED)
        may_update = p.author == member and p.status is lc.Status.OPEN and data["conflict"]
        form = {
            "csrf": csrf(member, f"vote-{number}"),
            "message": message,
            "error": error,
            "withdraw": csrf(member, f"retrait-{number}") if may_withdraw else None,
            "bring_up_to_date": links.member(token, f"proposition/{number}/mettre-a-jour")
            if may_update
            else None,
        }
        return page("proposal.html", status, **data, token=token, form=form)

    async def bring_up_to_date(request: Request) -> Response:
        """The author of a proposal in conflict with main gives each file's text on top of
        main: `merge_case.merge_main`, their commit, committed by this server."""
        member = await member_of(request)
        token = request.path_params["token"]
        number = str(request.path_params["number"])
        error, status = None, 200
        texts: dict[str, str] = {}
        if request.method == "POST":
            fields = await form_of(request, member, f"mise-a-jour-{number}")
            texts = {
                path: _form_text(fields.get(f"texte-{key.removeprefix('fichier-')}", ""))
                for key, path in fields.items()
                if key.startswith("fichier-")
            }
            try:
                if fields.get("confirmer") != "oui":
                    raise AssembleeError(
                        "Cochez la case qui confirme l'amendement : rien n'a été modifié."
                    )
                await write_as(
                    member,
                    lambda assembly, by: merge_case.merge_main(
                        assembly, current_time(), number, texts, by=by
                    ),
                )
                return RedirectResponse(
                    f"{links.proposal(int(number), token)}?misajour=1", status_code=303
                )
            except AssembleeError as exc:
                error, status = exc.message, 400

        def read() -> Any:
            return merge_case.conflict_of(server.reading(), number)

        try:
            conflict = await run_in_threadpool(read)
        except AssembleeError as exc:
            raise Refused(404, "Rien à mettre à jour", exc.message) from None
        if conflict.proposal.author != member:
            raise Refused(
                403,
                "Réservé à l'auteur·rice",
                "Seul·e l'auteur·rice d'une proposition peut la mettre à jour.",
            )
        if not conflict.files:
            raise Refused(
                404,
                "Rien à mettre à jour",
                f"La proposition n°{number} n'est pas en conflit avec main.",
            )
        return page(
            "merge.html",
            status,
            name=conflict.proposal.rules.name,
            token=token,
            p=conflict.proposal,
            files=conflict.files,
            mine=conflict.mine,
            texts={path: texts.get(path, conflict.main[path]) for path in conflict.files},
            error=error,
            csrf=csrf(member, f"mise-a-jour-{number}"),
        )

    async def withdraw(request: Request) -> Response:
        """`assemblee withdraw` for the author of a proposal, from their page: the commits
        are theirs as author, this server's identity is their committer."""
        member = await member_of(request)
        token = request.path_params["token"]
        number = str(request.path_params["number"])
        fields = await form_of(request, member, f"retrait-{number}")
        if fields.get("confirmer") != "oui":
            error = "Cochez la case qui confirme le retrait : rien n'a été modifié."
            return await member_proposal_page(member, token, number, 400, None, error)
        try:
            await write_as(
                member,
                lambda assembly, by: withdraw_case.withdraw(assembly, current_time(), number, by),
            )
        except AssembleeError as exc:
            return await member_proposal_page(member, token, number, 400, None, exc.message)
        return RedirectResponse(f"{links.proposal(int(number), token)}?retiree=1", status_code=303)

    async def propose(request: Request) -> Response:
        member = await member_of(request)
        token = request.path_params["token"]
        fields: dict[str, str] = {}
        preview = None
        error = None
        status = 200

        found, texts = await run_in_threadpool(lambda: pages.editable_files(server.reading()))
        if request.method == "POST":
            fields = await form_of(request, member, "proposer")
        else:
            fields = {"section": request.query_params.get("section", "")}
        section = fields.get("section", "")
        if section and section not in texts:
            raise Refused(
                404, "Section inconnue", "Cette partie du code social n'existe pas sur main."
            )
        original = texts.get(section, "")
        text = _form_text(fields.get("texte", original))
        if section and original.endswith("\n") and not text.endswith("\n"):
            text += "\n"
        if request.method == "POST":
            step = fields.get("etape", "apercu")
            preview = (
                [FileChange(section, "modifié", changed_blocks(original, text))]
                if section and text != original
                else []
            )
            error = pages.codesocial_problem(section, text) if text != original else None
            if error is not None:
                status = 400
            elif step == "confirmer":
                files = {section: text.encode()} if section and text != original else {}
                try:
                    result = await write_as(
                        member,
                        lambda assembly, by: propose_case.propose(
                            assembly,
                            current_time(),
                            fields.get("titre", ""),
                            _form_text(fields.get("description") or "").strip(),
                            author=by,
                            files=files,
                        ),
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

        def check_role() -> None:
            assembly = server.reading()
            if not assembly.roster_at(assembly.trunk).may_record_for_others(member):
                raise Refused(
                    403,
                    "Réservé au secrétariat",
                    "Cette page sert au secrétariat à enregistrer les positions données en "
                    "réunion : votre lien ne donne pas ce rôle.",
                )

        if request.method == "POST":
            fields = await form_of(request, member, f"secretariat-{number}")
            try:
                if fields.get("action") == "relancer":
                    await run_in_threadpool(check_role)
                    relaunched = await write_as(
                        member,
                        lambda assembly, by: relaunch_case.relaunch(
                            assembly,
                            current_time(),
                            number,
                            fields.get("mode") == "deux-tiers",
                            by=by,
                        ),
                    )
                    deadline = format_instant(
                        relaunched.round.deadline, ZoneInfo(relaunched.rules.timezone)
                    )
                    message = (
                        f"Tour {relaunched.round.number} ouvert "
                        f"({lc.MODE_LABELS[relaunched.round.mode]}), échéance le {deadline}."
                    )
                else:
                    result = await record_position(
                        number,
                        fields,
                        member,
                        member=fields.get("membre", ""),
                        by=Identity(name, member),
                    )
                    message = (
                        f"Position de {result.vote.member} enregistrée : "
                        f"{lc.choice_label(result.vote.choice)}."
                    )
            except AssembleeError as exc:
                error, status = exc.message, 400

        def read() -> dict[str, Any]:
            check_role()
            return pages.proposal(server.reading(), current_time(), number)

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
        Route("/m/{token}/proposition/{number:int}/retirer", withdraw, methods=["POST"]),
        Route(
            "/m/{token}/proposition/{number:int}/mettre-a-jour",
            bring_up_to_date,
            methods=["GET", "POST"],
        ),
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


def _form_text(value: str) -> str:
    """A text a browser sent from a form, with the line ends of the repository's files."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _name_of(server: Server, member: str) -> str:
    assembly = server.reading()
    return assembly.roster_at(assembly.trunk).name_of(member)


def _timezone(server: Server) -> ZoneInfo:
    assembly = server.reading()
    return ZoneInfo(assembly.rules_at(assembly.trunk).timezone)
