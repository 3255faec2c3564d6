"""Time every command of `assemblee` on generated repositories, at the target size and at five
times its history and its open proposals, and say how each command's time grows.

    python benchmarks/bench.py                              # T, H and O (below), generated
    python benchmarks/bench.py --reuse ~/bench-data         # the same, on kept repositories
    python benchmarks/bench.py --reuse DIR --markdown       # the tables for the README
    python benchmarks/bench.py --size S=200:20:5:5 --runs 3 # a small size, quickly
    python benchmarks/bench.py --only status --only help    # some commands only
    python benchmarks/bench.py --web                        # the web page, at the target size

Sizes are `DECIDED:OPEN:VOTES:DUE`, optionally named (`NAME=...`). By default:

- T, the target: 2 000 decided proposals, 200 open ones with 20 votes each, 50 of them past
  their deadline (about 19 000 commits);
- H, five times T's history: 10 000 decided, the same open proposals (about 76 000 commits);
- O, five times T's open proposals: 2 000 decided, 1 000 open.

Each repository is made by benchmarks/generate.py (seconds to minutes). With `--reuse DIR` the
repository of size NAME is DIR/NAME, generated there only when it is missing; a repository found
there is copied (`cp -a`) before anything runs in it, never written. Each command runs in a
sealed environment (its own HOME and git identity, the secretariat of the generated roster,
ASSEMBLEE_NOW at the generator's `now`):

- first a warm-up run with GIT_TRACE, which counts the git processes the command starts;
- then `--runs` rounds with a warm cache (`.git/assemblee` as the previous run left it), and
  `--runs` rounds with a cold one (`.git/assemblee` removed before each run: a fresh clone, or
  the first command after the cache was lost). A round runs the command once at every size, one
  size after the other, so that a ratio between two sizes compares runs made a few seconds
  apart: the ratios printed are the medians of the per-round ratios, which a busy machine
  disturbs much less than the times themselves;
- `status-fetched` is the first `status` after a fetch that brought a new commit on every
  open branch (one more vote each), on a fresh copy whose indexes were warm before it;
- `close` runs on a fresh copy of the repository each time (the copy is not timed); a command
  slower than SLOW seconds on its warm-up is measured once warm (the warm-up) and once cold.

Printed per command: the median wall time and CPU time at each size, warm and cold (the CPU
time is the command's and that of the git processes it waited for: on a shared machine it moves
less than the wall time), the ratios H/T and O/T, warm and cold, the ratio to the minimal reader
(BASELINE below, which reads what `status` reads with one `git for-each-ref` and one
`git cat-file --batch` and parses each frontmatter with libyaml: the floor for a Python tool),
and the number of git processes at each size. `python -c pass` is the floor of any command. A
command or option the tool does not have (exit 2, usage error) is shown « — ».

`--web` measures the web page instead (`assemblee serve` on loopback over a generated
repository): the assembly's page, an open proposal's page and a vote round trip through a
personal link (the page with its form, then the POST that records the vote), one request at a
time, then with 20 readers at once: median and 95th percentile of the latency.

Only the standard library is imported here (the generator, loaded when a repository must be
made, and the votes a fetch brings, written before the timed run, import the package); the
timings belong here, never in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SIZES = ("T=2000:200:20:50", "H=10000:200:20:50", "O=2000:1000:20:50")
SLOW = 20.0  # seconds: a command slower than this on its warm-up run is measured once each way
DEFAULT_NOW = "2026-11-24T10:00:00+01:00"  # generate.py's default `now`
SECTION = "sections/04-droits.md"  # a section that decided proposals change, at every size

# One line per git process: every git process that runs one of git's built-in commands writes
# exactly one `git.c:NNN  trace: built-in: git <command> ...` line to GIT_TRACE when it starts
# it. The other trace lines are not counted, because they would count some processes twice:
# `run_command:` is written by a parent for each child (which writes its own built-in line),
# `exec:` and `alias expansion:` by a process about to run another one (and `exec: git-foo` is
# also written when git merely tries a dashed external that does not exist). Not counted: the
# helpers that are not built-ins (git-remote-https, ssh), which the offline commands measured
# here never start. GitPython's persistent `cat-file --batch` and `--batch-check` are two
# processes, and count as two.
_BUILT_IN = re.compile(r"\bgit\.c:\d+\s+trace: built-in: git\b")


def count_git_processes(trace: str) -> int:
    """The number of git processes that wrote to a GIT_TRACE file (see the rule above)."""
    return len(_BUILT_IN.findall(trace))


BASELINE = r"""
import subprocess, sys, threading
import yaml

loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
repo = sys.argv[1]
out = subprocess.run(
    ["git", "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/main",
     "refs/heads/proposition/", "refs/archives/proposition/"],
    cwd=repo, capture_output=True, text=True, check=True,
).stdout
main, branches = None, []
for line in out.splitlines():
    sha, ref = line.split(" ", 1)
    if ref == "refs/heads/main":
        main = sha
    elif ref.startswith("refs/heads/proposition/"):
        branches.append((sha, ref[len("refs/heads/proposition/"):]))
cat = subprocess.Popen(["git", "cat-file", "--batch"], cwd=repo, stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE)

def ask(specs):
    writer = threading.Thread(target=lambda: (cat.stdin.write(
        "".join(s + "\n" for s in specs).encode()), cat.stdin.flush()))
    writer.start()
    found = []
    for _ in specs:
        header = cat.stdout.readline().split()
        if header[-1] == b"missing":
            found.append(None)
            continue
        found.append(cat.stdout.read(int(header[2])))
        cat.stdout.read(1)
    writer.join()
    return found

def header(data):
    text = data.decode()
    return yaml.load(text[4:text.index("\n---", 3)], Loader=loader)

found = ask([f"{sha}:proposals/{name}.md" for sha, name in branches] + [f"{main}:proposals"])
open_ = [header(data) for data in found[:-1] if data is not None]
tree, names, i = found[-1], [], 0
while i < len(tree):
    nul = tree.index(b"\0", i)
    name = tree[tree.index(b" ", i) + 1 : nul].decode()
    if name.endswith(".md") and name[:4].isdigit():
        names.append(name)
    i = nul + 21
