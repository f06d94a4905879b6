"""benchmarks/browser_latency.py refuses bad arguments with exit code 2 and a readable message
(the measurement itself is tested in test_web_demo.py, on a built site)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import REPO

SCRIPT = REPO / "benchmarks" / "browser_latency.py"


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--site", "/nonexistent/site"], "is not a built site"),
        (["--backends", "metal"], "unknown backend"),
        (["--batches", "one"], "--batches must be whole numbers"),
        (["--batches", "0"], "between 1 and 1024"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(arguments, message):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *arguments], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_help_ends_with_runnable_examples():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    assert result.stdout.rstrip().endswith("--runs 20")
