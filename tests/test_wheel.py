"""The built wheel, installed into a fresh virtual environment and used from outside the
checkout: the `latentwalk` command trains, evaluates and exports, and nothing is imported from
the source tree.

The fresh environment gets the wheel alone (``--no-deps``); its dependencies come from the
project's own environment through a path entry (a ``.pth`` file), so the test needs no network
and takes seconds to set up. That entry is a plain folder on ``sys.path``: the editable install
living there is not activated, so a module found in the checkout would be a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support import REPO

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A virtual environment with the wheel built from this checkout; returns its bin/."""
    root = tmp_path_factory.mktemp("wheel")
    # Built from a copy of what the wheel is made of: setuptools leaves a build/ folder behind,
    # and a stale one in the checkout would slip old files into later wheels.
    source = root / "source"
    skip = shutil.ignore_patterns("node_modules", "test", "__pycache__", "*.egg-info", "build")
    # The checkout is the package (package-dir "latentwalk" = "."): its top modules and the
    # folders of its subpackages.
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"latentwalk": "."}
    folders = {name.split(".")[1] for name in setuptools["packages"] if "." in name}
    for name in folders:
        shutil.copytree(REPO / name, source / name, ignore=skip)
    for path in [*REPO.glob("*.py"), REPO / "pyproject.toml", REPO / "README.md"]:
        shutil.copy2(path, source / path.name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(root / "dist"), str(source)],
        check=True, cwd=root, capture_output=True,
    )  # fmt: skip
    (wheel,) = (root / "dist").glob("latentwalk-*.whl")
    env_dir = root / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    bin_dir = env_dir / "bin"
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    # The dependencies: this environment's site-packages as a plain path entry (see above).
    purelib = subprocess.run(
        [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "project-dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    return bin_dir


def run(bin_dir: Path, cwd: Path, *args: str, env: dict | None = None):
    result = subprocess.run(
        [str(bin_dir / "latentwalk"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {}), "PYTHONPATH": ""},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_the_wheel_holds_one_package_and_the_page(installed, tmp_path):
    python = installed / "python"
    where = subprocess.run(
        [str(python), "-c",
         "import latentwalk, latentwalk.core.latent as m, latentwalk.export.site as s; "
         "print(m.__file__); print(s.WEB_DEMO)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    module, web_demo = (Path(p) for p in where)
    assert "site-packages" in module.parts and REPO not in module.parents
    assert (web_demo / "index.html").exists() and (web_demo / "js" / "engine_worker.js").exists()
    # No generic top-level packages: `train` is not importable from the wheel's environment.
    generic = subprocess.run(
        [str(python), "-c", "import train"], cwd=tmp_path, capture_output=True, text=True
    )
    assert generic.returncode != 0 and "No module named 'train'" in generic.stderr


def test_latentwalk_trains_evaluates_and_exports_outside_the_checkout(
    installed, tmp_path, tiny_npz, two_class_npz, tiny_judge
):
    assert "commands:" in run(installed, tmp_path, "--help").stdout
    run(installed, tmp_path, "train", "gan", "--preset", "tiny", "--data", str(tiny_npz),
        "--class", "all", "--steps", "4", "--out", "run")  # fmt: skip
    assert (tmp_path / "run" / "generator.keras").exists()
    # The judge is the session's (made by the same `train judge` code, in the test process).
    run(installed, tmp_path, "train", "evaluate", "run", "--judge", str(tiny_judge), "--data",
        str(two_class_npz), "--class", "0", "--samples", "32", "--json", "quality.json")  # fmt: skip
    result = json.loads((tmp_path / "quality.json").read_text())["models"][0]
    assert result["samples"] == 32
    # Export needs the page's TensorFlow.js, which the wheel does not carry: found through
    # LATENTWALK_NODE_MODULES (here, the checkout's npm install).
    modules = {"LATENTWALK_NODE_MODULES": str(REPO / "web_demo" / "node_modules")}
    run(installed, tmp_path, "export", "run", "--out", "export", env=modules)
    manifest = json.loads((tmp_path / "export" / "generator" / "manifest.json").read_text())
    assert manifest["parity"]["max_abs_diff"] <= manifest["parity"]["threshold"]
    run(installed, tmp_path, "site", "--gan", "export", "--out", "site", env=modules)
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "vendor" / "tf-core.es2017.min.js").exists()
