"""The judge: a CIFAR-10 classifier the project trains itself, whose penultimate layer is the
feature space for FID, KID, precision/recall and feature-space path lengths (core/metrics.py).

FID's usual network, Inception-v3, needs weights these machines cannot download, so, as papers on
small datasets do, we train an in-domain one. The recipe is a small all-convolutional network in
the style of the fast CIFAR-10 ResNet-9 / airbench nets (conv, max-pool, batch norm, GELU; global
max-pool to the features), trained with random crops and flips, label smoothing, SGD with
Nesterov momentum and a warm-up then cosine learning rate. A fixed 10 % of each class is held out
and never trained on: its accuracy is the judge's own grade, and its images are the "real" floor
every generative model is read against.

The judge folder describes itself:

    judge.keras     the classifier (float32), logits over ``class_names``; its layer "features"
                    is the feature space
    config.json     recipe, class names, split, held-out and per-class accuracy, data hashes
    history.jsonl   one line per epoch (loss, train accuracy, held-out accuracy, seconds)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ...core.layout import CONFIG, JUDGE_HISTORY, JUDGE_MODEL
from ..config import JudgeConfig, to_json
from ..data import to_model_range

FEATURES_LAYER = "features"


class JudgeInterrupted(Exception):
    """Ctrl-C during training: nothing was written to the output folder."""


def holdout_mask(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """True for the held-out images: a fixed ``fraction`` of each class, chosen by a generator
    seeded with (seed, class index) over that class's images in loading order. Loading one class
    alone therefore gives the same held-out images as loading all of them."""
    labels = np.asarray(labels)
    mask = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        mask[members[class_holdout_indices(len(members), fraction, seed, int(label))]] = True
    return mask


def class_holdout_indices(count: int, fraction: float, seed: int, label: int) -> np.ndarray:
    """Positions (within one class, in loading order) of that class's held-out images."""
    order = np.random.default_rng([seed, label]).permutation(count)
    return np.sort(order[: int(round(fraction * count))])


def content_hash(images: np.ndarray) -> str:
    """sha256 of the decoded pixels: the same for a zip, a folder or a .npz of the same images."""
    return hashlib.sha256(np.ascontiguousarray(images, dtype=np.uint8).tobytes()).hexdigest()


def file_hash(path: Path) -> str | None:
    path = Path(path)
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_judge(config: JudgeConfig, num_classes: int):
    """conv -> [conv, max-pool, BN, GELU, conv, BN, GELU] per width -> global max-pool
    ("features") -> dense logits. Pooling right after the first conv of a block keeps most of
    the FLOPs at the lower resolution (as in airbench)."""
    import keras
    from keras import layers

    def conv_bn(x, filters, name):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
        return layers.Activation("gelu", name=f"{name}_gelu")(x)

    inputs = keras.Input((32, 32, 3), name="image")
    x = conv_bn(inputs, config.widths[0], "stem")
    for index, width in enumerate(config.widths[1:], start=1):
        x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"b{index}a_conv")(x)
        x = layers.MaxPooling2D(name=f"b{index}_pool")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"b{index}a_bn")(x)
        x = layers.Activation("gelu", name=f"b{index}a_gelu")(x)
        x = conv_bn(x, width, f"b{index}b")
    features = layers.GlobalMaxPooling2D(name=FEATURES_LAYER)(x)
    logits = layers.Dense(num_classes, dtype="float32", name="logits")(features)
    return keras.Model(inputs, logits, name="judge")


def augment(images: np.ndarray, rng: np.random.Generator, shift: int = 4) -> np.ndarray:
    """Random translation by up to ``shift`` pixels (reflect-padded crop) and horizontal flip,
    for a whole uint8 array at once."""
    count, height, width, _ = images.shape
    padded = np.pad(images, ((0, 0), (shift, shift), (shift, shift), (0, 0)), mode="reflect")
    dy = rng.integers(0, 2 * shift + 1, count)
    dx = rng.integers(0, 2 * shift + 1, count)
    rows = dy[:, None] + np.arange(height)[None, :]
    cols = dx[:, None] + np.arange(width)[None, :]
    flip = rng.random(count) < 0.5
    cols = np.where(flip[:, None], cols[:, ::-1], cols)
    index = np.arange(count)[:, None, None]
    return padded[index, rows[:, :, None], cols[:, None, :]]


