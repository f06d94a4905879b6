"""Helpers shared by the test modules (test modules import from here, never from each other):
images the tests make, the trainer on tiny settings, readers of a run folder, a worker process
that runs trainer commands on another Keras backend, and constructed generators."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import os
import select
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


# --- data and runs made by the tests -------------------------------------------------------------


def make_images(count: int, seed: int = 0, size: int = 32) -> np.ndarray:
    """Smooth colour blobs on a gradient: structured enough that a model can learn something."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    images = np.empty((count, size, size, 3), dtype=np.uint8)
    for index in range(count):
        cy, cx, radius = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.1, 0.3)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))
        background = rng.uniform(0, 0.5, 3) * (0.5 + 0.5 * yy[..., None])
        colour = rng.uniform(0.3, 1.0, 3)
        image = background * (1 - blob[..., None]) + colour * blob[..., None]
        images[index] = np.clip(image * 255, 0, 255).astype(np.uint8)
    return images


def tiny_command(kind: str, data: Path, out: Path, *extra: str) -> list[str]:
    """The README's training command (after ``python -m train``) on the tiny preset."""
    return [kind, "--preset", "tiny", "--data", str(data), "--class", "all", "--out", str(out),
            *extra]  # fmt: skip


def train_tiny(kind: str, data: Path, out: Path, *extra: str) -> Path:
    """Train in this process, through the command line's ``main``."""
    from latentwalk.train.cli import main

    assert main(tiny_command(kind, data, out, *extra)) == 0
    return out


def losses(run: Path, *keys: str) -> list[dict]:
    """The logged steps of ``run`` (not its events): each one's step and ``keys``."""
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [{key: r[key] for key in ("step", *keys)} for r in records if "event" not in r]


def fork_at(run: Path, step: int, destination: Path) -> Path:
    """A copy of ``run`` as it was at ``step``: its config, metrics and that checkpoint only."""
    (destination / "checkpoints").mkdir(parents=True)
    shutil.copy(run / "config.json", destination)
    checkpoint = f"ckpt-{step:07d}.npz"
    shutil.copy(run / "checkpoints" / checkpoint, destination / "checkpoints" / checkpoint)
    lines = (run / "metrics.jsonl").read_text().splitlines()
    kept = [line for line in lines if json.loads(line)["step"] <= step]
    (destination / "metrics.jsonl").write_text("\n".join(kept) + "\n")
    return destination