decided = [header(d) for d in ask([f"{main}:proposals/{n}" for n in sorted(names)[-10:]]) if d]
cat.stdin.close()
cat.wait()
print(len(open_), "ouvertes,", len(names), "décidées")
"""


def _tool() -> list[str]:
    script = Path(sys.executable).with_name("assemblee")
    return [str(script)] if script.exists() else [sys.executable, "-m", "assemblee_cli"]


def _run(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, float, float]:
    """Run once: exit code, stderr, wall time, CPU time (its own and its waited-for children's)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        list(argv), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc.returncode, proc.stderr, wall, cpu


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


# -- sizes and their repositories ----------------------------------------------------------


@dataclass
class Size:
    name: str
    decided: int
    open: int
    votes: int
    due: int

    @classmethod
    def parse(cls, text: str) -> Size:
        name, _, spec = text.rpartition("=")
        try:
            parts = [int(p) for p in spec.split(":")]
        except ValueError:
            parts = []
        if len(parts) == 3:
            parts.append(min(parts[1], 50))
        if len(parts) != 4 or not re.fullmatch(r"[\w.-]*", name):
            raise argparse.ArgumentTypeError(f"« {text} » : [NOM=]DECIDEES:OUVERTES:AVIS[:ECHUES]")
        return cls(name or "-".join(map(str, parts)), *parts)

    @property
    def label(self) -> str:
        return (
            f"{self.name} : {self.decided} décidées, {self.open} ouvertes × {self.votes} avis, "
            f"{self.due} échues"
        )


@dataclass
class Site:
    """A repository of one size, copied where the commands may write, and what they need."""

    size: Size
    repo: Path
    env: dict[str, str]
    still_open: int  # an open proposal, not due, that changes the text
    commits: int
    note: str


def _generate(size: Size, target: Path) -> None:
    """Generate `size` into `target` (made under a temporary name, then renamed: a repository
    found under its final name is always complete), with its summary in `target`.json."""
    sys.path.insert(0, str(HERE))
    from generate import generate

    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    _log(f"# {size.label} : génération dans {target}…")
    summary = generate(partial, size.decided, size.open, size.votes, due=size.due)
    summary.repo = str(target)
    partial.rename(target)
    target.with_name(target.name + ".json").write_text(
        json.dumps(asdict(summary), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def prepare(size: Size, scratch: Path, reuse: Path | None) -> Site:
    """The repository of `size`: DIR/NAME with --reuse (generated there if missing), else
    generated in the scratch folder; copied into the scratch folder before use."""
    sys.path.insert(0, str(HERE))
    from generate import sealed_env

    source = (reuse or scratch / "generated") / size.name
    if not source.exists():
        source.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        _generate(size, source)
        made = f"généré en {time.perf_counter() - started:.0f} s"
    else:
        made = f"repris de {source}"
    source = source.resolve()  # DIR/NAME may be a link to a repository kept elsewhere
    repo = scratch / size.name
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(["cp", "-a", str(source), str(repo)], check=True)
    _refresh_index(repo)
    summary_file = source.with_name(source.name + ".json")
    summary = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.exists() else {}
    if summary:
        name, email, now = summary["secretary_name"], summary["secretary_email"], summary["now"]
        candidates = [n for n in summary["open"] if n in summary["with_text"]] or summary["open"]
    else:  # made by generate.py without --json: read what is needed from the repository
        name, email, now, candidates = _describe(repo, size)
    env = sealed_env(scratch / f"home-{size.name}", name, email)
    env["ASSEMBLEE_NOW"] = now
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode
    commits = int(_git(repo, "rev-list", "--all", "--count").strip())
    return Site(size, repo, env, candidates[0], commits, f"{commits} commits, {made}")


def _refresh_index(repo: Path) -> None:
    """Make a fresh copy look like a member's own clone before anything is timed: a copy gives
    every file a new inode, so git would read every file of the working tree again on its
    first look (0.25 s at H), and the kernel would still be writing the copy's 370 MB to disk
    while the command runs."""
    subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=repo, check=False)
    os.sync()


def _describe(repo: Path, size: Size) -> tuple[str, str, str, list[int]]:
    """The secretariat (first member of the roster), the generator's default `now`, and the
    open proposals that are not due (generate.py numbers them after the decided ones, the due
    ones first), those that change the text first."""
    roster = _git(repo, "show", "main:codesocial/membres.yml")
    found = re.search(r"^- nom: (.+)\n\s+email: (.+)$", roster, re.M)
    if found is None:
        raise SystemExit(f"{repo} : codesocial/membres.yml illisible.")
    refs = _git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/proposition/")
    branches = sorted(line.strip() for line in refs.splitlines() if line.strip())

    def number(ref: str) -> int:
        return int(ref.rsplit("/", 1)[1].split("-", 1)[0])

    not_due = [ref for ref in branches if number(ref) > size.decided + size.due]
    if not not_due:
        raise SystemExit(f"{repo} : aucune proposition ouverte non échue.")
    main_annexes = _git(repo, "ls-tree", "-r", "--name-only", "main", "--", "sections/annexes")
    numbers = []
    for ref in not_due[:20]:
        annexes = _git(repo, "ls-tree", "-r", "--name-only", ref, "--", "sections/annexes")
        numbers.append((annexes == main_annexes, number(ref)))  # with text first
    return (
        found.group(1).strip(),
        found.group(2).strip(),
        DEFAULT_NOW,
        [n for _, n in sorted(numbers)],
    )


# -- commands ------------------------------------------------------------------------------


@dataclass
class Command:
    key: str
    label: str
    args: Callable[[Site], list[str]]
    fresh: bool = False  # writes: runs on a fresh copy each time
    cached: bool = True  # reads .git/assemblee (else its cold runs are its warm runs)
    before: Callable[[Site, Path], None] | None = None  # on the fresh copy, not timed


def commands() -> list[Command]:
    tool = _tool()
    py = sys.executable
    return [
        Command("bare", "python -c pass", lambda s: [py, "-c", "pass"], cached=False),
        Command("base", "base (for-each-ref + cat-file)", lambda s: [py, "-c", BASELINE, "."], cached=False),
        Command("help", "--help", lambda s: [*tool, "--help"], cached=False),
        Command("status", "status", lambda s: [*tool, "status", "--offline"]),
        Command("show-open", "show (ouverte)", lambda s: [*tool, "show", str(s.still_open), "--offline"]),
        Command("show-decided", "show 1 (décidée)", lambda s: [*tool, "show", "1", "--offline"]),
        Command("blame-section", f"blame {SECTION}", lambda s: [*tool, "blame", SECTION, "--offline"]),
        Command(
            "blame-rules",
            "blame codesocial/regles.yml",
            lambda s: [*tool, "blame", "codesocial/regles.yml", "--offline"],
        ),
        Command("agenda", "agenda", lambda s: [*tool, "agenda", "--offline"]),
        Command("export", "export (HTML)", lambda s: [*tool, "export", "--format", "html", "--offline"]),
        Command("close-dry", "close --dry-run", lambda s: [*tool, "close", "--dry-run", "--offline"]),
        Command("close", "close", lambda s: [*tool, "close", "--offline"], fresh=True),
        Command(
            "status-fetched",
            "status après un fetch (chaque branche avancée)",
            lambda s: [*tool, "status", "--offline"],
            fresh=True,
            cached=False,
            before=advance_every_branch,
        ),
        Command("verify", "verify", lambda s: [*tool, "verify", "--offline"]),
        Command("verify-all", "verify --tout", lambda s: [*tool, "verify", "--tout", "--offline"]),
    ]  # fmt: skip


def _one_more_vote(text: bytes, path: str) -> bytes:
    """A proposal file with one more vote in its current round (the first member of its list
    who has not voted, agreeing, a minute after the last vote), as `assemblee vote` writes
    it; the file with one more line at its end when nobody is left to vote."""
    from datetime import timedelta

    from assemblee_cli.core.lifecycle import Vote, record_vote
    from assemblee_cli.core.tally import Choice
    from assemblee_cli.errors import AssembleeError
    from assemblee_cli.formats.proposalfile import dump_proposal, parse_proposal

    proposal = parse_proposal(text.decode(), path)
    current = proposal.round
    voted = {v.member for v in proposal.votes if v.round == current.number}
    free = [m for m in proposal.members if m not in voted]
    if not free:
        return text + b"\n"
    when = max([current.opened_at, *(v.cast_at for v in proposal.votes)]) + timedelta(minutes=1)
    vote = Vote(free[0], Choice.AGREE, current.number, when, current.text_version)
    try:
        return dump_proposal(record_vote(proposal, vote, when)).encode()
    except AssembleeError:  # a refusal (past its deadline…): the blank line instead
        return text + b"\n"


def advance_every_branch(site: Site, repo: Path) -> None:
    """What a fetch brings when every open proposal received a vote: a warm `status` first
    (its indexes as they were), then one new commit on each branch, which changes only its
    proposal file: one more vote, by a member who had not voted yet, written by the tool's
    own functions (one more line at its end when every member has voted), made by `git
    fast-import` as a fetch would bring it (a pack)."""
    _run([*_tool(), "status", "--offline"], repo, site.env)
    refs = _git(
        repo, "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/proposition/"
    )
    tips = [line.split(" ", 1) for line in refs.splitlines() if line.strip()]
    files = [f"{sha}:proposals/{ref.rsplit('/', 1)[1]}.md" for sha, ref in tips]
    read = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input="".join(f"{spec}\n" for spec in files).encode(),
        capture_output=True,
        check=True,
    ).stdout
    stream = bytearray()
    at = 0
    for (sha, ref), spec in zip(tips, files, strict=True):
        end = read.index(b"\n", at)
        size = int(read[at:end].split()[2])
        content = _one_more_vote(read[end + 1 : end + 1 + size], spec.split(":", 1)[1])
        at = end + 1 + size + 1
        message = b"Avis (bench)\n"
        stream += f"commit {ref}\ncommitter Bench <bench@exemple.org> 1764000000 +0000\n".encode()
        stream += b"data %d\n%s" % (len(message), message)
        stream += f"from {sha}\nM 100644 inline {spec.split(':', 1)[1]}\n".encode()
        stream += b"data %d\n%s\n" % (len(content), content)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=bytes(stream), check=True)


