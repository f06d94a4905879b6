"""What to export: the trained models of a run folder, or one .keras file, checked for their kind.

A GAN run folder gives its ``generator.keras`` (role "generator", kind "gan"); a VAE run folder
gives ``decoder.keras`` and ``encoder.keras`` (kinds "vae-decoder" and "vae-encoder"). A bare
``.keras`` file has its kind read from its shapes: latent (None, d) -> image (None, H, W, C) is a
generator (a "vae-decoder" when the model is named "decoder"), image -> two (None, d) outputs is a
VAE encoder. Every model is checked against its kind before anything is converted, so a
discriminator saved under the wrong name is refused instead of shipped.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import layout
from .errors import ExportError

DESCRIPTION = {
    "gan": "a GAN generator",
    "vae-decoder": "a VAE decoder",
    "vae-encoder": "a VAE encoder",
}


@dataclass(frozen=True)
class ModelSource:
    kind: str | None  # "gan", "vae-decoder", "vae-encoder"; None: read it from the shapes
    path: Path  # the .keras file

    @property
    def role(self) -> str:
        return layout.ROLE_OF_MODEL_KIND[self.kind]


@dataclass(frozen=True)
class ExportSource:
    origin: Path  # what the user named: a run folder or a .keras file
    models: tuple[ModelSource, ...]
    run_dir: Path | None = None  # None for a bare .keras file
    config: dict = field(default_factory=dict)  # the run's config.json ({} for a bare file)
    training_steps: int | None = None  # layout.trained_steps: the last logged step


def find_sources(path: Path | str, kind: str | None = None) -> ExportSource:
    """The models to export from a run folder or a .keras file (``kind`` only for a file)."""
    path = Path(path)
    if not path.exists():
        raise ExportError(f"{path} does not exist: give a run folder or a .keras model file")
    if path.is_file():
        if path.suffix != ".keras":
            raise ExportError(f"{path} is not a .keras model file or a run folder")
        if kind is not None and kind not in layout.MODEL_KINDS:
            raise ExportError(f"unknown kind {kind!r}: choose from {', '.join(layout.MODEL_KINDS)}")
        return ExportSource(origin=path, models=(ModelSource(kind, path),))
    if kind is not None:
        raise ExportError(
            "--kind is only for a single .keras file; a run folder says its kind in config.json"
        )
    return _run_sources(path)


def _run_sources(run_dir: Path) -> ExportSource:
    config_path = run_dir / layout.CONFIG
    if not config_path.exists():
        raise ExportError(
            f"{run_dir} is not a run folder (it has no config.json): give the "
            "folder `python -m train` wrote, or a .keras model file"
        )
    try:
        config = json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise ExportError(f"{config_path} is not valid JSON ({error})") from None
    run_kind = config.get("kind")
    if run_kind not in layout.RUN_KINDS:
        raise ExportError(f"{config_path} says kind {run_kind!r}; expected 'gan' or 'vae'")
    models = []
    for role in layout.ROLES[run_kind]:
        model_path = layout.run_model_path(run_dir, role)
        if not model_path.exists():
            hint = (
                "; it looks like an export folder: export its run folder instead"
                if layout.manifest_path(run_dir, role).exists()
                else ""
            )
            raise ExportError(
                f"no trained {model_path.name} in {run_dir} (is training finished?){hint}"
            )
        models.append(ModelSource(layout.MODEL_KIND_OF_ROLE[role], model_path))
    return ExportSource(
        origin=run_dir,
        models=tuple(models),
        run_dir=run_dir,
        config=config,
        training_steps=layout.trained_steps(run_dir, config),
    )


def load_model(source: ModelSource):
    """Load ``source`` with Keras and check it is the kind it claims; returns (model, kind)."""
    import keras

    path = Path(source.path)
    if path.is_file() and not zipfile.is_zipfile(path):  # Keras would say "File not found"
        raise ExportError(
            f"cannot load {path}: it is not a complete .keras file ({path.stat().st_size:,} "
            "bytes, not a zip archive: truncated by a crash or a partial copy?)"
        )
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types for a corrupt or foreign file
        text = str(error).strip()
        reason = text.splitlines()[0] if text else type(error).__name__
        raise ExportError(f"cannot load {path} as a Keras model: {reason}") from None
    check_finite(model, path)
    kind = source.kind or infer_kind(model, path)
    check_kind(model, kind, path)
    return model, kind


def check_finite(model, path: Path) -> None:
    """Refuse weights with NaN or Inf: they come from a diverged run, and no converter is to
    blame for the black images they would make."""
    for weight in model.weights:
        if not np.isfinite(np.asarray(weight.numpy(), dtype=np.float64)).all():
            raise ExportError(
                f"{path}: the weight {weight.path} holds NaN or Inf values: the training run "
                "diverged; train it again (e.g. with a lower learning rate)"
            )


def shapes(model) -> tuple[list[tuple], list[tuple]]:
    """Input and output shapes of a model, batch dimension as None."""

    def as_tuple(tensor) -> tuple:
        return tuple(None if d is None else int(d) for d in tensor.shape)

    return [as_tuple(t) for t in model.inputs], [as_tuple(t) for t in model.outputs]


def infer_kind(model, path: Path) -> str:
    inputs, outputs = shapes(model)
    if len(inputs) == 1 and len(inputs[0]) == 2 and len(outputs) == 1 and len(outputs[0]) == 4:
        return "vae-decoder" if model.name == "decoder" else "gan"
    if len(inputs) == 1 and len(inputs[0]) == 4 and len(outputs) == 2:
        return "vae-encoder"
    raise ExportError(
        f"cannot tell what {path} is: input {_fmt(inputs)} -> output "
        f"{_fmt(outputs)}; expected a generator or decoder (None, latent_dim) -> "
        "(None, 32, 32, 3), or an encoder (None, 32, 32, 3) -> [z_mean, z_log_var]"
    )


def check_kind(model, kind: str, path: Path) -> None:
    inputs, outputs = shapes(model)
    if kind == "vae-encoder":
        ok = (
            len(inputs) == 1
            and len(inputs[0]) == 4
            and len(outputs) == 2
            and all(len(o) == 2 for o in outputs)
            and outputs[0] == outputs[1]
        )
        expected = "(None, H, W, C) -> [(None, latent_dim), (None, latent_dim)]"
    else:
        ok = (
            len(inputs) == 1
            and len(inputs[0]) == 2
            and len(outputs) == 1
            and len(outputs[0]) == 4
            and outputs[0][3] in (1, 3)
        )
        expected = "(None, latent_dim) -> (None, H, W, 3)"
    if not ok:
        raise ExportError(
            f"{path} is not {DESCRIPTION[kind]} ({kind}): it maps "
            f"{_fmt(inputs)} -> {_fmt(outputs)}, expected {expected}"
        )


def _fmt(shape_list: list[tuple]) -> str:
    text = ", ".join(str(s) for s in shape_list)
    return text if len(shape_list) == 1 else f"[{text}]"
