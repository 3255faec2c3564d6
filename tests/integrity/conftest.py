"""Fixtures of the integrity tests. The shared ones (sealed_env, assembly, story_template,
copy_template…) come from tests/conftest.py."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from tests.helpers import TIMEOUT


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
