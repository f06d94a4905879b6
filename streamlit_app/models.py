"""Finding models for the app: the shipped ``models/`` folder plus folders a person points to.

No Streamlit and no TensorFlow here, so discovery is quick and unit-testable. A folder holds a
model in either of the two layouts the project writes:

    run folder (python -m train ...)       export folder (python -m export ...)
    generator.keras                        generator/generator.keras          -> a GAN
    decoder.keras + encoder.keras          decoder/decoder.keras + encoder/encoder.keras -> a VAE

Each given path may be such a folder or a folder of them (``models/``, ``runs/``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

ENV_VAR = "LATENTWALK_MODELS"
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "models"

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
models/gan-frog`). For a model in a minute rather than an hour, add `--preset tiny`.
"""


@dataclass(frozen=True)
class FoundModel:
    """One usable model folder: a GAN (``generator``) or a VAE (``decoder`` and ``encoder``)."""

    kind: str  # "gan" or "vae"
    folder: Path
    files: dict[str, Path]  # role -> .keras file
    latent_dim: int
    config: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def label(self) -> str:
        data = self.config.get("data") or {}
        details = [
            self.config.get("preset"),
            data.get("class_name") or ("all classes" if data else None),
            f"{self.config['steps']} steps" if "steps" in self.config else None,
        ]
        described = ", ".join(str(d) for d in details if d)
        return f"{self.kind.upper()} {self.folder.name}" + (f" ({described})" if described else "")

    @property
    def cache_key(self) -> str:
        """Changes when a model file is rewritten, so a retrained model is loaded afresh."""
        stamps = [f"{p}:{p.stat().st_mtime_ns}" for p in self.files.values() if p.exists()]
        return "|".join(stamps)


def _role_file(folder: Path, role: str) -> Path | None:
    for candidate in (folder / f"{role}.keras", folder / role / f"{role}.keras"):
        if candidate.is_file():
            return candidate
    return None


def _read_config(folder: Path) -> dict:
    try:
        values = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return {}
    return values if isinstance(values, dict) else {}


def _latent_dim(folder: Path, config: dict, role: str) -> int:
    if isinstance(config.get("latent_dim"), int):
        return config["latent_dim"]
    try:  # an export folder without config.json still has its manifest
        manifest = json.loads((folder / role / "manifest.json").read_text())
        return int(manifest["latent_dim"])
    except (OSError, ValueError, KeyError, TypeError):
        return 32


def inspect_folder(folder: Path) -> FoundModel | None:
    """The model ``folder`` holds, or None if it holds neither a GAN nor a VAE."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    generator = _role_file(folder, "generator")
    decoder, encoder = _role_file(folder, "decoder"), _role_file(folder, "encoder")
    if generator is not None:
        kind, files, role = "gan", {"generator": generator}, "generator"
    elif decoder is not None and encoder is not None:
        kind, files, role = "vae", {"decoder": decoder, "encoder": encoder}, "decoder"
    else:
        return None
    config = _read_config(folder)
    return FoundModel(kind, folder.resolve(), files, _latent_dim(folder, config, role), config)


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
            # The book's generator costs ~150x the small one per image: never the default.
            candidates.sort(key=lambda m: m.config.get("preset") == "book")
        if not candidates and path != SHIPPED_DIR:
            notes.append(f"`{path}` holds no generator.keras or decoder.keras + encoder.keras.")
        for candidate in candidates:
            if candidate.folder not in seen:
                seen.add(candidate.folder)
                found.append(candidate)
    return found, notes
