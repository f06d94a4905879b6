"""The JavaScript latent math is held to train/latent.py by web_demo/test/vectors.json: the
committed file must be what Python computes now, and Node's tests check JavaScript against it."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WEB_TEST = REPO / "web_demo" / "test"


def _make_vectors_module():
    spec = importlib.util.spec_from_file_location("make_vectors", WEB_TEST / "make_vectors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_vectors_are_what_python_computes_now():
    committed = json.loads((WEB_TEST / "vectors.json").read_text())
    # Through JSON, so floats compare exactly as they were written.
    expected = json.loads(json.dumps(_make_vectors_module().build_vectors()))
    stale = sorted(key for key in expected if committed.get(key) != expected[key])
    assert not stale, (
        f"web_demo/test/vectors.json is stale in {stale}: run "
        ".venv/bin/python web_demo/test/make_vectors.py"
    )


def test_vectors_hold_the_issue_cases():
    vectors = json.loads((WEB_TEST / "vectors.json").read_text())
    seeds = {case["seed"] for case in vectors["latents"]}
    assert {0, 1, 42, 4294967295} <= seeds
    assert {case["mode"] for case in vectors["walks"]} == {"lerp", "slerp"}
    assert vectors["path_distances"] and vectors["jumps"] and vectors["parse_seeds_errors"]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_javascript_twin_passes_its_node_tests():
    result = subprocess.run(
        ["node", "--test", "test/"],
        cwd=REPO / "web_demo",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
