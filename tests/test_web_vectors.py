"""The JavaScript latent math is held to core/latent.py by web_demo/test/vectors.json: the
committed file must be what Python computes now, and Node's tests check JavaScript against it."""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import subprocess

import pytest

from tests.support import REPO

WEB_TEST = REPO / "web_demo" / "test"


def _make_vectors_module():
    spec = importlib.util.spec_from_file_location("make_vectors", WEB_TEST / "make_vectors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Floats from BLAS (the atlas planes' orthonormal axes) differ in the last bits between CPUs;
# a stale file differs by far more. Integers (seeds, mulberry32 draws, sizes) and strings are exact.
RELATIVE_TOLERANCE = 1e-9


def differences(committed, expected, where: str = "") -> list[str]:
    """The places where ``committed`` differs from ``expected``: floats beyond the tolerance,
    anything else at all."""
    if isinstance(expected, dict) and isinstance(committed, dict):
        if committed.keys() != expected.keys():
            return [f"{where or '/'}: keys {sorted(committed)} != {sorted(expected)}"]
        return [
            d
            for key in expected
            for d in differences(committed[key], expected[key], f"{where}/{key}")
        ]
    if isinstance(expected, list) and isinstance(committed, list):
        if len(committed) != len(expected):
            return [f"{where}: {len(committed)} items != {len(expected)}"]
        return [
            d
            for index, (a, b) in enumerate(zip(committed, expected, strict=True))
            for d in differences(a, b, f"{where}[{index}]")
        ]
    if isinstance(expected, float) and isinstance(committed, (int, float)):
        if not math.isclose(committed, expected, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12):
            return [f"{where}: {committed!r} != {expected!r}"]
        return []
    return (
        []
        if committed == expected and type(committed) is type(expected)
        else [f"{where}: {committed!r} != {expected!r}"]
    )


def test_committed_vectors_are_what_python_computes_now():
    committed = json.loads((WEB_TEST / "vectors.json").read_text())
    expected = json.loads(json.dumps(_make_vectors_module().build_vectors()))
    stale = differences(committed, expected)
    assert not stale, (
        f"web_demo/test/vectors.json is stale in {len(stale)} places, e.g. {stale[:3]}: run "
        ".venv/bin/python web_demo/test/make_vectors.py"
    )


def test_last_bit_float_differences_are_not_stale_but_real_changes_are():
    # What another CPU's BLAS gives (the 52 values of the failing run differed by <= 1.4e-15).
    assert differences({"a": [0.12281100414871034]}, {"a": [0.12281100414871035]}) == []
    assert differences({"a": [0.1228]}, {"a": [0.1229]})
    assert differences({"seed": 42}, {"seed": 43})
    assert differences({"a": [1, 2]}, {"a": [1, 2, 3]})
    assert differences({"mode": "lerp"}, {"mode": "slerp"})


def test_vectors_hold_the_issue_cases():
    vectors = json.loads((WEB_TEST / "vectors.json").read_text())
    seeds = {case["seed"] for case in vectors["latents"]}
    assert {0, 1, 42, 4294967295} <= seeds
    assert {case["mode"] for case in vectors["walks"]} == {"lerp", "slerp"}
    assert vectors["path_distances"] and vectors["jumps"] and vectors["parse_seeds_errors"]


@pytest.mark.skipif(shutil.which("npm") is None, reason="Node.js (npm) is not installed")
def test_javascript_twin_passes_its_node_tests():
    """The web demo's `npm test` (Node's test runner on web_demo/test/); `make test` runs it
    here only."""
    result = subprocess.run(
        ["npm", "test", "--silent"],
        cwd=REPO / "web_demo",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
