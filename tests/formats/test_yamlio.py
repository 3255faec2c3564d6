"""Stable YAML writing: libyaml's emitter (fast) writes byte for byte what PyYAML's pure-Python
emitter writes, for every value dump_yaml gives it; the rest goes to the pure-Python one."""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assemblee_cli.errors import AssembleeError
from assemblee_cli.formats import yamlio
from assemblee_cli.formats.yamlio import StableDumper, dump_yaml, load_yaml

pytestmark = pytest.mark.skipif(
    not getattr(yaml, "__with_libyaml__", False), reason="PyYAML built without libyaml"
)

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text a member types (French, punctuation that YAML cares about, line breaks, spaces where
# they change the scalar style), and characters the two emitters escape differently.
ORDINARY = list("abcdefghij ABC  0123456789:#-'\"?!*&%@`{}[],|>~=.\n\n") + list(
    "éèàçœ«»’—…\xa0\u200b"
)
EXOTIC = ["\t", "\r", "\x85", "\u2028", "\u2029", "\ufeff", "\x00", "\x07", "😀", "\x7f", "\ufffd"]
TRICKY = [
    "", " a", "a ", "- a", "a\n", "\na", "a \nb", "a\n b", "a\n\n", "a\n\n\n", "\n", "\n\n",
    "no", "yes", "09", "0189", "12:30", "2026-01-01", "~", "null", "1e3", "# x", "a: b", "'",
    "x" * 99, "mot " * 40, "mot\n" * 30, "« " + "très long texte " * 12 + "»",
]  # fmt: skip


def pure_python(data: Any) -> str:
    """The reference: StableDumper, PyYAML's own emitter."""
    return yamlio._dump_with(StableDumper, data)


def fast(data: Any) -> str:
    return yamlio._dump_with(yamlio._DUMPERS[0], data)


def _random_data(rng: random.Random, depth: int = 0) -> Any:
    def text() -> str:
        if rng.random() < 0.15:
            return rng.choice(TRICKY)
        alphabet = ORDINARY + (EXOTIC if rng.random() < 0.2 else [])
        size = rng.choice([0, 1, 2, 5, 20, 80, 99, 100, 101, 150, 300])
        return "".join(rng.choices(alphabet, k=size))

    kind = rng.random()
    if depth > 2 or kind < 0.5:
        return text() if rng.random() < 0.7 else rng.choice([1, -5, 0, True, False, None, 3.5])
    if kind < 0.75:
        return [_random_data(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = [text()[:12] or "k" for _ in range(rng.randint(0, 4))]
    return {key: _random_data(rng, depth + 1) for key in keys}


def test_dump_is_the_pure_python_output_on_thousands_of_random_documents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # PyYAML's pure-Python emitter is deterministic and slow (most of this test's time): when
    # dump_yaml hands this very document to it, the reference it just wrote is its answer, so
    # that each document goes through it once. What dump_yaml writes is still compared with
    # the reference, whichever emitter it chose.
    written: dict[int, tuple[Any, str]] = {}
    emit = yamlio._dump_with

    def dump_with(dumper: type[Any], data: Any) -> str:
        if dumper is StableDumper and id(data) in written and written[id(data)][0] is data:
            return written[id(data)][1]
        return emit(dumper, data)

    monkeypatch.setattr(yamlio, "_dump_with", dump_with)
    rng = random.Random(14)
    fast_path = 0
    for _ in range(4000):
        data = {"titre": _random_data(rng), "x": _random_data(rng), "l": [_random_data(rng)]}
        expected = pure_python(data)
        written = {id(data): (data, expected)}
        assert dump_yaml(data) == expected, data
        if yamlio._fast_emitter_safe(data):
            fast_path += 1
            assert fast(data) == expected, data
    # the fast emitter's equality was checked on many of them, not on none
    assert fast_path > 400


_TEXT = st.text(
    alphabet=st.sampled_from(ORDINARY + EXOTIC) | st.characters(codec="utf-8"), max_size=160
)
_DATA = st.recursive(
    _TEXT | st.sampled_from(TRICKY) | st.integers() | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


@FAST
@given(_DATA)
def test_dump_is_the_pure_python_output_on_any_data(data: Any) -> None:
    document = {"cle": data}
    expected = pure_python(document)
    assert dump_yaml(document) == expected
    if yamlio._fast_emitter_safe(document):
        assert fast(document) == expected


@pytest.mark.parametrize("value", TRICKY + EXOTIC + ["Réunion du 12 mars", 7, None, True])
def test_a_lone_scalar_is_dumped_the_same(value: Any) -> None:
    """init writes the assembly's name as `nom: <dump of the name>`."""
    assert dump_yaml(value) == pure_python(value)


def test_the_texts_of_a_proposal_take_the_fast_path() -> None:
    """Ordinary French text, with quotes, colons, line breaks and long lines, is written by
    libyaml's emitter (otherwise the speed-up would be on paper only)."""
    data = {
        "titre": "Charte d'accueil : « nouveaux membres » — 2ᵉ version",
        "description": "Premier paragraphe.\n\nSecond : avec # et « guillemets ».\n",
        "raison": "Il faut d'abord en parler en réunion. " * 6,
        "votes": [
            {"membre": "émilie@exemple.org", "avis": "d-accord", "le": "2026-11-24T09:00:00Z"}
        ],
    }
    assert yamlio._fast_emitter_safe(data)
    assert dump_yaml(data) == pure_python(data)
    assert load_yaml(dump_yaml(data), "test").data == data


@pytest.mark.parametrize(
    "text",
    [
        "tab\there",
        "fin de ligne \nsuite",
        "deux lignes\nfinies par un espace ",
        "a\n\n",
        "\n",
        "😀",
    ],
)
def test_texts_the_emitters_write_differently_take_the_pure_python_path(text: str) -> None:
    assert not yamlio._fast_emitter_safe({"cle": text})
    assert dump_yaml({"cle": text}) == pure_python({"cle": text})


@pytest.mark.parametrize(
    "text", ["[" * 3000 + "]" * 3000, "{a: " * 1001 + "}" * 1001, "- " * 1001 + "x"]
)
def test_a_text_nested_deeper_than_libyaml_reads_is_refused_at_once(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over libyaml's 1000 levels the pure-Python parser is not asked: its scanner would take
    seconds on the first text (its time grows with the square of the depth) to say what the
    tool says at once. It says the same, on the texts it reads quickly."""
    said = "f.yml : YAML invalide (imbrication trop profonde) ; corrigez le fichier."
    if not text.startswith("["):
        with monkeypatch.context() as patch:
            patch.setattr(yamlio, "_LOADERS", (yamlio._StrictLoader,))
            with pytest.raises(AssembleeError) as slow:
                load_yaml(text, "f.yml")
        assert slow.value.message == said

    def slow_parse(loader: type[Any], text: str) -> Any:
        assert loader is not yamlio._StrictLoader, "le lecteur lent a été appelé"
        return parse(loader, text)

    parse = yamlio._parse
    monkeypatch.setattr(yamlio, "_parse", slow_parse)
    with pytest.raises(AssembleeError) as error:
        load_yaml(text, "f.yml")
    assert error.value.message == said


# -- the block style read line by line (block_data) --------------------------------------------

# Values as a member or a hand edit may write them: YAML's indicators at the start, inside and
# at the end, quotes, comments, spaces, words YAML 1.1 types, characters that are no text.
VALUE_PIECES = [
    "a", "d-accord", "1", "-1", "1.5", ".5", "true", "False", "no", "null", "~", "12:30", "0x1f",
    "'", "''", "\"", ":", ": ", " :", "#", " #", "- ", "? ", "!", "&a", "*a", "|", ">", "%",
    "@", "`", "[", "]", "{", "}", "[]", "{}", ",", " ", "  ", "é", "«", "’", "\t", "\r", "\x85",
    "\u2028", "\xa0", "\ufeff", "\x07", "😀", "x@exemple.org", "'2026-11-10T09:00:00Z'",
]  # fmt: skip
KEYS = ["membre", "choix", "tour", "date", "raison", "d-accord", "true", "null", "on", "_x", "k1"]
ORDINARY_VALUES = [
    "zoe@exemple.org", "d-accord", "1", "'2026-11-10T15:51:22Z'", "da39a3ee5e6b", "web",
    "Il faut d'abord en parler en réunion.", "'Non : trop tôt.'", "'#3'", "[]", "null",
]  # fmt: skip
# Rows of another shape, put anywhere: a comment, a blank line, a deeper or shallower row, a
# nested sequence, a lone dash, a key without its space, a tab.
ODD_ROWS = ["# note", "", "   ", "  - x: y", "   raison: suite", "- ", "-", "cle:valeur",
            "\tcle: v", "    suite", "- - a", "---", "..."]  # fmt: skip


@st.composite
def hand_written(draw: st.DrawFn) -> str:
    """A document in the tool's block style written by hand: a mapping with a scalar, a nested
    mapping and a sequence of mappings (`votes:`), ordinary values and, in one text in two,
    one made of the pieces above, sometimes an odd row anywhere (so that a good share of the
    texts is read by block_data, and a good share not)."""
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))  # rows per vote
    tricky = draw(st.integers(0, 2 * (sum(shape) + 3)))  # one value in two texts
    values = iter(range(sum(shape) + 3))

    def value() -> str:
        if next(values) == tricky:
            return "".join(draw(st.lists(st.sampled_from(VALUE_PIECES), max_size=4)))
        return draw(st.sampled_from(ORDINARY_VALUES))

    lines = [f"id: {value()}", "auteur:", f"  nom: {value()}", f"  email: {value()}", "votes:"]
    for fields in shape:
        for index in range(fields):
            lines.append(f"{'- ' if index == 0 else '  '}{draw(st.sampled_from(KEYS))}: {value()}")
    lines.append("fin:")
    if draw(st.integers(0, 3)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(ODD_ROWS)))
    return "\n".join(lines) + ("\n" if draw(st.booleans()) else "")


def _events_or_error(text: str) -> Any:
    try:
        return yamlio._read_events(text)
    except Exception as exc:  # any refusal: block_data must refuse it too
        return exc


def _same_as_libyaml(text: str) -> bool:
    """Whether block_data read `text` (then asserted equal to libyaml's events)."""
    try:
        fast_data = yamlio.block_data(text)
    except yamlio._NotPlain:
        return False
    assert _events_or_error(text) == fast_data, text
    return True


@settings(max_examples=1000, deadline=None)
@given(hand_written())
def test_a_hand_written_text_read_line_by_line_is_what_libyaml_reads(text: str) -> None:
    """block_data answers only for texts libyaml reads, and then with the same data (types,
    quotes, spaces, nulls, repeated keys included); for any other text it steps aside."""
    _same_as_libyaml(text)


@FAST
@given(st.randoms(use_true_random=False))
def test_what_the_tool_writes_is_read_line_by_line_as_libyaml_reads_it(
    rng: random.Random,
) -> None:
    """What dump_yaml writes for random nested data (the texts above, exotic characters, lists
    of lists, empty containers...): block_data reads it as libyaml does, or steps aside."""
    _same_as_libyaml(dump_yaml({"cle": _random_data(rng), "autre": _random_data(rng)}))


def test_the_texts_the_tool_writes_are_mostly_read_line_by_line() -> None:
    """The proportions that make the tests above mean something: of the random dumps, and
    of the hand-written texts, a good share is read line by line and a good share is not."""
    rng = random.Random(7)
    dumps = [dump_yaml({"cle": _random_data(rng)}) for _ in range(400)]
    read = sum(_same_as_libyaml(text) for text in dumps)
    assert 0.3 * len(dumps) < read < 0.95 * len(dumps), read


def test_a_proposal_file_the_tool_writes_is_read_line_by_line() -> None:
    """Ordinary votes, a round with its tally, the rules and roster: read line by line, and
    the data is libyaml's."""
    items = [
        {"membre": "zoe@exemple.org", "choix": "d-accord", "tour": 1,
         "date": "2026-11-10T15:51:22Z", "version_texte": "da39a3ee5e6b"},
        {"membre": "hugo@exemple.org", "choix": "blocage", "tour": 2,
         "date": "2026-11-11T05:34:08Z", "version_texte": "0a1b2c3d4e5f",
         "raison": "Il faut d'abord en parler : en réunion.", "origine": "web"},
    ]  # fmt: skip
    data = {
        "id": 7,
        "titre": "Charte d'accueil : « nouveaux membres »",
        "auteur": {"nom": "Zoé", "email": "zoe@exemple.org"},
        "fichiers": [],
        "tours": [{"numero": 1, "resultat": "adoptee", "decompte": {"d-accord": 2, "blocage": 0}}],
        "votes": items,
        "membres": ["zoe@exemple.org", "hugo@exemple.org"],
        "regles": {"reunions": {"annulees": [], "heure": "19:00"}, "quorum": None},
        "conteste": None,
    }
    text = dump_yaml(data)
    assert yamlio.block_data(text) == data == yamlio._read_events(text)
    refused = ["votes: [a]\n", "votes:\n- membre: a\n  raison: >\n    texte\n", "- - a\n"]
    # Values YAML reads otherwise than as they are written, or refuses.
    refused += [f"raison: {v}\n" for v in ("a #b", "a: b", "a:", "a ", "'a'b", "-a", '"a"')]
    refused += ["a: b\n  c\n", "a:\n  - b\n  c: d\n", "  a: b\n", "a: b\n# fin\n"]
    for other in refused:
        with pytest.raises(yamlio._NotPlain):
            yamlio.block_data(other)
