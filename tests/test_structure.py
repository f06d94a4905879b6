"""The house's shape: each module has one name, and the folders depend one way.

The checkout is the package `latentwalk` (pyproject.toml's package-dir maps it onto "."): core/
at the bottom; train/, export/ and streamlit_app/ on it and on nothing of each other; the
`latentwalk` command (cli.py, at the top of the checkout) on top. Read from the code's own
imports, relative ones resolved against the folders, as a structure tool reads them.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys

from support import REPO

# What each folder may import from the project's other folders ("latentwalk": the package's own
# modules at the top of the checkout, the command).
ALLOWED = {
    "core": set(),
    "train": {"core"},
    "export": {"core"},
    "streamlit_app": {"core"},
    "latentwalk": {"core", "train", "export", "streamlit_app"},
}
PACKAGES = ("core", "train", "export", "streamlit_app")
TOP = ("__init__.py", "__main__.py", "cli.py")  # the package's modules beside pyproject.toml


def _files(folder: str) -> list:
    if folder == "latentwalk":
        return [REPO / name for name in TOP]
    return sorted((REPO / folder).rglob("*.py"))


def test_the_top_of_the_checkout_holds_only_the_packages_own_modules():
    """Every .py file at the top is part of the package: a stray script there would ship."""
    assert sorted(path.name for path in REPO.glob("*.py")) == sorted(TOP)


def _folder_imports() -> dict[tuple[str, str], set[str]]:
    """(folder, imported folder) -> the files that make that import."""
    found: dict[tuple[str, str], set[str]] = {}
    for folder in ALLOWED:
        for path in _files(folder):
            rel = path.relative_to(REPO)
            package = ["latentwalk", *rel.parent.parts]
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.level:
                    base = package[: len(package) - node.level + 1]
                    names = [".".join([*base, *([node.module] if node.module else [])])]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                for name in names:
                    parts = name.split(".")
                    if parts[0] != "latentwalk":
                        assert parts[0] not in ALLOWED, f"{rel} imports {name} by a second name"
                        continue
                    target = parts[1] if len(parts) > 1 and parts[1] in ALLOWED else "latentwalk"
                    if target != folder:
                        found.setdefault((folder, target), set()).add(str(rel))
    return found


def test_folders_depend_one_way():
    found = _folder_imports()
    wrong = {f"{a} -> {b}": sorted(files) for (a, b), files in found.items() if b not in ALLOWED[a]}
    assert not wrong, wrong
    # The reader is real: it sees the arrows that are there.
    assert ("train", "core") in found and ("latentwalk", "train") in found


# Run as scripts (`python -m train`, `streamlit run streamlit_app/app.py`), these have no parent
# package to be relative to, so they import the package by its name.
ENTRY_SCRIPTS = {"train/__main__.py", "export/__main__.py", "streamlit_app/app.py"}


def test_every_import_inside_the_package_is_relative():
    """An absolute `latentwalk.x` import inside the package only resolves through the installed
    mapping, which static readers do not know; a relative one names the folder itself."""
    absolute = [
        f"{path.relative_to(REPO)}: {name}"
        for folder in ALLOWED
        for path in _files(folder)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom | ast.Import)
        for name in (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom) and not node.level
            else [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        if name.split(".")[0] == "latentwalk"
        and path.relative_to(REPO).as_posix() not in ENTRY_SCRIPTS
    ]
    assert absolute == []


def test_a_module_cannot_load_under_a_second_name():
    """`import latentwalk.core.latent, core.latent` must not give two copies of latent."""
    modules = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if path.name != "__main__.py":
                modules.append(".".join(path.relative_to(REPO).with_suffix("").parts))
    code = (
        "import importlib, sys\n"
        "loaded = []\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(name.removesuffix('.__init__'))\n"
        "        loaded.append(name)\n"
        "    except ImportError as error:\n"
        "        assert 'import latentwalk.' in str(error), (name, error)\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
    assert len(modules) > 40


# --- Each fact once -----------------------------------------------------------------------------
# A string that states one fact, and the only file of the project's Python (packages, scripts,
# benchmarks, experiments, recipes) whose code may hold it (in a string of its own, or in part of
# one); docstrings and comments may quote it.
ONE_PLACE = {
    "cifar10-train-jpeg.zip": "core/datasets.py",  # the local data set's path
    "--verbose": "core/quiet.py",  # every command's option
}
# A whole string that names one thing, and the only file of the packages that may hold it.
ONE_NAME = {
    "slerp": "core/latent.py",  # the interpolation modes (the app's and the link's choices)
    "lerp": "core/latent.py",
    "model.json": "core/layout.py",  # TF.js's model file (layout.TFJS_MODEL)
    "models/index.json": "export/site_datasets.py",  # the page's entry point (INDEX)
}
CODE_FOLDERS = (
    "core",
    "train",
    "export",
    "streamlit_app",
    "benchmarks",
    "experiments",
    "models",
    "web_demo/test",
)


def _code_strings(path) -> list[str]:
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def _code_files(*more: str) -> list:
    """The project's Python: the package's top modules and CODE_FOLDERS' (and ``more``'s)."""
    folders = (*CODE_FOLDERS, *more)
    return [*_files("latentwalk"), *(p for f in folders for p in sorted((REPO / f).rglob("*.py")))]


def test_each_fact_is_spelled_in_one_place():
    where: dict[str, set[str]] = {fact: set() for fact in ONE_PLACE}
    for path in _code_files():
        strings = _code_strings(path)
        for fact in ONE_PLACE:
            if any(fact in text for text in strings):
                where[fact].add(path.relative_to(REPO).as_posix())
    assert where == {fact: {place} for fact, place in ONE_PLACE.items()}


def test_each_name_is_written_in_one_place():
    where: dict[str, set[str]] = {name: set() for name in ONE_NAME}
    for folder in PACKAGES:
        for path in sorted((REPO / folder).rglob("*.py")):
            for name in set(_code_strings(path)) & set(ONE_NAME):
                where[name].add(path.relative_to(REPO).as_posix())
    assert where == {name: {place} for name, place in ONE_NAME.items()}


def test_the_checkout_root_is_found_in_one_place():
    """core/layout.py's CHECKOUT; the tests' REPO in tests/support.py."""
    found = {
        path.relative_to(REPO).as_posix()
        for path in _code_files("tests")
        if re.search(r"Path\(__file__\)\.resolve\(\)\.parent", path.read_text())
    }
    assert found == {"core/layout.py", "tests/support.py"}


def test_the_javascript_twin_has_the_same_largest_seed():
    from latentwalk.core import latent

    source = (REPO / "web_demo" / "js" / "latent.js").read_text()
    assert int(re.search(r"export const MAX_SEED = (\w+);", source)[1], 0) == latent.MAX_SEED


def test_the_page_calls_a_place_a_tear_by_the_same_threshold():
    from latentwalk.core import tearing

    source = (REPO / "web_demo" / "js" / "figures.js").read_text()
    assert float(re.search(r"export const TEAR_KEPT = ([\d.]+);", source)[1]) == tearing.TEAR_KEPT
    # and nowhere else is a change_kept compared with a number of its own
    for path in [*(REPO / "web_demo" / "js").glob("*.js"), *(REPO / "streamlit_app").rglob("*.py")]:
        assert not re.search(r"kept\s*[<>]=?\s*\d", path.read_text()), path


def test_the_sites_model_ids_are_written_once():
    """export/site_datasets.py's SITE_MODELS: the ids, their run kinds and their options."""
    for path in (REPO / "export").rglob("*.py"):
        if path.name != "site_datasets.py":
            assert "book" not in _code_strings(path), path