MODES = ("warm", "cold")


@dataclass
class Result:
    command: Command
    wall: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # (mode, size)
    cpu: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    processes: dict[str, int] = field(default_factory=dict)
    missing: bool = False
    error: str | None = None

    def median(self, mode: str, size: str, cpu: bool = False) -> float | None:
        values = (self.cpu if cpu else self.wall).get((mode, size), [])
        return statistics.median(values) if values else None

    def ratio(self, mode: str, size: str, reference: str) -> float | None:
        """The median of the per-round ratios of wall times, `size` over `reference`."""
        top, bottom = self.wall.get((mode, size), []), self.wall.get((mode, reference), [])
        pairs = [a / b for a, b in zip(top, bottom, strict=False) if b > 0]
        return statistics.median(pairs) if pairs else None


class Runner:
    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch

    def once(
        self, command: Command, site: Site, mode: str, trace: Path | None = None
    ) -> tuple[int, str, float, float]:
        where = site.repo
        if command.fresh:
            where = self.scratch / f"fresh-{site.size.name}"
            shutil.rmtree(where, ignore_errors=True)
            subprocess.run(["cp", "-a", str(site.repo), str(where)], check=True)
            _refresh_index(where)
            if command.before is not None:
                command.before(site, where)
        if mode == "cold":
            shutil.rmtree(where / ".git" / "assemblee", ignore_errors=True)
        env = dict(site.env)
        if trace is not None:
            trace.unlink(missing_ok=True)
            env["GIT_TRACE"] = str(trace)
        try:
            return _run(command.args(site), where, env)
        finally:
            if command.fresh:
                shutil.rmtree(where, ignore_errors=True)

    def measure(self, command: Command, sites: list[Site], runs: int) -> Result:
        result = Result(command)
        slow = False
        trace = self.scratch / "trace.txt"
        for site in sites:  # warm-up, which counts the git processes
            code, err, wall, cpu = self.once(command, site, "warm", trace)
            if code == 2 and ("Commande inconnue" in err or "Option inconnue" in err):
                result.missing = True
                return result
            if code != 0:
                lines = err.strip().splitlines()
                result.error = lines[-1] if lines else f"code {code}"
                return result
            text = trace.read_text(errors="replace") if trace.exists() else ""
            result.processes[site.size.name] = count_git_processes(text)
            if wall > SLOW:
                slow = True
            result.wall[("warm", site.size.name)] = [wall]
            result.cpu[("warm", site.size.name)] = [cpu]
        rounds = {
            "warm": 0 if slow else runs,
            "cold": (1 if slow else runs) if command.cached else 0,
        }
        if not slow:  # the warm-up was not warm: its measure is dropped
            result.wall = {key: [] for key in result.wall}
            result.cpu = {key: [] for key in result.cpu}
        for mode in MODES:
            for index in range(rounds[mode]):
                for site in sites:
                    code, err, wall, cpu = self.once(command, site, mode)
                    if code != 0:
                        lines = err.strip().splitlines()
                        result.error = lines[-1] if lines else f"code {code}"
                        return result
                    result.wall.setdefault((mode, site.size.name), []).append(wall)
                    result.cpu.setdefault((mode, site.size.name), []).append(cpu)
                _log(
                    f"  {command.label} : {mode} {index + 1}/{rounds[mode]} ({_round(result, mode, sites)})"
                )
        if not command.cached:  # nothing to warm: the cold runs are the warm ones
            for site in sites:
                for table in (result.wall, result.cpu):
                    table[("cold", site.size.name)] = table.get(("warm", site.size.name), [])
        return result


