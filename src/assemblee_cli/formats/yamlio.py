"""Strict YAML reading and stable YAML writing.

PyYAML speaks YAML 1.1, where `no` is False, `12:30` is 750 and `0755` is octal. The loader here
keeps only `true`/`false` as booleans, plain decimal integers and floats, and leaves everything
else (dates, times, `no`) a string, so files edited by hand mean what they say. It also records
the line of every key, so that validation errors can name it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml

from assemblee_cli.errors import AssembleeError

Path = tuple[str | int, ...]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-like implicit types."""


_StrictLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|false|True|False|TRUE|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", "-+0123456789"),
    ("tag:yaml.org,2002:float", r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)$", "-+0123456789."),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    _StrictLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    try:
        return int(str(loader.construct_scalar(node)))
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise yaml.constructor.ConstructorError(
            None, None, "nombre entier trop long", node.start_mark
        ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)

_LOADERS: tuple[type[Any], ...] = (_StrictLoader,)
if getattr(yaml, "__with_libyaml__", False):
    # The same resolvers and constructors (shared, not copied) on libyaml's parser, about ten
    # times faster: `status` parses every open proposal. Any input it refuses is parsed again
    # by _StrictLoader, so that errors keep their wording.
    class _FastStrictLoader(yaml.CSafeLoader):
        """_StrictLoader on libyaml's parser."""

    _FastStrictLoader.yaml_implicit_resolvers = _StrictLoader.yaml_implicit_resolvers
    _FastStrictLoader.yaml_constructors = _StrictLoader.yaml_constructors
    _LOADERS = (_FastStrictLoader, _StrictLoader)


class Document:
    """Parsed YAML data with the line (1-based) of every mapping key and sequence item. The
    lines are only worked out when an error needs one."""

    def __init__(
        self, data: Any, lines: dict[Path, int] | Callable[[], dict[Path, int]] | None = None
    ) -> None:
        self.data = data
        self._lines = lines if isinstance(lines, dict) else None
        self._find_lines = lines if callable(lines) else None

    @property
    def lines(self) -> dict[Path, int]:
        if self._lines is None:
            try:
                self._lines = self._find_lines() if self._find_lines else {}
            except (RecursionError, AssembleeError):
                self._lines = {}
        return self._lines

    def line(self, path: Path) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def _collect_lines(
    node: yaml.Node, path: Path, lines: dict[Path, int], seen: set[int] | None = None
) -> None:
    # Each node is visited once: an alias (`*a`) points back at its anchor's node, which may
    # contain the alias itself (`&a [*a]`) or be shared exponentially (« billion laughs »).
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _collect_lines(value_node, (*path, key), lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _collect_lines(item, (*path, index), lines, seen)


def _parse(loader_class: type[Any], text: str) -> tuple[Any, Any]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


class _NotPlain(Exception):
    """The text uses something the event reader leaves to PyYAML's constructor (an anchor, an
    alias, an explicit tag, a key that is not a scalar, several documents)."""


_PLAIN_TYPES: dict[str, Callable[[str], Any]] = {
    "tag:yaml.org,2002:bool": lambda value: value.lower() == "true",
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:null": lambda _value: None,
}


def _plain_scalar(value: str) -> Any:
    """A plain (unquoted) scalar, typed by the strict loader's resolvers."""
    for tag, pattern in _StrictLoader.yaml_implicit_resolvers.get(value[:1], ()):
        if pattern.match(value):
            return _PLAIN_TYPES[tag](value)
    return value


def _read_events(text: str) -> Any:
    """The data of a one-document YAML text, built straight from libyaml's parser events:
    the same result as the strict loader's constructor, without composing nodes (about three
    times faster; `verify` reads every version of every proposal file). Raises _NotPlain for
    what only the constructor handles, and PyYAML's errors for invalid text."""
    parser = yaml.CSafeLoader(text)
    try:
        events: Iterator[Any] = iter(parser.get_event, None)
        stack: list[Any] = []  # containers being filled; a dict's pending key beside it
        keys: list[Any] = []
        root: Any = None
        documents = 0
        done = False

        def add(value: Any) -> None:
            nonlocal root, done
            if not stack:
                root, done = value, True
                return
            top = stack[-1]
            if isinstance(top, list):
                top.append(value)
            elif keys[-1] is _NO_KEY:
                if isinstance(value, (dict, list)):
                    raise _NotPlain
                keys[-1] = value
            else:
                top[keys[-1]] = value
                keys[-1] = _NO_KEY

        for event in events:
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if event.anchor is not None or event.tag not in (None, "!"):
                    raise _NotPlain
                add(_plain_scalar(event.value) if event.implicit[0] else event.value)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.anchor is not None or event.tag not in (None, "!"):
                    raise _NotPlain
                if kind is yaml.MappingStartEvent:
                    stack.append({})
                    keys.append(_NO_KEY)
                else:
                    stack.append([])
                    keys.append(None)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                keys.pop()
                add(stack.pop())
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _NotPlain  # PyYAML's own words for « several documents »
            elif kind is yaml.AliasEvent:
                raise _NotPlain
            elif kind is yaml.StreamEndEvent:
                break
        return root if done else None
    finally:
        parser.dispose()


_NO_KEY = object()


def read_plain(text: str) -> Any:
    """_read_events's data: read line by line when the text is in the block style the tool
    writes (block_data), else from libyaml's events."""
    try:
        return block_data(text)
    except _NotPlain:
        return _read_events(text)


def load_yaml(text: str, source: str, line_offset: int = 0) -> Document:
    """Parse `text`; a syntax error becomes one French sentence naming `source` and the line."""
    if len(text) > 2_000_000:
        raise AssembleeError(f"{source} : fichier trop volumineux pour être lu.")
    if len(_LOADERS) > 1:
        try:
            data = read_plain(text)
        except Exception:  # said below, in the words of the strict loader
            pass
        else:
            return Document(data, lambda: load_yaml_slowly(text, source, line_offset).lines)
    return load_yaml_slowly(text, source, line_offset)


# A line that opens an entry of the top-level mapping (`key:` or `key: value`).
_TOP_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: |$)", re.M)
# A line that is not indented, an item, a comment or empty: it must open an entry.
_LINE_OPENING = re.compile(r"^[^ \-#\n]", re.M)


