"""The house's shape: each module has one name, and the folders depend one way.

core/ at the bottom; train/, export/ and streamlit_app/ on it and on nothing of each other; the
`latentwalk` command (latentwalk/) on top. Read from the code's own imports (relative ones
resolved), as a structure tool reads them.
"""

from __future__ import annotations

import ast
import subprocess
import sys

from support import REPO

# What each folder may import from the project's other folders.
ALLOWED = {
    "core": set(),
    "train": {"core"},
    "export": {"core"},
    "streamlit_app": {"core"},
    "latentwalk": {"core", "train", "export", "streamlit_app"},
}
PACKAGES = ("core", "train", "export", "streamlit_app")


def _folder_imports() -> dict[tuple[str, str], set[str]]:
    """(folder, imported folder) -> the files that make that import."""
    found: dict[tuple[str, str], set[str]] = {}
    for folder in ALLOWED:
        for path in sorted((REPO / folder).rglob("*.py")):
            rel = path.relative_to(REPO)
            package = ["latentwalk", *rel.parent.parts] if folder != "latentwalk" else [folder]
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
