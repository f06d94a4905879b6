"""Finding models for the app: the shipped ``models/`` folder plus folders a person points to.

No Streamlit and no TensorFlow here, so discovery is quick and unit-testable. A folder holds a
model in either of the two layouts the project writes (core/layout.py): a run folder
(``generator.keras``, or ``decoder.keras`` + ``encoder.keras``) or an export folder
(``generator/generator.keras``, ...).

Each given path may be such a folder or a folder of them (``models/``, ``runs/``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..core import layout

ENV_VAR = "LATENTWALK_MODELS"
SHIPPED_DIR = layout.SHIPPED_MODELS

HOW_TO_GET_MODELS = """\
No models found. The app looks in the shipped `models/` folder, in the folders listed in the
`LATENTWALK_MODELS` environment variable (separated by `{sep}`), and in those given when the
server was started (`streamlit run streamlit_app/app.py -- --models DIR{sep}DIR`). To make a
pair of models on this machine:

```
python -m train gan --preset small --data cifar10 --class frog --out runs/gan-frog
python -m train vae --preset small --data cifar10 --class frog --out runs/vae-frog
```

then point the app at `runs` (or export them with `python -m export runs/gan-frog --out
models/gan-frog`). For a model in a minute rather than half an hour, add `--preset tiny`.
"""


@dataclass(frozen=True)
class FoundModel:
    """One usable model folder: a GAN (``generator``) or a VAE (``decoder`` and ``encoder``)."""

    kind: str  # "gan" or "vae"
    folder: Path
    files: dict[str, Path]  # role -> .keras file
    latent_dim: int
    config: dict = field(default_factory=dict, compare=False, hash=False)
    trained: layout.TrainedModel | None = field(default=None, compare=False, hash=False)

    @property
    def label(self) -> str:
        """The site's label for the same model, with the folder's name: the list may hold
        several models of a kind."""
        trained = self.trained or layout.TrainedModel(self.kind)
        return trained.label(self.folder.name)

    @property
    def cache_key(self) -> str:
        """Changes when a model file is rewritten, so a retrained model is loaded afresh."""
        stamps = [f"{p}:{p.stat().st_mtime_ns}" for p in self.files.values() if p.exists()]
        return "|".join(stamps)


def _latent_dim(folder: Path, config: dict, role: str) -> int:
    if isinstance(config.get("latent_dim"), int):
        return config["latent_dim"]
    try:  # an export folder without config.json still has its manifest
        return int(layout.read_json(layout.manifest_path(folder, role))["latent_dim"])
    except (KeyError, ValueError, TypeError):
        return 32


def inspect_folder(folder: Path) -> FoundModel | None:
    """The model ``folder`` holds, or None if it holds neither a GAN nor a VAE."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    for kind in layout.RUN_KINDS:  # a GAN first: a folder holding both is a GAN
        files = {role: layout.find_model_file(folder, role) for role in layout.ROLES[kind]}
        if all(files.values()):
            break
    else:
        return None
    config = layout.read_json(folder / layout.CONFIG)
    latent_dim = _latent_dim(folder, config, layout.IMAGE_ROLE[kind])
    trained = layout.TrainedModel.from_folder(kind, folder, config)
    return FoundModel(kind, folder.resolve(), files, latent_dim, config, trained)


def split_paths(text: str | None) -> list[Path]:
    """Paths from an ``os.pathsep``-separated string (the env var or the sidebar box)."""
    if not text:
        return []
    return [Path(part.strip()).expanduser() for part in text.split(os.pathsep) if part.strip()]


def search_paths(user_text: str | None = None, include_shipped: bool = True) -> list[Path]:
    """Where to look, in order of preference: ``user_text`` (the server's --models), the env
    var, the shipped folder. Folders named first give the defaults."""
    paths = split_paths(user_text) + split_paths(os.environ.get(ENV_VAR))
    return paths + [SHIPPED_DIR] if include_shipped else paths


def find_models(paths: list[Path]) -> tuple[list[FoundModel], list[str]]:
    """Models in ``paths`` (each a model folder or a folder of them, one level deep), without
    duplicates, plus a note for each path that exists not at all or holds no model."""
    found: list[FoundModel] = []
    seen: set[Path] = set()
    notes: list[str] = []
    for path in paths:
        if not path.exists():
            if path != SHIPPED_DIR:
                notes.append(f"`{path}` does not exist.")
            continue
        model = inspect_folder(path)
        candidates = [model] if model else []
        if model is None and path.is_dir():
            children = sorted(p for p in path.iterdir() if p.is_dir())
            candidates = [m for m in map(inspect_folder, children) if m is not None]
            # The book's generator costs 170x the shipped one per image (book_generator_cost_over_shipped
            # in benchmarks/results/model-costs.json): never the default.
            candidates.sort(key=lambda m: m.config.get("preset") == "book")
        if not candidates and path != SHIPPED_DIR:
            notes.append(f"`{path}` holds no generator.keras or decoder.keras + encoder.keras.")
        for candidate in candidates:
            if candidate.folder not in seen:
                seen.add(candidate.folder)
                found.append(candidate)
    return found, notes