def _round(result: Result, mode: str, sites: list[Site]) -> str:
    return ", ".join(
        f"{site.size.name} {_seconds(result.wall[(mode, site.size.name)][-1])}" for site in sites
    )


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- tables --------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _times(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _get(results: list[Result], key: str) -> Result | None:
    return next((r for r in results if r.command.key == key), None)


def _unmeasured(result: Result) -> str | None:
    if result.missing:
        return "—"
    if result.error:
        return f"erreur : {result.error}"
    return None


def ratio_table(results: list[Result], sizes: list[Size]) -> str:
    """Per command: times at the first size, each other size over it (warm, cold), the ratio
    to the minimal reader at the first size, git processes at each size."""
    ref = sizes[0].name
    others = [s.name for s in sizes[1:]]
    base = _get(results, "base")
    head = [f"{ref} chaud", f"{ref} froid"]
    for name in others:
        head += [f"{name}/{ref} chaud", f"{name}/{ref} froid"]
    head += [
        f"× base {ref} chaud",
        f"× base {ref} froid",
        f"processus git {'/'.join(s.name for s in sizes)}",
    ]
    lines = ["| commande | " + " | ".join(head) + " |", "|---|" + "---:|" * len(head)]
    for r in results:
        # The base's own row says how the floor grows: it reads each open branch's file, as
        # any reader of a fresh clone must, through that branch's `proposals/` folder.
        gone = _unmeasured(r)
        if gone:
            lines.append(f"| {r.command.label} | {gone} |" + " — |" * (len(head) - 1))
            continue
        cells = [_seconds(r.median("warm", ref)), _seconds(r.median("cold", ref))]
        for name in others:
            cells += [_times(r.ratio("warm", name, ref)), _times(r.ratio("cold", name, ref))]
        for mode in MODES:
            mine, floor = r.median(mode, ref), base.median(mode, ref) if base else None
            if r.command.key == "base" or mine is None or not floor:
                cells.append("—")
            else:
                cells.append(_times(mine / floor))
        counts = [r.processes.get(s.name) for s in sizes]
        cells.append(" / ".join("—" if c is None else str(c) for c in counts))
        lines.append(f"| {r.command.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def time_table(results: list[Result], sizes: list[Size]) -> str:
    """Per command and size: median wall time and CPU time, warm and cold."""
    head = []
    for s in sizes:
        head += [f"{s.name} chaud (CPU)", f"{s.name} froid (CPU)"]
    lines = ["| commande | " + " | ".join(head) + " |", "|---|" + "---:|" * len(head)]
    for r in results:
        gone = _unmeasured(r)
        if gone:
            lines.append(f"| {r.command.label} | {gone} |" + " — |" * (len(head) - 1))
            continue
        cells = []
        for s in sizes:
            for mode in MODES:
                runs = len(r.wall.get((mode, s.name), []))
                once = " ¹" if runs == 1 else ""
                cells.append(
                    f"{_seconds(r.median(mode, s.name))} ({_seconds(r.median(mode, s.name, True))}){once}"
                )
        lines.append(f"| {r.command.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _verdict(ok: bool | None) -> str:
    return "non mesuré" if ok is None else ("atteint" if ok else "**manqué**")


def targets(results: list[Result], sizes: list[Size]) -> str:
    """The targets of issue 14 that this benchmark measures."""
    ref = sizes[0].name
    big = next((s.name for s in sizes if s.name == "H"), sizes[-1].name)
    lines = [f"Objectifs (taille de référence {ref}, historique ×5 {big}) :"]
    if big != ref:
        worst: dict[str, tuple[float, str]] = {}
        for r in results:
            if r.command.key in ("bare", "base", "verify-all") or _unmeasured(r):
                continue
            for mode in MODES:
                value = r.ratio(mode, big, ref)
                if value is not None and value > worst.get(mode, (0.0, ""))[0]:
                    worst[mode] = (value, r.command.label)
        for mode, limit, word in (("warm", 1.2, "chaud"), ("cold", 1.5, "froid")):
            if mode in worst:
                value, label = worst[mode]
                lines.append(
                    f"- {big}/{ref} {word} ≤ {limit} pour chaque commande : {_verdict(value <= limit)} "
                    f"(le plus grand : {label}, {value:.1f})"
                )
        reader = _get(results, "base")
        grown = reader.ratio("warm", big, ref) if reader and not _unmeasured(reader) else None
        if grown is not None:
            lines.append(
                f"  (la base elle-même, qui lit le fichier de chaque branche ouverte comme tout "
                f"lecteur d'un clone neuf : {big}/{ref} {grown:.1f})"
            )
    status = _get(results, "status")
    cold_status = status.median("cold", ref) if status and not _unmeasured(status) else None
    for key in ("agenda", "export", "blame-section", "blame-rules", "close-dry"):
        r = _get(results, key)
        mine = r.median("cold", ref) if r and not _unmeasured(r) else None
        if r is not None and mine is not None and cold_status:
            lines.append(
                f"- {r.command.label} froid à {ref} ≤ 2 × status froid : "
                f"{_verdict(mine <= 2 * cold_status)} ({mine / cold_status:.1f} ×)"
            )
    fetched = _get(results, "status-fetched")
    if status and fetched and not _unmeasured(status) and not _unmeasured(fetched):
        for s in sizes:
            mine, warm = fetched.median("warm", s.name), status.median("warm", s.name)
            if mine is not None and warm:
                lines.append(
                    f"- premier status après un fetch de {s.open} nouvelles pointes à {s.name} "
                    f"≤ 2 × status chaud : {_verdict(mine <= 2 * warm)} ({mine / warm:.1f} ×)"
                )
    base = _get(results, "base")
    if status and base and not _unmeasured(status):
        for mode, word in (("warm", "chaud"), ("cold", "froid")):
            mine, floor = status.median(mode, ref), base.median(mode, ref)
            if mine is not None and floor:
                lines.append(
                    f"- status {word} à {ref} ≤ 1.5 × la base : {_verdict(mine <= 1.5 * floor)} "
                    f"({mine / floor:.1f} ×)"
                )
    bare, helper = _get(results, "bare"), _get(results, "help")
    if bare and helper and not _unmeasured(helper):
        gap = (helper.median("warm", ref) or 0) - (bare.median("warm", ref) or 0)
        gap_cpu = (helper.median("warm", ref, True) or 0) - (bare.median("warm", ref, True) or 0)
        lines.append(
            f"- --help à moins de 0,1 s d'un interpréteur nu : {_verdict(gap <= 0.1)} "
            f"(écart {_seconds(gap)}, en CPU {_seconds(gap_cpu)})"
        )
    full = _get(results, "verify-all")
    if full and not _unmeasured(full):
        mine = full.median("cold", ref)
        lines.append(
            f"- verify --tout à {ref} < 15 s : {_verdict(mine is not None and mine < 15)} ({_seconds(mine)})"
        )
    elif full and full.missing:
        lines.append("- verify --tout : « — » (option absente de cette version)")
    return "\n".join(lines)


WEB_READERS = 20


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float | None:
    """The CPU time (user and system) process `pid` has spent so far, from Linux's /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _readers(port: int, path: str, readers: int, count: int) -> list[float]:
    """`count` GETs of `path`, by `readers` readers at once, each waiting for its answer before
    asking again: the latency of each (connection, request, whole answer read).

    A reader is a bare socket in one event loop, not `urllib` in a thread: 20 `urllib` readers
    spent 2.5 ms of CPU per request of the assembly's page (159 KB) against the server's 0.9,
    and, sharing one interpreter with the server on 2 cores, measured mostly themselves."""
    import asyncio

    async def get() -> float:
        start = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        answer = await reader.read()
        writer.close()
        elapsed = time.perf_counter() - start
        head, _, body = answer.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length: *(\d+)", head)
        assert head.startswith(b"HTTP/1.1 200"), head[:80]
        assert length and int(length.group(1)) == len(body), "réponse incomplète"
        return elapsed

    async def run() -> list[float]:
        times: list[float] = []
        asked = 0

        async def one_reader() -> None:
            nonlocal asked
            while asked < count:
                asked += 1
                times.append(await get())

        await asyncio.gather(*(one_reader() for _ in range(readers)))
        return times

    return asyncio.run(run())


def _fetch(url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
    import urllib.error
    import urllib.parse
    import urllib.request

    body = urllib.parse.urlencode(data).encode() if data is not None else None

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, data=body, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def bench_web(size: Size, runs: int, scratch: Path) -> str:
    """The web page at `size`: latencies of its pages and of a vote round trip. No proposal is
    past its deadline here (`due` 0), so that every personal link can vote."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    size = replace(size, due=0)

    sys.path.insert(0, str(HERE))
    from generate import generate, sealed_env

    repo = scratch / "depot-web"
    summary = generate(repo, size.decided, size.open, size.votes, due=size.due)
    env = sealed_env(scratch / "home", summary.secretary_name, summary.secretary_email)
    env["ASSEMBLEE_NOW"] = summary.now
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    tool = _tool()
    number = summary.open[0]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    links = json.loads(
        subprocess.run(
            [*tool, "links", str(number), "--url", url, "--json", "--offline"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    server = subprocess.Popen(
        [*tool, "serve", "--port", str(port), "--url", url],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                _fetch(f"{url}/static/style.css")
                break
            except OSError:
                time.sleep(0.1)
        pages = {"home": "/", "proposal": f"/proposition/{number}"}

        def timed(action: object) -> float:
            start = time.perf_counter()
            status = action()  # type: ignore[operator]
            assert status in (200, 303), status
            return time.perf_counter() - start

        def vote_round_trip(index: int) -> int:
            link = links[index % len(links)]["lien"]
            status, html = _fetch(link)
            token = re.search(r'name="csrf" value="([^"]+)"', html)
            assert status == 200 and token, status
            choice = ("d-accord", "abstention", "pas-d-accord")[index % 3]
            return _fetch(link, {"csrf": token.group(1), "choix": choice})[0]

        rows: list[tuple[str, list[float]]] = []
        cpu: list[tuple[str, float | None]] = []
        # The command line's `status` at the same moment: the page of the assembly reads the same.
        status = [_run([*tool, "status", "--offline"], repo, env)[2] for _ in range(6)][1:]
        rows.append(("assemblee status (ligne de commande, pour comparer)", status))
        for key, label in (
            ("home", "page de l'assemblée"),
            ("proposal", f"proposition n°{number}"),
        ):
            _fetch(f"{url}{pages[key]}")  # warm-up
            rows.append((f"{label}, seul", _readers(port, pages[key], 1, runs)))
        rows.append(
            (
                "vote (page + envoi du formulaire), seul",
                [timed(lambda i=i: vote_round_trip(i)) for i in range(runs)],
            )
        )
        for key, label in (
            ("home", "page de l'assemblée"),
            ("proposal", f"proposition n°{number}"),
        ):
            count = WEB_READERS * max(2, runs // 2)
            before = _cpu_seconds(server.pid)
            times = _readers(port, pages[key], WEB_READERS, count)
            after = _cpu_seconds(server.pid)
            rows.append((f"{label}, {WEB_READERS} lecteurs à la fois", times))
            spent = None if before is None or after is None else (after - before) / count
            cpu.append((label, spent))
        with ThreadPoolExecutor(WEB_READERS) as pool:
            times = list(pool.map(lambda i: timed(lambda: vote_round_trip(i)), range(WEB_READERS)))
        rows.append((f"vote, {WEB_READERS} votants à la fois", times))
    finally:
        server.terminate()
        server.wait(timeout=10)
    lines = [
        f"Page web, {size.label} ({summary.commits} commits)",
        "",
        "| mesure | requêtes | médiane | 95e centile |",
        "|---|---:|---:|---:|",
    ]
    for label, values in rows:
        lines.append(
            f"| {label} | {len(values)} | {statistics.median(values) * 1000:.0f} ms "
            f"| {_percentile(values, 0.95) * 1000:.0f} ms |"
        )
    lines.append("")
    for label, spent in cpu:
        shown = "non mesuré (pas de /proc)" if spent is None else f"{spent * 1000:.2f} ms"
        lines.append(f"- CPU du serveur par requête, {label} à {WEB_READERS} lecteurs : {shown}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    keys = [c.key for c in commands()]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size",
        action="append",
        type=Size.parse,
        help="[NOM=]DECIDEES:OUVERTES:AVIS[:ECHUES], plusieurs fois ; la première est la "
        "référence des rapports (par défaut : " + ", ".join(DEFAULT_SIZES) + ")",
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="DOSSIER",
        help="dépôts générés gardés : DOSSIER/NOM, copié avant usage (jamais modifié), généré "
        "là s'il manque",
    )
    parser.add_argument("--runs", type=int, default=3, help="tours par commande et par mode")
    parser.add_argument(
        "--only", action="append", choices=keys, metavar="CLE", help="ces commandes seulement"
    )
    parser.add_argument(
        "--skip", action="append", choices=keys, metavar="CLE", help="sauf ces commandes"
    )
    parser.add_argument("--markdown", action="store_true", help="tables seules, en markdown")
    parser.add_argument(
        "--web",
        action="store_true",
        help="mesurer la page web (assemblee serve) à la taille cible (ou --size) plutôt que "
        "les commandes",
    )
    parser.epilog = "Clés des commandes : " + ", ".join(keys) + "."
    args = parser.parse_args(argv)
    sizes = args.size or [Size.parse(s) for s in DEFAULT_SIZES]
    if len({s.name for s in sizes}) != len(sizes):
        parser.error("deux tailles portent le même nom")
    if args.web:
        with tempfile.TemporaryDirectory(prefix="assemblee-bench-") as folder:
            print(bench_web(sizes[0], max(args.runs, 20), Path(folder)))
        return
    chosen = [
        c
        for c in commands()
        if (not args.only or c.key in args.only or c.key in ("bare", "base"))
        and c.key not in (args.skip or [])
    ]
    load_before = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="assemblee-bench-") as folder:
        scratch = Path(folder)
        _compile_package()
        sites = [prepare(size, scratch, args.reuse) for size in sizes]
        for site in sites:
            _log(f"# {site.size.label} ({site.note})")
        runner = Runner(scratch)
        results = []
        for command in chosen:
            _log(f"{command.label}…")
            results.append(runner.measure(command, sites, args.runs))
    load_after = os.getloadavg()
    minutes = (time.perf_counter() - started) / 60
    print(
        f"Python {sys.version.split()[0]}, {_git_version()}, {os.cpu_count()} cœurs ; "
        f"charge moyenne {load_before[0]:.1f} au début, {load_after[0]:.1f} à la fin "
        f"({minutes:.0f} min) ; {args.runs} tours par commande, chaud puis froid.\n"
    )
    print("\n".join(f"- {site.size.label} ({site.note})" for site in sites))
    print()
    print(ratio_table(results, sizes))
    print()
    print(time_table(results, sizes))
    if not args.markdown:
        print()
        print(targets(results, sizes))


def _compile_package() -> None:
    """Write the package's bytecode, as an installation does (PYTHONDONTWRITEBYTECODE in the
    caller's shell would make every run compile it again)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("assemblee_cli")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            compileall.compile_dir(folder, quiet=1)


def _git_version() -> str:
    return subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
