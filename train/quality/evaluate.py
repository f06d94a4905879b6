"""Grade generative models with the judge: ``python -m train evaluate MODEL...``.

A MODEL is a run folder (``generator.keras`` or ``decoder.keras``), a shipped or export folder
(``generator/generator.keras``, ``decoder/decoder.keras``), one role folder of an export, or a
``.keras`` file. Samples are prior samples (z ~ N(0, I)), judged against the real images of the
model's class that the judge trained on; the judge's held-out images of that class give the real
floor (held-out vs training part) that every model is read against.
"""

from __future__ import annotations

import json
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ...core import layout, metrics
from ...core.calls import input_former
from ..config import DataConfig
from ..data import DataError, class_list, load_images, to_model_range
from .judge import FEATURES_LAYER, class_holdout_indices, content_hash

DEFAULT_JUDGE = layout.SHIPPED_MODELS / "judge"
IMAGE_ROLES = tuple(layout.IMAGE_ROLE.values())  # what the judge grades


class EvaluationError(ValueError):
    """A model, judge or data set that cannot be used as asked (exit code 2, one line)."""


class Judge:
    """The trained judge as a feature function: images in [-1, 1] (or uint8) -> features, and
    class probabilities."""

    def __init__(self, folder: Path | str | None = None):
        folder = Path(folder) if folder is not None else DEFAULT_JUDGE
        model_path, config_path = folder / layout.JUDGE_MODEL, folder / layout.CONFIG
        if not model_path.is_file() or not config_path.is_file():
            raise EvaluationError(
                f"no judge in {folder} (expected {model_path.name} and {config_path.name}): run "
                f"`make judge`, or `python -m train judge --data <cifar10 zip> --out {folder}`"
            )
        import keras

        self.folder = folder
        remedy = f"rebuild it with `make judge` (or `python -m train judge ... --out {folder}`)"
        try:
            self.config = json.loads(config_path.read_text())
            self.class_names: list[str] = list(self.config["class_names"])
            self.holdout_fraction = float(self.config["split"]["holdout_fraction"])
            self.split_seed = int(self.config["split"]["split_seed"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise EvaluationError(
                f"{config_path} is not a judge's config ({type(error).__name__}: {error}): {remedy}"
            ) from None
        try:
            model = keras.models.load_model(model_path, compile=False)
            outputs = [model.get_layer(FEATURES_LAYER).output, model.outputs[0]]
        except Exception as error:  # a corrupt or foreign file
            text = str(error).strip().splitlines()
            raise EvaluationError(
                f"cannot load the judge {model_path} ({text[0] if text else error}): {remedy}"
            ) from None
        self._model = keras.Model(model.inputs, outputs)
        self.feature_dim = int(self._model.outputs[0].shape[-1])

    def __call__(self, images: np.ndarray, batch_size: int = 500, progress: str | None = None):
        """(features, probabilities) of ``images``."""
        import keras

        features, probabilities = [], []
        starts = range(0, len(images), batch_size)
        if progress:
            starts = tqdm(starts, desc=progress, unit="batch", file=sys.stderr, leave=False)
        for start in starts:
            batch = images[start : start + batch_size]
            batch = to_model_range(batch) if batch.dtype == np.uint8 else batch.astype(np.float32)
            out_features, logits = self._model([batch], training=False)
            features.append(keras.ops.convert_to_numpy(out_features))
            probabilities.append(keras.ops.convert_to_numpy(keras.ops.softmax(logits)))
        if not features:
            return np.zeros((0, self.feature_dim), np.float32), np.zeros((0, len(self.class_names)))
        return np.concatenate(features), np.concatenate(probabilities)

    def features(self, images: np.ndarray) -> np.ndarray:
        return self(images)[0]

    @property
    def feature_network(self):
        """The Keras model from images in [-1, 1] to the features (differentiable, for
        core/projection.py's feature term)."""
        import keras

        return keras.Model(self._model.inputs, self._model.outputs[0])

    def class_indices(self, class_name: str | int | None) -> tuple[int, ...] | None:
        """The judge's indices of the class(es) a model was trained on ("frog,truck" is two);
        None for every class."""
        try:
            names = class_list(class_name)
        except DataError as error:
            raise EvaluationError(str(error)) from None
        return None if names is None else tuple(self.class_index(name) for name in names)

    def class_index(self, class_name: str | int) -> int:
        text = str(class_name)
        if text in self.class_names:
            return self.class_names.index(text)
        if text.isdigit() and int(text) < len(self.class_names):
            return int(text)
        raise EvaluationError(
            f"the judge does not know class {class_name!r}: it knows {', '.join(self.class_names)}"
        )


@dataclass
class ModelToGrade:
    name: str
    path: Path  # the .keras file
    kind: str  # "gan" or "vae-decoder"
    class_name: str | None
    data_source: str | None


def find_model(path: Path | str) -> ModelToGrade:
    """The generator or decoder a run, shipped or export folder (or .keras file) holds."""
    path = Path(path)
    if not path.exists():
        raise EvaluationError(
            f"{path} does not exist: give a run folder, a model folder from models/, an export "
            "folder or a .keras file"
        )
    config, manifest = {}, {}
    if path.is_file():
        if path.suffix != ".keras":
            raise EvaluationError(f"{path} is not a .keras file or a model folder")
        keras_file, role = path, ("decoder" if "decoder" in path.stem else "generator")
        folder = path.parent
    else:
        found = [
            (candidate, role)
            for role in IMAGE_ROLES
            if (candidate := layout.find_model_file(path, role)) is not None
        ]
        if not found:
            raise EvaluationError(
                f"{path} holds no generator.keras or decoder.keras (nor generator/ or decoder/ "
                "export folders): is training finished?"
            )
        keras_file, role = found[0]
        folder = path
    for place in (folder, folder.parent):
        if (place / layout.CONFIG).is_file() and not config:
            config = layout.read_json(place / layout.CONFIG)
    for place in (folder / role, folder):
        if (place / layout.MANIFEST).is_file() and not manifest:
            manifest = layout.read_json(place / layout.MANIFEST)
    data = config.get("data") or {}
    class_name = layout.trained_class(config) if data else manifest.get("class_name")
    name = path.name if path.is_dir() else path.stem
    if name == role and path.is_dir():
        name = path.parent.name
    kind = layout.MODEL_KIND_OF_ROLE[role]
    return ModelToGrade(name, keras_file, kind, class_name, data.get("source"))


def load_generator(model: ModelToGrade, latent_dim: int | None = None):
    """The Keras model, checked to map (None, d) latents to (None, 32, 32, 3) images."""
    import keras

    try:
        network = keras.models.load_model(model.path, compile=False)
    except Exception as error:
        text = str(error).strip().splitlines()
        raise EvaluationError(
            f"cannot load {model.path} as a Keras model: {text[0] if text else error}"
        ) from None
    inputs, outputs = network.inputs, network.outputs
    ok = (
        len(inputs) == 1
        and len(inputs[0].shape) == 2
        and len(outputs) == 1
        and tuple(outputs[0].shape[1:]) == (32, 32, 3)
    )
    if not ok:
        shapes = [tuple(t.shape) for t in inputs], [tuple(t.shape) for t in outputs]
        raise EvaluationError(
            f"{model.path} maps {shapes[0]} -> {shapes[1]}; the judge grades a generator or "
            "decoder mapping (None, latent_dim) -> (None, 32, 32, 3)"
        )
    return network


# A generator's images are in [-1, 1] (tanh); float noise aside, values beyond this are a model
# that was not made to draw images in that range.
OUT_OF_RANGE = 1.01


def generate(
    network,
    count: int,
    seed: int = 0,
    batch_size: int = 250,
    desc: str = "sampling",
    temperature: float = 1.0,
    name: str | None = None,
):
    """``count`` prior samples (z ~ N(0, I) from ``seed``, times ``temperature``), images in
    [-1, 1], float32. ``name`` (the model's file or folder) is what messages call it."""
    name = name or network.name
    import keras

    latent_dim = int(network.inputs[0].shape[-1])
    latents = np.random.default_rng(seed).standard_normal((count, latent_dim)).astype(np.float32)
    latents *= np.float32(temperature)
    images = []
    form = input_former(network)
    for start in tqdm(
        range(0, count, batch_size), desc=desc, unit="batch", file=sys.stderr, leave=False
    ):
        out = network(form(latents[start : start + batch_size]), training=False)
        images.append(keras.ops.convert_to_numpy(out).astype(np.float32))
    result = np.concatenate(images)
    if not np.all(np.isfinite(result)):
        raise EvaluationError(f"{name} made non-finite images (NaN or inf): it diverged")
    reach = float(np.abs(result).max(initial=0.0))
    if reach > OUT_OF_RANGE:
        warnings.warn(
            f"{name} draws values up to {reach:.3g}, outside the [-1, 1] of images (no tanh at "
            "its end?): graded as it draws them, which no picture of it shows",
            stacklevel=2,
        )
    return result


@dataclass
class RealSplit:
    """The real images of one class, split as the judge split them."""

    class_name: str
    train: np.ndarray
    heldout: np.ndarray
    matches_judge: bool
    _train_features: np.ndarray | None = None

    def train_features(self, judge: "Judge") -> np.ndarray:
        """The judge's features of the training part, computed once and shared by the real
        floor and every model graded against this split."""
        if self._train_features is None:
            self._train_features = judge(self.train, progress="judging real images")[0]
        return self._train_features


# The k-NN metrics hold a (real, real) distance matrix: past this many training images (ten
# classes have 45,000) the reference is a fixed random subset of this size.
MAX_REFERENCE_IMAGES = 10_000


def real_split(judge: Judge, data_source: str, class_name: str) -> RealSplit:
    """The real images of the class(es) ("frog", "frog,truck" or "all"), each class split as the
    judge split it; for several classes the parts are joined."""
    if class_name == layout.ALL_CLASSES:
        names = list(judge.class_names)
    else:
        names = [judge.class_names[index] for index in judge.class_indices(class_name)]
    parts = [_class_split(judge, data_source, name) for name in names]
    if len(parts) == 1:
        return parts[0]
    train = np.concatenate([part.train for part in parts])
    if len(train) > MAX_REFERENCE_IMAGES:
        keep = np.random.default_rng(judge.split_seed).permutation(len(train))
        train = train[np.sort(keep[:MAX_REFERENCE_IMAGES])]
    joined = layout.ALL_CLASSES if class_name == layout.ALL_CLASSES else ",".join(names)
    heldout = np.concatenate([part.heldout for part in parts])
    return RealSplit(joined, train, heldout, all(part.matches_judge for part in parts))


def _class_split(judge: Judge, data_source: str, name: str) -> RealSplit:
    index = judge.class_index(name)
    try:
        images = load_images(DataConfig(source=data_source, class_name=name))
    except DataError as error:
        raise EvaluationError(str(error)) from None
    held = class_holdout_indices(len(images), judge.holdout_fraction, judge.split_seed, index)
    mask = np.zeros(len(images), dtype=bool)
    mask[held] = True
    expected = (judge.config.get("data") or {}).get("class_images_sha256", {}).get(name)
    matches = expected is None or expected == content_hash(images)
    if not matches:
        warnings.warn(
            f"the {name} images of {data_source} are not the ones the judge was trained on: its "
            "held-out split does not apply, so the real floor may be optimistic",
            stacklevel=3,
        )
    return RealSplit(name, images[~mask], images[mask], matches)


def _split_classes(judge: Judge, split: RealSplit) -> tuple[int, ...] | None:
    """The judge's indices of a split's classes, None for every class (no class rate then)."""
    if split.class_name == layout.ALL_CLASSES:
        return None
    return judge.class_indices(split.class_name)


def evaluate_features(
    fake_features, fake_probabilities, real_features, class_index, names=metrics.FULL, seed=0
) -> dict:
    sets = metrics.Sets(
        fake=fake_features,
        real=real_features,
        fake_probabilities=fake_probabilities,
        class_index=class_index,
        seed=seed,
    )
    return metrics.compute(sets, names)


# Below this share of its own class's real held-out images, a judge's class names are not its
# weights' (the shipped judge: 86 % overall, its weakest class, bird, 77 %: heldout_accuracy_by_class
# in models/judge/config.json).
MIN_REAL_CLASS_RATE = 0.3


def real_floor(judge: Judge, split: RealSplit) -> dict:
    """The held-out images of the class graded like a model, against the training part."""
    train_features = split.train_features(judge)
    held_features, held_probabilities = judge(split.heldout)
    result = evaluate_features(
        held_features, held_probabilities, train_features, _split_classes(judge, split)
    )
    result["split_matches_judge"] = split.matches_judge
    rate = result.get("class_rate")
    if rate is not None and rate < MIN_REAL_CLASS_RATE:
        classes = " or ".join(
            repr(judge.class_names[i]) for i in _split_classes(judge, split) or ()
        )
        raise EvaluationError(
            f"the judge calls only {rate:.0%} of the real held-out {split.class_name} images "
            f"{classes}: its config.json's class list does not match its weights (or these are "
            "not those images); every class figure would be wrong"
        )
    return result


def evaluate_model(
    judge: Judge,
    model: ModelToGrade,
    split: RealSplit,
    samples: int = 5000,
    seed: int = 0,
    temperatures: tuple[float, ...] = (1.0,),
) -> list[dict]:
    """The judge's figures, one dict per temperature T, for ``samples`` images from latents
    z ~ N(0, T² I): 1 is the prior the model was trained on; below 1, the GAN form of the
    truncation trick (Glow's reduced temperature), which trades variety (recall) for typical
    samples (precision). The model is loaded once for all of them."""
    network = load_generator(model)
    train_features = split.train_features(judge)
    results = []
    for temperature in temperatures:
        images = generate(
            network,
            samples,
            seed,
            desc=f"sampling {model.name}",
            temperature=temperature,
            name=model.name,
        )
        fake_features, fake_probabilities = judge(images, progress=f"judging {model.name}")
        result = evaluate_features(
            fake_features,
            fake_probabilities,
            train_features,
            _split_classes(judge, split),
            seed=seed,
        )
        # FID is biased upward at small sample counts: the real floor has only the held-out
        # images, so the model's FID on as many samples is reported too, for a like-for-like
        # comparison.
        matched = min(len(split.heldout), len(fake_features))
        if matched >= 2:
            result["fid_matched"] = metrics.frechet_distance(
                fake_features[:matched], train_features
            )
            result["fid_matched_samples"] = matched
        results.append(
            {
                "model": model.name,
                "path": str(model.path),
                "kind": model.kind,
                "temperature": temperature,
                **result,
            }
        )
    return results


COLUMNS = (
    ("FID", "fid", "{:.2f}"),
    ("FID@floor n", "fid_matched", "{:.2f}"),
    ("KID×1e3", "kid", None),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
    ("density", "density", "{:.3f}"),
    ("coverage (real-like)", "coverage", None),
    ("class rate", "class_rate", "{:.1%}"),
    ("NN dist p1 / median", "nn_distance_p1", None),
    ("samples", "samples", "{:d}"),
)


def format_table(rows: list[tuple[str, dict]]) -> str:
    """A plain-text table: one row per model, the real floor last."""

    def cell(result: dict, key: str, spec: str | None) -> str:
        if key == "fid_matched" and "fid_matched" not in result and "fid" in result:
            key = "fid"  # the real floor: its FID is already at its own count
        if key not in result:
            return "-"
        if key == "kid":
            return f"{result['kid'] * 1e3:.2f} ± {result['kid_std'] * 1e3:.2f}"
        if key == "coverage":
            return f"{result['coverage']:.3f} ({result['coverage_expected']:.3f})"
        if key == "nn_distance_p1":
            return f"{result['nn_distance_p1']:.2f} / {result['nn_distance_median']:.2f}"
        return spec.format(result[key])

    header = ["model"] + [title for title, _, _ in COLUMNS]
    body = [[name] + [cell(result, key, spec) for _, key, spec in COLUMNS] for name, result in rows]
    widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
    lines = ["  ".join(text.ljust(widths[i]) for i, text in enumerate(header))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(text.ljust(widths[i]) for i, text in enumerate(row)) for row in body]
    return "\n".join(lines)


class QualityProbe:
    """The cheap check ``--eval-every`` runs during training: KID (fewer, smaller subsets) and
    class rate of ``samples`` prior samples against as many of the run's own training images."""

    def __init__(
        self,
        judge: Judge,
        real_images: np.ndarray,
        class_name: str | None,
        latent_dim: int,
        samples: int = 1000,
        seed: int = 0,
    ):
        rng = np.random.default_rng(seed)
        self.judge = judge
        pick = rng.choice(len(real_images), min(samples, len(real_images)), replace=False)
        self.real_features = judge.features(real_images[pick])
        self.class_index = judge.class_indices(class_name)
        self.latents = rng.standard_normal((samples, latent_dim)).astype(np.float32)
        self.seed = seed

    def measure(self, generate_images) -> dict:
        """``generate_images`` maps a latent batch to images in [-1, 1]."""
        images = np.concatenate(
            [
                np.asarray(generate_images(self.latents[start : start + 250]), np.float32)
                for start in range(0, len(self.latents), 250)
            ]
        )
        if not np.all(np.isfinite(images)):
            return {"eval_samples": len(images), "eval_nonfinite": True}
        features, probabilities = self.judge(images)
        sets = metrics.Sets(
            fake=features,
            real=self.real_features,
            fake_probabilities=probabilities,
            class_index=self.class_index,
            kid_subsets=20,
            kid_subset_size=min(500, len(features), len(self.real_features)),
            seed=self.seed,
        )
        result = metrics.compute(sets, metrics.QUICK)
        result.pop("real_images")
        return {f"eval_{key}": value for key, value in result.items()}
