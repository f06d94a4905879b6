"""The model folders the project writes and reads, and the one label a trained model is shown by.

    run folder (python -m train gan|vae)      export folder (python -m export RUN --out DIR)
    config.json      how it was made           config.json, metrics.jsonl   copied from the run
    metrics.jsonl    one line per logged step  samples.png                  the run's latest grid
    samples/         step_*.png, latest.png    <role>/model.json + shards   the TF.js graph model
    generator.keras  (GAN)                     <role>/manifest.json         see export/manifest.py
    decoder.keras + encoder.keras  (VAE)       <role>/<role>.keras          the Keras model

    judge folder (python -m train judge): judge.keras, config.json, history.jsonl

A run's kind ("gan" or "vae") says which roles it has; each role's model has a model kind ("gan",
"vae-decoder", "vae-encoder") that export manifests and the web page use. Everything that reads
or writes these folders (export/, the site, the app, the figures, evaluate) takes the names from
here. Standard library only, in core/: every stage imports it, it imports none of them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

RUN_KINDS = ("gan", "vae")
ROLES = {"gan": ("generator",), "vae": ("decoder", "encoder")}
IMAGE_ROLE = {"gan": "generator", "vae": "decoder"}  # the role that turns latents into images
MODEL_KIND_OF_ROLE = {"generator": "gan", "decoder": "vae-decoder", "encoder": "vae-encoder"}
ROLE_OF_MODEL_KIND = {kind: role for role, kind in MODEL_KIND_OF_ROLE.items()}
MODEL_KINDS = tuple(MODEL_KIND_OF_ROLE.values())

CONFIG = "config.json"
PROVENANCE = "provenance"  # config.json's record of when and where a run trained
METRICS = "metrics.jsonl"
SAMPLES = "samples"
LATEST_SAMPLES = f"{SAMPLES}/latest.png"
CHECKPOINTS = "checkpoints"  # ckpt-<step>.npz (checkpoint_path)
CHECKPOINT_GLOB = "ckpt-*.npz"
# A checkpoint is written to a hidden temporary name and renamed (train/checkpoint.py).
CHECKPOINT_LEFTOVERS = ".ckpt-*.tmp.npz"
TENSORBOARD = "tensorboard"  # event files
LOCK = ".lock"  # held by the training process that owns the run (train/run.py's RunLock)
MANIFEST = "manifest.json"
TFJS_MODEL = "model.json"
QUALITY = "quality.json"
JUDGE_MODEL = "judge.keras"
JUDGE_HISTORY = "history.jsonl"
# What an export copies from its run folder: run file -> name in the export folder.
RUN_FILES_IN_EXPORT = {CONFIG: CONFIG, METRICS: METRICS, LATEST_SAMPLES: "samples.png"}
ALL_CLASSES = "all"  # the class a manifest names for a model trained on every class

KIND_NAMES = {"gan": "DCGAN", "vae": "VAE"}
# The shipped models and judge: models/ of a checkout (tracked files; absent beside a wheel).
# The checkout this package runs from (core/ is one of its folders): where the shipped models
# are, and what results files write their paths relative to. In an installed wheel it is the
# package's own folder (site-packages/latentwalk: the page is there, no models/).
CHECKOUT = Path(__file__).resolve().parent.parent
SHIPPED_MODELS = CHECKOUT / "models"


def checkpoint_path(run_dir: Path | str, step: int) -> Path:
    """Where a run keeps its checkpoint of ``step``."""
    return Path(run_dir) / CHECKPOINTS / f"ckpt-{step:07d}.npz"


def keras_name(role: str) -> str:
    return f"{role}.keras"


def run_model_path(folder: Path | str, role: str) -> Path:
    """Where a run folder keeps a role's trained model: ``generator.keras``."""
    return Path(folder) / keras_name(role)


def export_model_path(folder: Path | str, role: str) -> Path:
    """Where an export folder keeps a role's Keras model: ``generator/generator.keras``."""
    return Path(folder) / role / keras_name(role)


def manifest_path(folder: Path | str, role: str) -> Path:
    return Path(folder) / role / MANIFEST


def find_model_file(folder: Path | str, role: str) -> Path | None:
    """A role's .keras file in a run folder or an export folder, or None."""
    for candidate in (run_model_path(folder, role), export_model_path(folder, role)):
        if candidate.is_file():
            return candidate
    return None