def tensorboard_scalars(folder: Path, tag: str) -> list[tuple[int, float]]:
    """(step, value) of ``tag`` in every event file of ``folder``, as TensorBoard reads them."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(folder))
    accumulator.Reload()
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


# --- another backend in a worker process ---------------------------------------------------------


def backend_env(backend: str, cpu_devices: int = 1, jax_cache: Path | None = None) -> dict:
    """The environment of a process on ``backend`` ("tensorflow" or "jax") with ``cpu_devices``
    virtual CPU devices (they must exist before the backend starts) and no GPU. JAX compiles
    each training step for seconds: with a ``jax_cache`` folder, a step compiled before (the
    same model and settings in another test or process, a resumed run) is read from it."""
    cache = {
        "JAX_COMPILATION_CACHE_DIR": str(jax_cache),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
    }
    return {
        **os.environ,
        "KERAS_BACKEND": backend,
        "LATENTWALK_CPU_DEVICES": str(cpu_devices),
        "JAX_PLATFORMS": "cpu",
        "CUDA_VISIBLE_DEVICES": "",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        **(cache if jax_cache else {}),
    }


class BackendWorker:
    """A Python process on one Keras backend that runs the trainer's command lines (``main(argv)``,
    what ``python -m train ARGS`` runs) and probe functions, one request at a time.

    Starting TensorFlow or JAX costs a process seconds (and JAX compiles each new training step
    again); a worker pays it once for the whole session. Each request's computations start as
    in a new process: models, optimizers and random streams come from the run's seed,
    checkpoints are keyed by layer (not by Keras's per-process names), and on TensorFlow each
    request gets collective operations of its own (see _new_collective_keys)."""

    def __init__(self, backend: str, cpu_devices: int, log: Path, jax_cache: Path | None = None):
        self.backend, self.log = backend, Path(log)
        with open(self.log, "w") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from tests.support import serve; serve()"],
                cwd=REPO,
                env=backend_env(backend, cpu_devices, jax_cache),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log_file,
                text=True,
            )

    def _ask(self, request: dict, timeout_s: float) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout_s
        while not select.select([self.process.stdout], [], [], 1.0)[0]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise AssertionError(
                    f"the {self.backend} worker died or hung on {request}: "
                    f"{self.log.read_text()[-4000:]}"
                )
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"the {self.backend} worker died: {self.log.read_text()[-4000:]}")
        answer = json.loads(line)
        assert "error" not in answer, f"{request} failed on {self.backend}:\n{answer['error']}"
        return answer

    def command(self, *argv: str, timeout_s: float = 900) -> tuple[int, str]:
        """Run ``python -m train ARGV`` here: its exit code and what it wrote to stderr."""
        answer = self._ask({"train": [str(a) for a in argv]}, timeout_s)
        return answer["code"], answer["stderr"]

    def train(self, *argv: str) -> str:
        """Run ``python -m train ARGV`` here, which must succeed; what it wrote to stderr."""
        code, err = self.command(*argv)
        assert code == 0, err[-4000:]
        return err

    def call(self, function: str, *args, timeout_s: float = 900):
        """``module:name`` called with JSON-able ``args``; its JSON-able result."""
        return self._ask({"call": function, "args": list(args)}, timeout_s)["result"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def backend_worker(backend: str, cpu_devices: int, log: Path, jax_cache: Path | None = None):
    """A BackendWorker, closed when the block ends."""
    worker = BackendWorker(backend, cpu_devices, log, jax_cache)
    try:
        yield worker
    finally:
        worker.close()


def serve() -> None:
    """The worker's side (run with ``python -c``): one JSON request a line on stdin, one JSON
    answer a line on stdout. Whatever the work prints goes to stderr (the worker's log)."""
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    devices = int(os.environ.get("LATENTWALK_CPU_DEVICES") or 1)
    if devices > 1:  # the virtual devices, made before the backend runs anything
        from latentwalk.train import parallel
        from latentwalk.train.cluster import Cluster

        parallel.prepare(devices, Cluster(), devices)
    from latentwalk.train.cli import main

    for line in sys.stdin:
        request = json.loads(line)
        if os.environ.get("KERAS_BACKEND") == "tensorflow":
            _new_collective_keys()
        try:
            if "train" in request:
                logging.root.handlers.clear()  # main() logs to the stderr of its own request
                stderr = io.StringIO()
                with contextlib.redirect_stderr(stderr):
                    try:
                        code = main(request["train"])
                    except SystemExit as stop:
                        code = stop.code
                answer = {"code": code, "stderr": stderr.getvalue()}
            else:
                module, name = request["call"].split(":")
                function = getattr(importlib.import_module(module), name)
                answer = {"result": function(*request["args"])}
        except BaseException:  # reported to the test, which fails with it
            answer = {"error": traceback.format_exc()}
        answers.write(json.dumps(answer) + "\n")


def _new_collective_keys() -> None:
    """Every MirroredStrategy numbers its collective operations from the same start, so in one
    process a second strategy's collide with the first one's (TensorFlow 2.19: "Shape mismatch
    in the collective instance 100"). TensorFlow's own tests give each strategy a range of its
    own through this class attribute ("only set this in tests")."""
    import tensorflow as tf

    tf.distribute.MirroredStrategy._collective_key_base += 1000


# --- constructed generators whose tear figures are known (test_tearing.py, test_verdict.py) ------

DIM = 8


def _images(values: np.ndarray) -> np.ndarray:
    """(n,) values in [-1, 1] -> (n, 4, 4, 3) flat images of that value."""
    return np.broadcast_to(values[:, None, None, None], (len(values), 4, 4, 3)).astype(np.float32)


def step_generator(z: np.ndarray) -> np.ndarray:
    """Class 1 (white) where z[0] > 0, class 0 (black) elsewhere: a tear at z[0] = 0."""
    return _images(np.where(z[:, 0] > 0, 1.0, -1.0))


def ramp_generator(z: np.ndarray) -> np.ndarray:
    """The same two classes joined by a smooth ramp across z[0] = 0."""
    return _images(np.tanh(z[:, 0] / 2.0))


def brightness_judge(images: np.ndarray):
    """Embedding: the pixels; class 1's probability rises steeply with the mean brightness."""
    flat = np.asarray(images, np.float64).reshape(len(images), -1)
    p1 = 1.0 / (1.0 + np.exp(-8.0 * flat.mean(axis=1)))
    return flat, np.stack([1.0 - p1, p1], axis=1)