class Entries:
    """Parsed entries of top-level YAML mappings, by their text, for the `keys` whose text
    repeats from one document to the next (a proposal file's copy of the rules and roster):
    such an entry is parsed once, and whatever was worked out from its value (`checked`,
    keyed by the value's identity) is kept with it."""

    LIMIT = 256

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = frozenset(keys)
        self.values: dict[str, Any] = {}
        self._kept: dict[int, Any] = {}  # id -> a value parsed here (kept alive: ids stay)
        self._checked: dict[tuple[str, int], Any] = {}

    def checked_once(self, key: str, value: Any, check: Callable[[], Any]) -> Any:
        """check() of `value`, done once when the value is one parsed here (else each time)."""
        if self._kept.get(id(value)) is not value:
            return check()
        found = self._checked.get((key, id(value)), _NO_KEY)
        if found is _NO_KEY:
            found = check()
            self._checked[(key, id(value))] = found
        return found

    def value(self, key: str, text: str) -> Any:
        """The value of the entry `text` (one top-level key, `key`); raises _NotPlain when it
        is not exactly that."""
        found = self.values.get(text, _NO_KEY)
        if found is _NO_KEY:
            data = read_plain(text)
            if not isinstance(data, dict) or list(data) != [key]:
                raise _NotPlain
            found = data[key]
            if len(self.values) >= self.LIMIT:
                self.values.clear()
                self._kept.clear()
                self._checked.clear()
            self.values[text] = found
            self._kept[id(found)] = found
        return found