def read_json(path: Path | str) -> dict:
    """A JSON object from ``path``; {} when it is missing, unreadable or not an object."""
    try:
        value = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def last_logged_step(folder: Path | str) -> int | None:
    """The last step in ``folder``'s metrics.jsonl, or None without one.

    The file is appended in step order (a resumed run first drops the lines past its checkpoint),
    so its last complete line with a step is the last step; a line cut short by a crash is
    skipped. Read from the end: the app asks on every rerun, and the file grows with the run.
    """
    path = Path(folder) / METRICS
    try:
        with open(path, "rb") as file:
            size = file.seek(0, os.SEEK_END)
            block = 16384
            while True:
                file.seek(max(0, size - block))
                lines = file.read(min(size, block)).splitlines()
                if block < size:
                    lines = lines[1:]  # the first line of a block may be a partial one
                for line in reversed(lines):
                    try:
                        return int(json.loads(line)["step"])
                    except (ValueError, KeyError, TypeError):
                        continue
                if block >= size:
                    return None
                block *= 4
    except OSError:
        return None


def trained_steps(folder: Path | str, config: dict) -> int | None:
    """The steps a run folder's (or an export folder's) model was trained for.

    The last logged step, not config.json's ``steps``: config.json states the plan (rewritten
    whenever a resume changes ``--steps``), metrics.jsonl records what ran. For a finished run
    they agree (the last step is always logged); they part when a run is resumed for more steps
    and stopped early, and then the plan was never reached. Only without metrics.jsonl does the
    plan stand in. The exporter stores this figure in each manifest as ``training_steps``, so
    the site's label and the app's say the same.
    """
    step = last_logged_step(folder)
    if step is not None:
        return step
    steps = config.get("steps")
    return steps if isinstance(steps, int) else None


def trained_class(config: dict) -> str | None:
    """The class a run trained on: its name, ALL_CLASSES for every image, None if unknown."""
    data = config.get("data")
    if not data or not isinstance(data, dict):
        return None
    class_name = data.get("class_name")
    return ALL_CLASSES if class_name is None else str(class_name)


@dataclass(frozen=True)
class TrainedModel:
    """What a model's label says: its kind, preset, class and the steps it was trained for."""

    kind: str  # "gan" or "vae"
    preset: str | None = None
    class_name: str | None = None  # ALL_CLASSES for every class; None when unknown
    steps: int | None = None

    def label(self, name: str | None = None) -> str:
        """e.g. "DCGAN (small, frog, 18000 steps)"; with ``name`` (a folder, for lists that
        hold several models of a kind) "DCGAN gan-frog (small, frog, 18000 steps)"."""
        title = " ".join(part for part in (KIND_NAMES.get(self.kind, self.kind), name) if part)
        class_text = "all classes" if self.class_name == ALL_CLASSES else self.class_name
        details = [
            str(self.preset) if self.preset else None,
            str(class_text) if class_text else None,
            f"{self.steps} steps" if self.steps else None,
        ]
        described = ", ".join(d for d in details if d)
        return f"{title} ({described})" if described else title

    @classmethod
    def from_manifest(cls, kind: str, manifest: dict) -> TrainedModel:
        """From an export's manifest.json (what the site has)."""
        return cls(
            kind, manifest.get("preset"), manifest.get("class_name"), manifest.get("training_steps")
        )

    @classmethod
    def from_folder(cls, kind: str, folder: Path | str, config: dict | None = None) -> TrainedModel:
        """From a run or export folder: its config.json and metrics.jsonl, else the manifest of
        its image role (an export folder without the run's files)."""
        config = read_json(Path(folder) / CONFIG) if config is None else config
        if config:
            return cls(
                kind, config.get("preset"), trained_class(config), trained_steps(folder, config)
            )
        return cls.from_manifest(kind, read_json(manifest_path(folder, IMAGE_ROLE[kind])))


def os_reason(error: OSError) -> str:
    """What an OSError's errno means, in words ("No space left on device")."""
    if error.strerror:
        return error.strerror
    return os.strerror(error.errno) if error.errno else str(error)


def os_error_words(error: OSError) -> str:
    """A file-system error as every command says it: the path it concerns and what went wrong
    ("site/.x.partial-12: Read-only file system"), for a one-line message."""
    return f"{error.filename}: {os_reason(error)}" if error.filename else os_reason(error)