def test_the_page_calls_a_step_a_jump_by_the_same_factor():
    from latentwalk.core import latent

    source = (REPO / "web_demo" / "js" / "latent.js").read_text()
    assert (
        float(re.search(r"export const JUMP_FACTOR = ([\d.]+);", source)[1]) == latent.JUMP_FACTOR
    )


def test_both_front_ends_start_from_the_same_view():
    """core/latent.py's defaults are the page's state.js DEFAULTS (seeds compared as lists)."""
    from latentwalk.core import latent

    source = (REPO / "web_demo" / "js" / "state.js").read_text()
    block = source[source.index("export const DEFAULTS") :].split("});")[0]
    lines = re.findall(r"^\s+(\w+): (.+?),(?:\s*//.*)?$", block, flags=re.M)
    page = {key: value.strip("'") for key, value in lines}
    assert int(page["seed"]) == latent.DEFAULT_SEED
    assert page["grid"] == latent.DEFAULT_GRID
    assert int(page["steps"]) == latent.DEFAULT_STEPS and int(page["n"]) == latent.DEFAULT_ATLAS_N
    assert page["mode"] == latent.DEFAULT_INTERPOLATION
    for key, ours in (("walk", latent.DEFAULT_WALK), ("pseeds", latent.DEFAULT_PLANE_SEEDS)):
        assert latent.parse_seeds(page[key]) == latent.parse_seeds(ours), key
