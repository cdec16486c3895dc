"""The type stub of learnrec._core is generated from the bindings and kept current."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "stubs.py"
STUB = ROOT / "bindings" / "python" / "learnrec" / "_core.pyi"

needs_stubgen = pytest.mark.skipif(
    importlib.util.find_spec("pybind11_stubgen") is None,
    reason="pybind11-stubgen is not installed (pip install '.[test]')",
)


def test_the_committed_stub_is_valid_python():
    ast.parse(STUB.read_text(), filename=str(STUB))


@needs_stubgen
def test_the_committed_stub_is_what_the_built_module_generates():
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
