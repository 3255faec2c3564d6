"""The pieces of the web page without a server: tokens and the word-by-word change."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from assemblee_cli.usecases.links import BadToken, Signer, UsedNonces, load_secret
from assemblee_cli.web.app import accepts_gzip

NOW = 1_800_000_000.0


def test_a_link_is_bound_to_its_member_and_its_expiry() -> None:
    signer = Signer(b"secret")
    token = signer.member_token("Bob@Exemple.org ", NOW + 60)
    assert signer.member_of(token, NOW) == "bob@exemple.org"
    with pytest.raises(BadToken):
        signer.member_of(token, NOW + 61)  # expired
    with pytest.raises(BadToken):
        Signer(b"rotated").member_of(token, NOW)  # the secret changed
    v, who, until, signature = token.split(".")
    for forged in (
        f"{v}.{who}.{int(until) + 1}.{signature}",
        f"{v}.Y2Fyb2xAZXhlbXBsZS5vcmc.{until}.{signature}",
        f"v2.{who}.{until}.{signature}",
        f"{v}.{who}.{until}.{signature[:-1]}",
        "",
        "." * 5,
    ):
        with pytest.raises(BadToken):
            signer.member_of(forged, NOW)


def test_a_form_token_is_for_one_member_one_form_and_one_use() -> None:
    signer, used = Signer(b"secret"), UsedNonces()
    token = signer.form_token("bob@exemple.org", "vote-1", NOW)
    for member, form in (("dave@exemple.org", "vote-1"), ("bob@exemple.org", "vote-2")):
        with pytest.raises(BadToken):
            signer.check_form(token, member, form, used, NOW)
    with pytest.raises(BadToken):
        signer.check_form(token, "bob@exemple.org", "vote-1", used, NOW + 7 * 3600)  # too old
    signer.check_form(token, "bob@exemple.org", "vote-1", used, NOW)
    with pytest.raises(BadToken):
        signer.check_form(token, "bob@exemple.org", "vote-1", used, NOW)  # replayed


def test_the_secret_is_made_once_private_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSEMBLEE_WEB_SECRET", raising=False)
    first = load_secret(tmp_path / "assemblee")
    assert load_secret(tmp_path / "assemblee") == first and len(first) >= 48
    path = tmp_path / "assemblee" / "web-secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    monkeypatch.setenv("ASSEMBLEE_WEB_SECRET", "depuis-l-environnement")
    assert load_secret(tmp_path) == b"depuis-l-environnement"


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip, deflate, br", True),  # what Chromium sends
        ("GZIP", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip;q=0.000", False),
        ("gzip;q=abc", False),
        ("identity", False),
        ("deflate, br", False),
        ("", False),
        ("x-gzip", False),
    ],
)
def test_a_public_page_is_compressed_only_for_whom_accepts_gzip(
    header: str, accepted: bool
) -> None:
    assert accepts_gzip(header) is accepted
