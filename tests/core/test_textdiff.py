"""The word-by-word change of a text (core/textdiff), without git."""

from __future__ import annotations

from assemblee_cli.core.textdiff import (
    ADDED,
    REMOVED,
    changed_blocks,
    plain,
    touched_lines,
    word_diff,
)

LONG = "Les membres décident ensemble, par consentement, de tout ce qui engage l'assemblée. " * 4


def test_a_one_word_change_in_a_long_paragraph_shows_only_that_word():
    old = "# Titre\n\n" + LONG.strip() + "\n"
    new = old.replace("ensemble", "collectivement", 1)
    [block] = changed_blocks(old, new)
    assert (block.old_first, block.old_last) == (3, 3)
    text = plain(block.pieces)
    assert "[−ensemble,][+collectivement,]" in text
    assert text.count("[") == 2  # nothing else marked


def test_replaced_words_are_grouped_and_nothing_is_lost():
    pieces = word_diff("[à compléter]", "Confiance, ouverture et soin.")
    assert plain(pieces) == "[−[à compléter]][+Confiance, ouverture et soin.]"
    old, new = "a b c d", "a x y d"
    pieces = word_diff(old, new)
    assert "".join(p.text for p in pieces if p.kind != "added") == old
    assert "".join(p.text for p in pieces if p.kind != "removed") == new


def test_touched_lines_name_the_paragraphs_a_change_is_written_into():
    old = "# T\n\nun\n\ndeux\n\ntrois\n"
    assert touched_lines(old, old.replace("deux", "DEUX")) == {5}
    assert touched_lines(old, old.replace("deux\n", "deux\nencore\n")) == {5}
    assert touched_lines(old, old) == set()


def test_a_word_changed_twice_in_a_sentence_keeps_the_rest() -> None:
    old = "Le conseil se réunit chaque mois, le jeudi."
    new = "Le conseil se réunit chaque semaine, le mardi."
    pieces = word_diff(old, new)
    assert [p.text for p in pieces if p.kind == REMOVED] == ["mois,", "jeudi."]
    assert [p.text for p in pieces if p.kind == ADDED] == ["semaine,", "mardi."]
    # Old and new text can always be read back from the pieces.
    assert "".join(p.text for p in pieces if p.kind != ADDED) == old
    assert "".join(p.text for p in pieces if p.kind != REMOVED) == new