def top_entries(text: str) -> list[tuple[str, str]] | None:
    """The text of a top-level mapping cut into its entries, (key, text) in order (the lines
    before the first key, if any, under the key ""), when each entry starts with `key:` at
    the start of a line and every other line is indented, an item (`- `), a comment or
    empty; None for any other shape, or a key given twice."""
    starts: list[int] = []
    keys: list[str] = []
    for line in _LINE_OPENING.finditer(text):
        match = _TOP_KEY.match(text, line.start())
        if match is None:
            return None
        starts.append(line.start())
        keys.append(match.group(1))
    if len(set(keys)) != len(keys) or not starts:
        return None
    found = [("", text[: starts[0]])] if starts[0] else []
    bounds = [*starts, len(text)]
    found += [(key, text[bounds[i] : bounds[i + 1]]) for i, key in enumerate(keys)]
    return found


# A mapping's line: `key: value`, or `key:` (its value on the next lines, or null).
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: (.*))?")
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
# What a plain scalar read here may not start with: YAML's indicators, a space.
_NOT_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@` ")


def block_data(text: str) -> Any:
    """The data of a YAML text in the block style the tool writes (`dump_yaml`): mappings of
    `key: value` lines, sequences of `- ` items (also directly under their key), nested by
    indentation, each scalar on its line, plain or single-quoted, `[]` and `{}`. Read line by
    line: the data _read_events gives for that text, two to three times faster (`status` reads
    200 open files of 20 votes, `export` 2 000 decided files). Raises _NotPlain for any other
    text, or a line it does not read exactly as YAML does (a comment, a `: ` or a double quote
    in a value, an indicator first, a character that is not printable, a scalar on several
    lines...)."""
    rows = []
    for line in text.split("\n"):
        content = line.lstrip(" ")
        if content:  # a blank line: nothing in YAML's block style (a scalar here has one line)
            rows.append((len(line) - len(content), content))
    if not rows:
        raise _NotPlain
    reader = _Lines(rows)
    data = reader.block(0)
    if reader.pos != len(rows):  # a row none of the blocks read (deeper, odd...)
        raise _NotPlain
    return data


class _Lines:
    """block_data's reader: the rows (indentation, content) and where it is in them; each key
    and each scalar typed once (the same keys on every vote, and most values repeat). Each
    block reads the rows at its own indentation: a row deeper than expected (a scalar on
    several lines, an error) is read by none, and block_data refuses the text."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        self.rows = rows
        self.pos = 0
        self.names: dict[str, Any] = {}
        self.values: dict[str, Any] = {}

    def block(self, indent: int) -> Any:
        """The sequence or mapping whose rows start here, at `indent`."""
        if self.rows[self.pos][1].startswith("- "):
            return self.sequence(indent)
        return self.mapping(indent)

    def scalar(self, text: str) -> Any:
        if text == "[]":
            return []
        if text == "{}":
            return {}
        typed = self.values.get(text, _NO_KEY)
        if typed is _NO_KEY:
            typed = self.values[text] = _one_line_scalar(text)
        return typed

    def mapping(self, indent: int, match: re.Match[str] | None = None) -> dict[Any, Any]:
        """The mapping at `indent`; `match`, its first line when it follows a `- `."""
        rows, names = self.rows, self.names
        result: dict[Any, Any] = {}
        while True:
            if match is None:
                if self.pos == len(rows):
                    break
                at, content = rows[self.pos]
                match = _KEY_LINE.fullmatch(content) if at == indent else None
                if match is None:
                    break  # the parent's row, or one no block reads
                self.pos += 1
            name, value = match.groups()
            key = names.get(name, _NO_KEY)
            if key is _NO_KEY:
                key = names[name] = _plain_scalar(name)
            if value is not None:
                result[key] = self.scalar(value)
            elif self.pos == len(rows):
                result[key] = None
            else:
                at, below = rows[self.pos]
                if at > indent:
                    result[key] = self.block(at)
                elif at == indent and below.startswith("- "):
                    result[key] = self.sequence(indent)  # a sequence right under its key
                else:
                    result[key] = None
            match = None
        return result

    def sequence(self, indent: int) -> list[Any]:
        """The sequence whose `- ` items are at `indent`."""
        rows = self.rows
        result: list[Any] = []
        while self.pos < len(rows):
            at, content = rows[self.pos]
            if at != indent or not content.startswith("- "):
                break  # the parent's row, or one no block reads
            self.pos += 1
            rest = content[2:]
            first = _KEY_LINE.fullmatch(rest)
            result.append(self.scalar(rest) if first is None else self.mapping(indent + 2, first))
        return result


def _one_line_scalar(value: str) -> Any:
    """A scalar that fits on its line: single-quoted, or plain (typed as _read_events types
    it); _NotPlain for any other."""
    if not value or not value.isprintable():  # also every YAML line break other than \n
        raise _NotPlain
    if value[0] == "'":
        quoted = _QUOTED.fullmatch(value)
        if quoted is None:
            raise _NotPlain
        return quoted.group(1).replace("''", "'")
    if value[0] in _NOT_FIRST or value[-1] in " :" or ": " in value or "#" in value:
        raise _NotPlain
    return _plain_scalar(value)


def _read_entries(text: str, entries: Entries) -> Any:
    """The same data as _read_events of the whole text, for a text top_entries() can cut,
    with the entries of `entries.keys` parsed once each. The other entries are parsed
    together, and must give exactly their keys (a key line inside a quoted text would not).
    Raises _NotPlain for any other shape."""
    cut = top_entries(text)
    if cut is None:
        raise _NotPlain
    keys = [key for key, _text in cut if key]
    shared = {key: entries.value(key, part) for key, part in cut if key in entries.keys}
    rest = "".join(part for key, part in cut if key not in shared)
    others = read_plain(rest) if len(shared) < len(keys) else {}
    if not isinstance(others, dict) or list(others) != [k for k in keys if k not in shared]:
        raise _NotPlain
    return {key: shared[key] if key in shared else others[key] for key in keys}


def load_yaml_entries(
    text: str, source: str, entries: Entries | None, line_offset: int = 0
) -> Document:
    """load_yaml, with the repeated entries of a top-level mapping parsed once (`entries`)."""
    if entries is not None and len(_LOADERS) > 1 and len(text) <= 2_000_000:
        try:
            data = _read_entries(text, entries)
        except Exception:  # read again as a whole below
            pass
        else:
            return Document(data, lambda: load_yaml_slowly(text, source, line_offset).lines)
    return load_yaml(text, source, line_offset)


def _too_deep(source: str) -> AssembleeError:
    return AssembleeError(
        f"{source} : YAML invalide (imbrication trop profonde) ; corrigez le fichier."
    )


def load_yaml_slowly(text: str, source: str, line_offset: int = 0) -> Document:
    """load_yaml through PyYAML's composer and constructor (the lines of the keys at once)."""
    parsed: tuple[Any, Any] | None = None
    if len(_LOADERS) > 1:
        try:
            parsed = _parse(_LOADERS[0], text)
        except yaml.scanner.ScannerError as exc:
            if exc.problem == "exceeded maximum nesting depth":
                # Over libyaml's 1000 levels: the pure-Python parser runs out of recursion at
                # about 500 (the same sentence below), after seconds in its scanner, whose time
                # grows with the square of the depth. Said at once.
                raise _too_deep(source) from None
            parsed = None
        except Exception:  # said below, in the words of the pure-Python parser
            parsed = None
    try:
        node, data = parsed if parsed is not None else _parse(_StrictLoader, text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1 + line_offset
        raise AssembleeError(
            f"{source}, ligne {line} : caractère interdit (code {exc.character!r}) ; corrigez "
            "le fichier."
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", ligne {mark.line + 1 + line_offset}" if mark is not None else ""
        problem = exc.problem or exc.context or "syntaxe invalide"
        raise AssembleeError(
            f"{source}{where} : YAML invalide ({problem}) ; corrigez le fichier."
        ) from None
    except yaml.YAMLError as exc:
        raise AssembleeError(f"{source} : YAML invalide ({exc}) ; corrigez le fichier.") from None
    except RecursionError:
        raise _too_deep(source) from None

    def find_lines() -> dict[Path, int]:
        lines: dict[Path, int] = {}
        if node is not None:
            _collect_lines(node, (), lines)
        return {path: line + line_offset for path, line in lines.items()}

    return Document(data, find_lines)


class StableDumper(yaml.SafeDumper):
    """Block style, readable unicode, multi-line strings as literal blocks (public: the benchmark
    generator puts its representers on libyaml's emitter)."""


def _read_as_other_type(value: str) -> bool:
    """Would the strict loader read this plain scalar as a boolean, number or null? PyYAML's
    dumper quotes by YAML 1.1 rules, which miss some (`09`, `0189`: not 1.1 integers)."""
    resolvers = _StrictLoader.yaml_implicit_resolvers.get(value[:1], [])
    return any(pattern.match(value) for _tag, pattern in resolvers)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if _read_as_other_type(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


StableDumper.add_representer(str, _represent_str)


_DUMPERS: tuple[type[Any], ...] = (StableDumper,)
if getattr(yaml, "__with_libyaml__", False):
    # StableDumper's representers (shared, not copied) on libyaml's emitter, about ten times
    # faster than the pure-Python one: `close` writes a proposal file of a few hundred lines per
    # decision. Both emitters choose the same style for every scalar, but they write a few of
    # them differently (a long double-quoted string is folded elsewhere, a `|+` block at the
    # end of the document is followed by `...`, some characters are escaped by one only): data
    # holding such a string is dumped by the pure-Python emitter (_fast_emitter_safe), so the
    # output is byte-identical whichever emitter writes it.
    class _FastStableDumper(yaml.CSafeDumper):
        """StableDumper on libyaml's emitter."""

    _FastStableDumper.yaml_representers = StableDumper.yaml_representers
    _FastStableDumper.yaml_multi_representers = StableDumper.yaml_multi_representers
    _DUMPERS = (_FastStableDumper, StableDumper)

# Characters both emitters print as they are, in any scalar style: line feed, printable ASCII,
# and the printable Basic Multilingual Plane except the YAML 1.1 line and paragraph separators
# (U+2028, U+2029), the byte order mark and NEL (U+0085). Tabs, carriage returns, other control
# characters and characters beyond U+FFFF are escaped in double quotes, differently.
_PLAIN_TEXT = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")


def _fast_emitter_safe_text(text: str, key: bool) -> bool:
    """Does libyaml's emitter write `text` exactly as PyYAML's does? Yes when it is made of
    _PLAIN_TEXT and is written plain, single-quoted or as a `|`/`|-` literal block: an empty,
    long or multi-line key (a `?` complex key for PyYAML), a space before a line break or at the end of a multi-line text (no
    literal block then: double quotes), or a text ending with two line breaks or being only
    one (a `|+` block) all send it to the pure-Python emitter."""
    if _PLAIN_TEXT.fullmatch(text) is None:
        return False
    if key:
        return 0 < len(text) < 100 and "\n" not in text
    if "\n" not in text:
        return True
    if " \n" in text or text.endswith(" "):
        return False
    return not (text.endswith("\n") and (len(text) < 2 or text[-2] == "\n"))


def _fast_emitter_safe(data: Any, key: bool = False) -> bool:
    if isinstance(data, str):
        return _fast_emitter_safe_text(data, key)
    if isinstance(data, dict):
        return all(_fast_emitter_safe(k, True) and _fast_emitter_safe(v) for k, v in data.items())
    if isinstance(data, (list, tuple)):
        return all(_fast_emitter_safe(item) for item in data)
    return True


def dump_yaml(data: Any) -> str:
    """Dump with stable (insertion) key order; strings that look like other types are quoted.
    On libyaml's emitter when the output is the same as the pure-Python one's (see above)."""
    # A lone scalar (init's `nom:`) is tiny; the emitters end its document differently.
    fast = isinstance(data, (dict, list)) and _fast_emitter_safe(data)
    dumper = _DUMPERS[0] if fast else StableDumper
    return _dump_with(dumper, data)


def _dump_with(dumper: type[Any], data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
