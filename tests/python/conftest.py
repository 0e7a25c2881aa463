"""Shared fixtures of the Python suite: where the weightport binary and the fixtures are."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def weightport_bin():
    """The CLI under test: $WEIGHTPORT_BIN (set by `make pytest`), else the debug build."""
    path = os.environ.get("WEIGHTPORT_BIN") or str(ROOT / ".build" / "debug" / "weightport")
    if not pathlib.Path(path).exists():
        pytest.fail(f"weightport binary not found at {path}; run `make pytest`")
    return path


@pytest.fixture
def run(weightport_bin):
    """Runs `weightport ARGS…`; returns the CompletedProcess (text mode)."""
    def _run(*args, check=True):
        result = subprocess.run([weightport_bin, *map(str, args)], capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"weightport {' '.join(map(str, args))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result
    return _run
