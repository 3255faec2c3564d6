"""Fixtures of the integrity tests. The shared ones (sealed_env, assembly, copy_of…) come from
tests/conftest.py."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import TIMEOUT


@pytest.fixture(scope="package", autouse=True)
def bounded_subprocesses() -> Iterator[None]:
    """Every subprocess.run of this package (the shared helpers' included) gives up after
    TIMEOUT seconds instead of hanging the suite: a stuck push or a lock fails one test."""
    original = subprocess.run

    def run(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT)
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess, "run", run)
        yield


@pytest.fixture()
def copy_template(sealed_env: Path, tmp_path: Path, copy_of: Any) -> Callable[[Path, str], Any]:
    """`copy_template(template, label)`: a fresh Assembly copied from a module's template
    folder, run in the sealed environment of the test."""

    def make(template: Path, label: str = "assembly") -> Any:
        return copy_of(template, tmp_path / label)

    return make
