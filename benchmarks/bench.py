"""Time every command of `assemblee` on generated repositories of growing size.

    python benchmarks/bench.py                      # three sizes, up to the target one
    python benchmarks/bench.py --size 200:20:5:5 --runs 3
    python benchmarks/bench.py --size 2000:200:20:50 --markdown > table.md
    python benchmarks/bench.py --web                # the web page, at the target size

For each size (`DECIDED:OPEN:VOTES:DUE`), benchmarks/generate.py builds a repository, and each
command is run `--runs` times in a sealed environment (its own HOME and git identity, the
secretariat of the generated roster, ASSEMBLEE_NOW at the generator's `now`), after one
warm-up run made with GIT_TRACE to count the git processes it starts. `close` runs on a fresh
copy of the repository each time (the copy is not timed). Next to the commands:

- `python -c pass`: a bare interpreter start, the floor of any command;
- the baseline: a minimal Python script (BASELINE below) that reads what `status` reads with
  one `git for-each-ref` and one `git cat-file --batch`, and parses the frontmatter of each
  file with PyYAML (libyaml's loader when available): the floor for a Python tool.

The table gives, for each command, the median wall time, the median CPU time (the command and
the git processes it waited for: less sensitive to a busy machine), the ratio of the median
to the baseline's, and the number of git processes started. A command that does not exist
(exit 2, usage error) is shown with « — ».

`--web` measures the web page instead (`assemblee serve` on loopback over the generated
repository): the assembly's page, an open proposal's page and a vote round trip through a
personal link (the page with its form, then the POST that records the vote), one request at a
time, then with 20 readers at once: median and 95th percentile of the latency.

Only the standard library is imported here (the generator imports the package); the timings
belong here, never in the test suite.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SIZES = ("200:20:5:5", "1000:100:10:25", "2000:200:20:50")
SLOW = 20.0  # seconds: a command slower than this on its warm-up run is not run again

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


@dataclass
class Size:
    decided: int
    open: int
    votes: int
    due: int
    commits: int = 0  # in the generated history, once generated

    @classmethod
    def parse(cls, text: str) -> Size:
        parts = [int(p) for p in text.split(":")]
        if len(parts) == 3:
            parts.append(min(parts[1], 50))
        if len(parts) != 4:
            raise argparse.ArgumentTypeError(f"« {text} » : DECIDEES:OUVERTES:AVIS[:ECHUES]")
        return cls(*parts)

    @property
    def label(self) -> str:
        return (
            f"{self.decided} décidées, {self.open} ouvertes × {self.votes} avis, {self.due} échues"
        )


@dataclass
class Result:
    key: str
    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    processes: int | None = None
    missing: bool = False
    error: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.wall) if self.wall else None

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None


def _tool() -> list[str]:
    script = Path(sys.executable).with_name("assemblee")
    return [str(script)] if script.exists() else [sys.executable, "-m", "assemblee_cli"]


def _run(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        list(argv), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc.returncode, proc.stderr, wall, cpu


def measure(
    key: str,
    name: str,
    argv: Sequence[str],
    repo: Path,
    env: dict[str, str],
    runs: int,
    scratch: Path,
    fresh_copy: bool = False,
) -> Result:
    """Warm-up run with GIT_TRACE (counts git processes), then `runs` timed runs."""
    result = Result(key, name)
    for index in range(runs + 1):
        where = repo
        if fresh_copy:
            where = scratch / f"copy-{index}"
            shutil.rmtree(where, ignore_errors=True)
            shutil.copytree(repo, where, symlinks=True)
        run_env = dict(env)
        trace = scratch / "trace.txt"
        if index == 0:
            trace.unlink(missing_ok=True)
            run_env["GIT_TRACE"] = str(trace)
        code, err, wall, cpu = _run(argv, where, run_env)
        if fresh_copy:
            shutil.rmtree(where, ignore_errors=True)
        if code == 2 and ("Commande inconnue" in err or "Option inconnue" in err):
            result.missing = True
            return result
        if code != 0:
            result.error = err.strip().splitlines()[-1] if err.strip() else f"code {code}"
            return result
        if index == 0:
            text = trace.read_text(errors="replace") if trace.exists() else ""
            result.processes = count_git_processes(text)
            if wall > SLOW:  # too slow to repeat: the warm-up run is the measure
                result.wall.append(wall)
                result.cpu.append(cpu)
                return result
            continue
        result.wall.append(wall)
        result.cpu.append(cpu)
    return result


def bench_size(size: Size, runs: int, scratch: Path, log: bool) -> tuple[list[Result], str, int]:
    sys.path.insert(0, str(HERE))
    from generate import generate, sealed_env

    repo = scratch / f"depot-{size.decided}-{size.open}-{size.votes}"
    summary = generate(repo, size.decided, size.open, size.votes, due=size.due)
    env = sealed_env(scratch / "home", summary.secretary_name, summary.secretary_email)
    env["ASSEMBLEE_NOW"] = summary.now
    note = f"{summary.commits} commits, générés en {summary.seconds} s"
    if log:
        print(f"# {size.label} : {note}", file=sys.stderr, flush=True)
    tool = _tool()
    # an open proposal, not due, that changes the text (the same kind at every size)
    candidates = [n for n in summary.open if n in summary.with_text] or summary.open
    still_open = candidates[0]
    py = sys.executable
    commands: list[tuple[str, str, list[str], bool]] = [
        ("bare", "python -c pass", [py, "-c", "pass"], False),
        ("base", "base (for-each-ref + cat-file)", [py, "-c", BASELINE, str(repo)], False),
        ("help", "assemblee --help", [*tool, "--help"], False),
        ("status", "status", [*tool, "status", "--offline"], False),
        (
            "show-open",
            f"show {still_open} (ouverte)",
            [*tool, "show", str(still_open), "--offline"],
            False,
        ),
        ("show-decided", "show 1 (décidée)", [*tool, "show", "1", "--offline"], False),
        ("vote", "vote", [*tool, "vote", str(still_open), "d-accord", "--offline"], False),
        ("close-dry", "close --dry-run", [*tool, "close", "--dry-run", "--offline"], False),
        ("close", f"close ({size.due} échues)", [*tool, "close", "--offline"], True),
        ("verify", "verify", [*tool, "verify", "--offline"], False),
    ]
    results = []
    for key, name, argv, fresh in commands:
        result = measure(key, name, argv, repo, env, runs, scratch, fresh)
        results.append(result)
        if log:
            print(f"  {name}: {_cell(result)}", file=sys.stderr, flush=True)
    shutil.rmtree(repo, ignore_errors=True)
    return results, note, summary.commits


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _cell(result: Result) -> str:
    if result.missing:
        return "—"
    if result.error:
        return f"erreur : {result.error}"
    return f"{_seconds(result.median)} · {result.processes} git"


def table(size: Size, note: str, results: list[Result]) -> str:
    base = _get(results, "base").median or 0
    lines = [
        f"**{size.label}** ({note})",
        "",
        "| commande | médiane | CPU | × base | processus git |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.missing or r.error:
            cell = "—" if r.missing else f"erreur : {r.error}"
            lines.append(f"| {r.name} | {cell} | — | — | — |")
            continue
        ratio = f"{r.median / base:.1f}" if base and r.median is not None else "—"
        runs = "" if len(r.wall) > 1 else " (1 mesure)"
        lines.append(
            f"| {r.name} | {_seconds(r.median)}{runs} | {_seconds(r.cpu_median)} | {ratio} "
            f"| {r.processes} |"
        )
    return "\n".join(lines)


LABELS = {
    "bare": "python -c pass",
    "base": "base",
    "help": "--help",
    "status": "status",
    "show-open": "show (ouverte)",
    "show-decided": "show (décidée)",
    "vote": "vote",
    "close-dry": "close --dry-run",
    "close": "close",
    "verify": "verify",
}


def _get(results: list[Result], key: str) -> Result:
    return next(r for r in results if r.key == key)


def summary_table(all_results: list[tuple[Size, list[Result]]]) -> str:
    """Rows: commands; columns: sizes (décidées/ouvertes×avis/échues); cells: median, git
    processes."""
    head = " | ".join(f"{s.decided}/{s.open}×{s.votes}/{s.due}" for s, _ in all_results)
    lines = [f"| commande | {head} |", "|---|" + "---:|" * len(all_results)]
    for first in all_results[0][1]:
        cells = [_cell(_get(results, first.key)) for _s, results in all_results]
        lines.append(f"| {LABELS.get(first.key, first.name)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _verdict(ok: bool) -> str:
    return "atteint" if ok else "**manqué**"


def targets(size: Size, all_results: list[tuple[Size, list[Result]]]) -> str:
    results = all_results[-1][1]
    bare = _get(results, "bare").median or 0
    base = _get(results, "base").median or 0
    status = _get(results, "status").median or 0
    helper = _get(results, "help").median or 0
    close = _get(results, "close")
    lines = [f"Objectifs, sur la dernière taille ({size.label}) :"]
    ratio = status / base if base else float("inf")
    lines.append(
        f"- status {_seconds(status)} : {_verdict(status < 0.4)} (< 400 ms) ; "
        f"{ratio:.1f} × la base : {_verdict(ratio <= 3)} (≤ 3)"
    )
    lines.append(
        f"- --help {_seconds(helper)}, interpréteur nu {_seconds(bare)} : "
        f"{_verdict(helper - bare <= 0.1)} (écart ≤ 100 ms)"
    )
    if close.median is not None:
        lines.append(
            f"- close de {size.due} échues {_seconds(close.median)} : "
            f"{_verdict(close.median < 5)} (< 5 s pour 50)"
        )
    verify = [(s.commits, _get(res, "verify").median) for s, res in all_results]
    if all(seconds is not None for _c, seconds in verify):
        per = ", ".join(
            f"{seconds / commits * 1000:.1f} ms" for commits, seconds in verify if seconds
        )
        lines.append(f"- verify, par millier de commits de l'historique, à chaque taille : {per}")
    if len(all_results) > 1:
        grown = []
        for r in results[2:]:
            counts = [_get(res, r.key).processes for _s, res in all_results]
            known = [c for c in counts if c is not None]
            if len(set(known)) > 1:
                grown.append(f"{LABELS[r.key]} ({' → '.join(map(str, known))})")
        dues = " → ".join(str(s.due) for s, _r in all_results)
        lines.append(
            "- processus git constants quand le dépôt grandit : "
            + ("oui, pour chaque commande" if not grown else "non pour " + ", ".join(grown))
            + f" (propositions échues : {dues})"
        )
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
    """The web page at `size`: latencies of its pages and of a vote round trip."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    sys.path.insert(0, str(HERE))
    from generate import generate, sealed_env

    repo = scratch / "depot-web"
    summary = generate(repo, size.decided, size.open, size.votes, due=0)
    env = sealed_env(scratch / "home", summary.secretary_name, summary.secretary_email)
    env["ASSEMBLEE_NOW"] = summary.now
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
        pages = {"home": f"{url}/", "proposal": f"{url}/proposition/{number}"}

        def timed(action: object) -> float:
            start = time.perf_counter()
            status = action()  # type: ignore[operator]
            assert status in (200, 303), status
            return time.perf_counter() - start

        def get(page: str) -> int:
            return _fetch(page)[0]

        def vote_round_trip(index: int) -> int:
            link = links[index % len(links)]["lien"]
            status, html = _fetch(link)
            token = re.search(r'name="csrf" value="([^"]+)"', html)
            assert status == 200 and token, status
            choice = ("d-accord", "abstention", "pas-d-accord")[index % 3]
            return _fetch(link, {"csrf": token.group(1), "choix": choice})[0]

        rows: list[tuple[str, list[float]]] = []
        # The command line's `status` at the same moment: the page of the assembly reads the same.
        status = measure("status", "status", [*tool, "status", "--offline"], repo, env, 5, scratch)
        rows.append(("assemblee status (ligne de commande, pour comparer)", status.wall))
        for key, label in (
            ("home", "page de l'assemblée"),
            ("proposal", f"proposition n°{number}"),
        ):
            get(pages[key])  # warm-up
            rows.append(
                (f"{label}, seul", [timed(lambda p=pages[key]: get(p)) for _ in range(runs)])
            )
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
            with ThreadPoolExecutor(WEB_READERS) as pool:
                times = list(
                    pool.map(
                        lambda _i, p=pages[key]: timed(lambda: get(p)),
                        range(WEB_READERS * max(2, runs // 2)),
                    )
                )
            rows.append((f"{label}, {WEB_READERS} lecteurs à la fois", times))
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
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size",
        action="append",
        type=Size.parse,
        help="DECIDEES:OUVERTES:AVIS[:ECHUES], plusieurs fois (par défaut : "
        + ", ".join(DEFAULT_SIZES)
        + ")",
    )
    parser.add_argument("--runs", type=int, default=5, help="mesures par commande (médiane)")
    parser.add_argument("--markdown", action="store_true", help="tables seules, en markdown")
    parser.add_argument(
        "--web",
        action="store_true",
        help="mesurer la page web (assemblee serve) à la taille cible (ou --size) plutôt que "
        "les commandes",
    )
    args = parser.parse_args(argv)
    sizes = args.size or [Size.parse(s) for s in DEFAULT_SIZES]
    if args.web:
        with tempfile.TemporaryDirectory(prefix="assemblee-bench-") as folder:
            print(bench_web(sizes[-1], max(args.runs, 20), Path(folder)))
        return
    all_results: list[tuple[Size, list[Result]]] = []
    blocks = []
    with tempfile.TemporaryDirectory(prefix="assemblee-bench-") as folder:
        scratch = Path(folder)
        for size in sizes:
            results, note, commits = bench_size(size, args.runs, scratch, log=not args.markdown)
            size.commits = commits
            all_results.append((size, results))
            blocks.append(table(size, note, results))
    cpus = os.cpu_count()
    print(
        f"Python {sys.version.split()[0]}, {_git_version()}, {cpus} cœurs, "
        f"{args.runs} mesures par commande (médiane).\n"
    )
    print("\n\n".join(blocks))
    print()
    print(summary_table(all_results))
    print()
    print(targets(sizes[-1], all_results))


def _git_version() -> str:
    return subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
