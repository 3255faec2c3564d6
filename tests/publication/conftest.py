"""Fixtures of the publication tests: one assembly built once per session, copied when a test
writes to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from publication_scenario import Scene, build, copy


@pytest.fixture(scope="session")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    """The built assembly: read-only commands only."""
    return build(tmp_path_factory.mktemp("publication") / "assemblee")


@pytest.fixture()
def fresh(scene: Scene, tmp_path: Path) -> Scene:
    """A private copy of the assembly, for tests that write."""
    return copy(scene, tmp_path / "copie")