def predict_logits(model, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Logits for uint8 images or images already in [-1, 1]."""
    import keras

    out = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        if batch.dtype == np.uint8:
            batch = to_model_range(batch)
        out.append(keras.ops.convert_to_numpy(model(batch, training=False)))
    return np.concatenate(out).astype(np.float32)


def accuracy_by_class(logits: np.ndarray, labels: np.ndarray, num_classes: int):
    predicted = np.argmax(logits, axis=1)
    overall = float(np.mean(predicted == labels))
    per_class = [
        float(np.mean(predicted[labels == c] == c)) if np.any(labels == c) else None
        for c in range(num_classes)
    ]
    return overall, per_class


class _ProgressBar:
    """A tqdm bar over all training batches, fed by a Keras callback."""

    def __init__(self, total: int):
        import keras

        self.bar = tqdm(
            total=total, unit="batch", desc="judge training", file=sys.stderr, mininterval=1.0
        )
        bar = self.bar

        class Callback(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                bar.update(1)

        self.callback = Callback()


def train_judge(
    config: JudgeConfig,
    images: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
    out_dir: Path,
    data_file: Path | None = None,
) -> dict:
    """Train on all but the held-out images and write the judge folder (atomically: into a
    temporary sibling folder renamed at the end, so a crash or Ctrl-C leaves no half judge)."""
    import keras

    out_dir = Path(out_dir)
    keras.utils.set_random_seed(config.seed)
    num_classes = len(class_names)
    held_out = holdout_mask(labels, config.holdout_fraction, config.split_seed)
    train_x, train_y = images[~held_out], labels[~held_out]
    test_x, test_y = images[held_out], labels[held_out]
    steps_per_epoch = len(train_x) // config.batch_size
    if steps_per_epoch < 1:
        raise ValueError(
            f"{len(train_x)} training images are fewer than one batch of {config.batch_size}"
        )
    total_steps = steps_per_epoch * config.epochs

    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(config.precision)
    try:
        model = build_judge(config, num_classes)
    finally:
        keras.config.set_dtype_policy(previous_policy)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        decay_steps=max(total_steps - config.warmup_steps, 1),
        warmup_target=config.learning_rate,
        warmup_steps=config.warmup_steps,
    )
    optimizer = keras.optimizers.SGD(
        schedule, momentum=0.9, nesterov=True, weight_decay=config.weight_decay
    )
    optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=config.label_smoothing
        ),
        metrics=["accuracy"],
    )

    staging = out_dir.with_name(f".{out_dir.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    rng = np.random.default_rng(config.seed)
    progress = _ProgressBar(total_steps)
    history = []
    started = time.perf_counter()
    try:
        with open(staging / JUDGE_HISTORY, "w", buffering=1) as history_file:
            for epoch in range(config.epochs):
                began = time.perf_counter()
                order = rng.permutation(len(train_x))[: steps_per_epoch * config.batch_size]
                batch_x = to_model_range(augment(train_x[order], rng))
                batch_y = keras.utils.to_categorical(train_y[order], num_classes)
                result = model.fit(
                    batch_x,
                    batch_y,
                    batch_size=config.batch_size,
                    epochs=1,
                    shuffle=False,
                    verbose=0,
                    callbacks=[progress.callback],
                )
                held_acc = (
                    accuracy_by_class(predict_logits(model, test_x), test_y, num_classes)[0]
                    if len(test_x)
                    else float("nan")
                )
                record = {
                    "epoch": epoch + 1,
                    "loss": float(result.history["loss"][-1]),
                    "train_accuracy": float(result.history["accuracy"][-1]),
                    "heldout_accuracy": held_acc,
                    "seconds": time.perf_counter() - began,
                }
                history.append(record)
                history_file.write(json.dumps(record) + "\n")
                progress.bar.set_postfix(
                    epoch=epoch + 1, loss=f"{record['loss']:.3f}", heldout=f"{held_acc:.3f}"
                )
    except KeyboardInterrupt:
        progress.bar.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise JudgeInterrupted from None
    progress.bar.close()
    seconds = time.perf_counter() - started

    if config.precision != "float32":  # the judge is read in float32 everywhere else
        with_policy = model
        model = build_judge(config, num_classes)
        model.set_weights(with_policy.get_weights())
    test_logits = predict_logits(model, test_x) if len(test_x) else np.zeros((0, num_classes))
    overall, per_class = accuracy_by_class(test_logits, test_y, num_classes)
    per_class_hashes = {
        name: content_hash(images[labels == index]) for index, name in enumerate(class_names)
    }
    summary = {
        "format": "latentwalk-judge/1",
        "recipe": to_json(config),
        "class_names": list(class_names),
        "feature_layer": FEATURES_LAYER,
        "feature_dim": int(model.get_layer(FEATURES_LAYER).output.shape[-1]),
        "parameters": int(model.count_params()),
        "split": {
            "holdout_fraction": config.holdout_fraction,
            "split_seed": config.split_seed,
            "rule": "per class, numpy default_rng([split_seed, class_index]).permutation(n); "
            "the first round(fraction * n) positions in loading order are held out",
            "train_images": int(len(train_x)),
            "heldout_images": int(len(test_x)),
        },
        "heldout_accuracy": overall,
        "heldout_accuracy_by_class": dict(zip(class_names, per_class, strict=True)),
        "training_seconds": round(seconds, 1),
        "history": history,
        "data": {
            "source": config.data_source,
            "file_sha256": file_hash(data_file) if data_file else None,
            "images_sha256": content_hash(images),
            "class_images_sha256": per_class_hashes,
        },
        "keras_backend": keras.backend.backend(),
    }
    model.save(staging / JUDGE_MODEL)
    (staging / CONFIG).write_text(json.dumps(summary, indent=2) + "\n")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    os.replace(staging, out_dir)
    return summary
