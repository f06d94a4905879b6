"""The training loop shared by the GAN and the VAE, and the run folder it writes.

A run folder describes itself, so later stages need nothing else:

    config.json          how the run was made (written once, read back on --resume)
    metrics.jsonl        one JSON object per logged step, plus events (rebalancing, interrupts)
    samples/             step_000250.png ... from fixed latent seeds, and latest.png
    checkpoints/         ckpt-0000250.npz: every model and optimizer variable, the step, extras
    tensorboard/         scalars for TensorBoard
    generator.keras      (GAN) or decoder.keras + encoder.keras (VAE), written when training ends

Each training step draws its batch and noise from ``numpy.random.default_rng([seed, step])``, so a
run is repeatable and a resumed run continues exactly as the uninterrupted run would have.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Protocol

import numpy as np
from tqdm import tqdm

from train import config as config_module
from train.images import save_grid
from train.tensorboard_log import open_scalars

CHECKPOINTS_KEPT = 3


class RunError(RuntimeError):
    """A run folder that cannot be used as asked (the CLI exits with code 2)."""


class Interrupted(Exception):
    def __init__(self, step: int):
        super().__init__(f"interrupted at step {step}")
        self.step = step


class Task(Protocol):
    """What a trainer plugs into the loop (see train/gan_task.py and train/vae.py)."""

    config: object

    def variables(self) -> dict[str, list]: ...
    def train_step(self, real_images: np.ndarray, rng: np.random.Generator) -> dict: ...
    def after_step(self, step: int, metrics: dict) -> list[dict]: ...
    def extra_state(self) -> dict: ...
    def load_extra_state(self, state: dict) -> None: ...
    def sample_images(self) -> np.ndarray: ...
    def save_final(self, run_dir: Path) -> None: ...


def check_run_dir(run_dir: Path, resume: bool) -> None:
    """Refuse a run folder that cannot be used as asked, before anything is written."""
    run_dir = Path(run_dir)
    if resume:
        if not (run_dir / "config.json").exists():
            raise RunError(f"cannot resume {run_dir}: it has no config.json (is it a run folder?)")
        if latest_checkpoint(run_dir) is None:
            raise RunError(f"cannot resume {run_dir}: it has no checkpoint yet")
    elif run_dir.exists() and any(run_dir.iterdir()):
        raise RunError(
            f"{run_dir} already exists and is not empty: pass --resume {run_dir} to "
            "continue it, or choose another --out"
        )


def prepare_run_dir(run_dir: Path, resume: bool) -> Path:
    check_run_dir(run_dir, resume)
    run_dir = Path(run_dir)
    for sub in ("samples", "checkpoints", "tensorboard"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    return run_dir


def latest_checkpoint(run_dir: Path) -> Path | None:
    found = sorted((Path(run_dir) / "checkpoints").glob("ckpt-*.npz"))
    return found[-1] if found else None


def save_checkpoint(task: Task, run_dir: Path, step: int) -> Path:
    """All variables and the step, written to a temporary file and renamed, so a crash while
    saving never leaves a half-written checkpoint behind."""
    arrays = {
        f"{group}/{index}": np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)
        for group, variables in task.variables().items()
        for index, variable in enumerate(variables)
    }
    meta = {"step": step, "extra": task.extra_state()}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    folder = Path(run_dir) / "checkpoints"
    final = folder / f"ckpt-{step:07d}.npz"
    temporary = folder / f".ckpt-{step:07d}.tmp.npz"
    np.savez(temporary, **arrays)
    os.replace(temporary, final)
    for old in sorted(folder.glob("ckpt-*.npz"))[:-CHECKPOINTS_KEPT]:
        old.unlink()
    return final


def restore_checkpoint(task: Task, path: Path) -> int:
    with np.load(path) as arrays:
        meta = json.loads(arrays["meta"].tobytes().decode())
        for group, variables in task.variables().items():
            for index, variable in enumerate(variables):
                value = arrays[f"{group}/{index}"]
                if tuple(value.shape) != tuple(variable.shape):
                    raise RunError(
                        f"checkpoint {path} does not match the model ({group} "
                        f"variable {index}: {value.shape} vs {tuple(variable.shape)})"
                    )
                variable.assign(value)
    task.load_extra_state(meta["extra"])
    return int(meta["step"])


class MetricsLog:
    """metrics.jsonl (flushed every line, so nothing is lost on a crash) and TensorBoard
    (through tf.summary, or the tensorboard package alone on JAX: train/tensorboard_log.py)."""

    def __init__(self, run_dir: Path):
        self._file = open(Path(run_dir) / "metrics.jsonl", "a", buffering=1)
        self._scalars = open_scalars(Path(run_dir) / "tensorboard")

    def write(self, record: dict) -> None:
        self._file.write(json.dumps(record) + "\n")
        if "event" in record:
            return
        scalars = {
            key: value
            for key, value in record.items()
            if key != "step" and isinstance(value, (int, float))
        }
        self._scalars.write(record["step"], scalars)

    def close(self) -> None:
        self._scalars.close()
        self._file.close()


class _StopFlag:
    """First Ctrl-C asks the loop to stop after the current step; a second one aborts."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        def handler(signum, frame):
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True
            tqdm.write(
                "Ctrl-C: finishing this step and saving a checkpoint "
                "(press again to abort without saving)"
            )

        try:
            self._previous = signal.signal(signal.SIGINT, handler)
        except ValueError:  # not the main thread (e.g. inside a test runner thread)
            self._previous = None
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def train(task: Task, run_dir: Path, images: np.ndarray, resume: bool = False, probe=None) -> Path:
    """Run ``task`` from its last checkpoint (or step 0) to ``config.steps``. With a ``probe``
    (train/evaluate.py's QualityProbe), every ``config.eval_every`` steps the judge grades
    samples and the figures go to metrics.jsonl and TensorBoard."""
    config = task.config
    run_dir = Path(run_dir)
    start = restore_checkpoint(task, latest_checkpoint(run_dir)) if resume else 0
    config_module.save(config, run_dir)  # on resume too: steps or jit may have changed
    log = MetricsLog(run_dir)
    window: list[dict] = []
    window_seconds = 0.0
    step = start
    bar = tqdm(
        total=config.steps,
        initial=start,
        unit="step",
        desc=f"{config.kind} training",
        dynamic_ncols=True,
        mininterval=1.0,
        file=sys.stderr,
    )
    try:
        with _StopFlag() as stop:
            while step < config.steps:
                rng = np.random.default_rng([config.seed, step])
                batch = images[rng.integers(0, len(images), config.batch_size)]
                began = time.perf_counter()
                metrics = task.train_step(batch, rng)
                window_seconds += time.perf_counter() - began
                window.append(metrics)
                step += 1
                bar.update(1)
                for event in task.after_step(step, metrics):
                    tqdm.write(f"step {step}: {event['message']}")
                    log.write({"step": step, **event})
                if step % config.log_every == 0 or step == config.steps:
                    record = {key: float(np.mean([m[key] for m in window])) for key in window[0]}
                    record["images_per_s"] = config.batch_size * len(window) / window_seconds
                    log.write({"step": step, **record})
                    bar.set_postfix({k: f"{v:.3f}" for k, v in record.items()}, refresh=False)
                    window, window_seconds = [], 0.0
                if probe is not None and (step % config.eval_every == 0 or step == config.steps):
                    record = probe.measure(task.generate)
                    log.write({"step": step, **record})
                    tqdm.write(
                        f"step {step}: "
                        + ", ".join(
                            f"{key[5:]} {value:.4g}"
                            for key, value in record.items()
                            if isinstance(value, float)
                        )
                    )
                if step % config.sample_every == 0 or step == config.steps:
                    write_samples(task, run_dir, step)
                if step % config.checkpoint_every == 0 or step == config.steps:
                    save_checkpoint(task, run_dir, step)
                if stop.requested and step < config.steps:
                    save_checkpoint(task, run_dir, step)
                    log.write(
                        {
                            "step": step,
                            "event": "interrupted",
                            "message": "stopped by Ctrl-C; checkpoint saved",
                        }
                    )
                    raise Interrupted(step)
    finally:
        bar.close()
        log.close()
    task.save_final(run_dir)
    return run_dir


def write_samples(task: Task, run_dir: Path, step: int) -> Path:
    samples = Path(run_dir) / "samples"
    images = task.sample_images()
    columns = getattr(task, "grid_columns", None)
    path = save_grid(images, samples / f"step_{step:07d}.png", columns)
    save_grid(images, samples / "latest.png", columns)
    return path
