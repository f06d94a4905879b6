"""The training loop shared by the GAN and the VAE, and the run folder it writes.

A run folder describes itself, so later stages need nothing else:

    config.json          how the run was made (read back on --resume), and under "provenance"
                         when and where: each session's start, end, wall seconds, steps,
                         outcome, hardware, library versions and commit (train/provenance.py)
    metrics.jsonl        one JSON object per logged step, plus events (rebalancing, interrupts)
    samples/             step_000250.png ... from fixed latent seeds, and latest.png
    checkpoints/         ckpt-0000250.npz: every model and optimizer variable under a stable key
                         (train/checkpoint.py), the step, extras
    tensorboard/         scalars for TensorBoard
    generator.keras      (GAN) or decoder.keras + encoder.keras (VAE), written when training ends
    .lock                held (flock) by the one process training the run, with its pid

Each training step draws its batch and noise from ``numpy.random.default_rng([seed, step])``, so a
run is repeatable and a resumed run continues exactly as the uninterrupted run would have.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import zipfile
from pathlib import Path
from typing import Protocol

import numpy as np
from tqdm import tqdm

from ..core import layout
from ..core.images import save_grid
from . import checkpoint
from . import config as config_module
from .provenance import Session
from .tensorboard_log import open_scalars

CHECKPOINTS_KEPT = 3


class RunError(RuntimeError):
    """A run folder that cannot be used as asked (the CLI exits with code 2)."""


class Interrupted(Exception):
    def __init__(self, step: int):
        super().__init__(f"interrupted at step {step}")
        self.step = step


class Diverged(RuntimeError):
    """Training produced a non-finite loss or weights; nothing from that step on was saved."""


class Task(Protocol):
    """What a trainer plugs into the loop (see train/gan_task.py and train/vae.py)."""

    config: object

    def variables(self) -> dict[str, dict[str, object]]: ...
    def train_step(self, real_images: np.ndarray, rng: np.random.Generator) -> dict: ...
    def after_step(self, step: int, metrics: dict) -> list[dict]: ...
    def extra_state(self) -> dict: ...
    def load_extra_state(self, state: dict) -> None: ...
    def sample_images(self) -> np.ndarray: ...
    def save_final(self, run_dir: Path) -> None: ...


def check_run_dir(run_dir: Path, resume: bool) -> None:
    """Refuse a run folder that cannot be used as asked, before anything is written."""
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise RunError(f"{run_dir} is a file, not a folder: choose another --out")
    if resume:
        if not (run_dir / layout.CONFIG).exists():
            raise RunError(f"cannot resume {run_dir}: it has no config.json (is it a run folder?)")
    elif run_dir.exists() and any(run_dir.iterdir()):
        raise RunError(
            f"{run_dir} already exists and is not empty: pass --resume {run_dir} to "
            "continue it, or choose another --out"
        )


class RunLock:
    """A run folder's owner: an exclusive ``flock`` on its .lock file, held while one process
    trains it, so a second trainer (a --resume of a live run, say) is refused instead of both
    writing the same files. The kernel releases the lock when its process dies, however it dies,
    so a lock left by a killed run is simply taken over (and said so)."""

    def __init__(self):
        self.file = None
        self.took_over: str | None = None  # the line of a holder that was killed

    def acquire(self, run_dir: Path) -> None:
        if self.file is not None:
            return
        import fcntl

        path = Path(run_dir) / layout.LOCK
        try:
            handle = open(path, "a+")  # noqa: SIM115 -- held open for the run's life
        except OSError as error:
            raise RunError(f"cannot lock {run_dir}: {_reason(error)}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunError(
                f"{run_dir} is being trained by another process ({holder}): wait for it to "
                "finish, or stop it (Ctrl-C saves a checkpoint) and resume then"
            ) from None
        handle.seek(0)
        previous = handle.read().strip()
        self.took_over = previous or None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        self.file = handle

    def release(self) -> None:
        """Ends the ownership: the file is emptied (a holder's line left in it means that holder
        was killed) and closed, which drops the flock."""
        if self.file is not None:
            try:
                self.file.truncate(0)
            except OSError:
                pass  # a full or read-only disk: the line stays, the lock goes all the same
            self.file.close()
            self.file = None


def prepare_run_dir(run_dir: Path, resume: bool) -> Path:
    check_run_dir(run_dir, resume)
    run_dir = Path(run_dir)
    try:
        for sub in (layout.SAMPLES, layout.CHECKPOINTS, layout.TENSORBOARD):
            (run_dir / sub).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RunError(f"cannot create the run folder {run_dir}: {_reason(error)}") from None
    remove_temporary_files(run_dir)
    return run_dir


_reason = layout.os_reason


def remove_temporary_files(run_dir: Path) -> list[Path]:
    """Half-written files a killed run left behind (checkpoints and models are written to a
    hidden temporary name and renamed): they are never read, so they go."""
    run_dir = Path(run_dir)
    found = [
        *(run_dir / layout.CHECKPOINTS).glob(layout.CHECKPOINT_LEFTOVERS),
        *run_dir.glob(".*.tmp.keras"),
        *run_dir.glob(".config.json.tmp"),
    ]
    for path in found:
        path.unlink(missing_ok=True)
    return found


def latest_checkpoint(run_dir: Path) -> Path | None:
    found = checkpoints(run_dir)
    return found[-1] if found else None


def checkpoints(run_dir: Path) -> list[Path]:
    """The run's checkpoints, oldest first."""
    return sorted((Path(run_dir) / layout.CHECKPOINTS).glob(layout.CHECKPOINT_GLOB))


def _finite(array: np.ndarray) -> bool:
    return not np.issubdtype(array.dtype, np.floating) or bool(np.isfinite(array).all())


def save_checkpoint(task: Task, run_dir: Path, step: int) -> Path:
    """Every variable under its stable key, and the step (train/checkpoint.py). Non-finite
    weights are never saved. The newest CHECKPOINTS_KEPT are kept."""
    arrays = {key: checkpoint.value(v) for key, v in checkpoint.flatten(task.variables()).items()}
    bad = [name for name, array in arrays.items() if not _finite(array)]
    if bad:
        raise Diverged(f"the weights are not finite at step {step} ({bad[0]} has NaN or Inf)")
    final = layout.checkpoint_path(run_dir, step)
    checkpoint.write(final, arrays, {"step": step, "extra": task.extra_state()})
    for old in checkpoints(run_dir)[:-CHECKPOINTS_KEPT]:
        old.unlink()
    return final


def restore_checkpoint(task: Task, path: Path) -> int:
    """Load ``path`` into ``task``; a checkpoint of another model is a RunError saying what is
    missing, extra or mis-shaped, and nothing is loaded. Returns the step."""
    try:
        meta = checkpoint.read(path, task.variables())
    except checkpoint.CheckpointMismatch as error:
        raise RunError(
            f"{error}. The model's code or settings differ from the ones that saved it: resume "
            "with those, or start a new run"
        ) from None
    task.load_extra_state(meta["extra"])
    return int(meta["step"])


def restore_latest(task: Task, run_dir: Path) -> int:
    """Restore the newest checkpoint that loads; a damaged one (truncated by a crash, say) is
    reported and the one before it is tried. A checkpoint of another model is an error. A run
    with no checkpoint yet starts from step 0. Returns the step restored."""
    found = checkpoints(run_dir)
    if not found:  # stopped before its first checkpoint: it starts over, with its settings
        return 0
    for path in reversed(found):
        try:
            return restore_checkpoint(task, path)
        except RunError:
            raise
        except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as error:
            tqdm.write(
                f"{path.name} cannot be read ({type(error).__name__}: {error}); "
                "trying the checkpoint before it",
                file=sys.stderr,
            )
    raise RunError(f"cannot resume {run_dir}: none of its {len(found)} checkpoint(s) can be read")


def truncate_metrics(run_dir: Path, step: int) -> int:
    """Drop metrics.jsonl lines past ``step`` (and a half-written last line): after a crash the
    resumed run writes those steps again. Returns the number of lines dropped."""
    path = Path(run_dir) / layout.METRICS
    if not path.exists():
        return 0
    kept, dropped = [], 0
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
            keep = int(record.get("step", 0)) <= step
        except (ValueError, TypeError, AttributeError):
            keep = False
        if keep:
            kept.append(line)
        else:
            dropped += 1
    if dropped:
        temporary = path.with_name(".metrics.jsonl.tmp")
        temporary.write_text("".join(f"{line}\n" for line in kept))
        temporary.replace(path)
    return dropped


class MetricsLog:
    """metrics.jsonl (flushed every line, so nothing is lost on a crash) and TensorBoard's
    event files (tensorboardX, on either backend: train/tensorboard_log.py)."""

    def __init__(self, run_dir: Path):
        # Open for the whole run (closed by close()), line-buffered: no context manager fits.
        self._file = open(Path(run_dir) / layout.METRICS, "a", buffering=1)  # noqa: SIM115
        self._scalars = open_scalars(Path(run_dir) / layout.TENSORBOARD)

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


class _NoLog:
    """The metrics log of a process that writes nothing (not the chief of several)."""

    def write(self, record: dict) -> None:
        pass

    def close(self) -> None:
        pass


class _StopFlag:
    """First Ctrl-C (SIGINT) or SIGTERM asks the loop to stop after the current step and save a
    checkpoint; a second one aborts."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.requested = False
        self.signal_name = ""
        self._previous = {}

    def __enter__(self):
        def handler(signum, frame):
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True
            self.signal_name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
            tqdm.write(
                f"{self.signal_name}: finishing this step and saving a checkpoint "
                "(send it again to abort without saving)",
                file=sys.stderr,
            )

        for number in self.SIGNALS:
            try:
                self._previous[number] = signal.signal(number, handler)
            except ValueError:  # not the main thread (e.g. inside a test runner thread)
                pass
        return self

    def __exit__(self, *exc):
        for number, previous in self._previous.items():
            signal.signal(number, previous)


def train(
    task: Task,
    run_dir: Path,
    images: np.ndarray,
    resume: bool = False,
    probe=None,
    chief: bool = True,
    began: float | None = None,
) -> Path:
    """Run ``task`` from its last checkpoint (or step 0) to ``config.steps``. With a ``probe``
    (train/quality/evaluate.py's QualityProbe), every ``config.eval_every`` steps the judge grades
    samples and the figures go to metrics.jsonl and TensorBoard.

    config.json records this session (train/provenance.py) from ``began`` (a ``time.time()``,
    default now) after the run's earlier ones: rewritten at every checkpoint, so a killed run
    still says how far it got, and once more with the outcome when the session ends.

    On several machines (train/parallel.py) every process runs this loop in step with the others
    and computes everything (on JAX, any computation with the shared weights takes all of them);
    only the ``chief`` writes the run folder. The others read its checkpoints to resume."""
    config = task.config
    run_dir = Path(run_dir)
    start = restore_latest(task, run_dir) if resume else 0
    if config.steps < start:
        raise RunError(
            f"{run_dir} is already at step {start}: --steps {config.steps} would go backwards "
            f"(give more than {start}, or leave --steps out to finish the planned "
            "steps)"
        )
    session = None
    try:
        if resume and chief:
            truncate_metrics(run_dir, start)
        if chief:
            earlier = layout.read_json(run_dir / layout.CONFIG).get(layout.PROVENANCE)
            session = Session(start, earlier if resume else None, began)
            # On resume too: steps, jit, devices may change, and a session begins.
            config_module.save(config, run_dir, session.record(start))
        log = MetricsLog(run_dir) if chief else _NoLog()
    except OSError as error:
        raise RunError(f"cannot write to {run_dir}: {_reason(error)}") from None
    window: list[dict] = []
    window_seconds = 0.0
    step = start
    outcome = "failed"  # until the loop says otherwise
    bar = tqdm(
        total=config.steps,
        initial=start,
        unit="step",
        desc=f"{config.kind} training",
        dynamic_ncols=True,
        mininterval=1.0,
        file=sys.stderr,
        disable=not chief,  # one progress bar for the run
    )
    try:
        with _StopFlag() as stop:
            while step < config.steps:
                rng = np.random.default_rng([config.seed, step])
                batch = images[rng.integers(0, len(images), config.batch_size)]
                began = time.perf_counter()
                metrics = task.train_step(batch, rng)
                window_seconds += time.perf_counter() - began
                _check_finite(metrics, step + 1, config, run_dir, log)
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
                    if chief:
                        write_samples(task, run_dir, step)
                    else:  # drawn all the same: on JAX every process takes part
                        task.sample_images()
                if chief and (step % config.checkpoint_every == 0 or step == config.steps):
                    save_checkpoint(task, run_dir, step)
                    config_module.save(config, run_dir, session.record(step))
                if stop.requested and step < config.steps:
                    if chief:
                        save_checkpoint(task, run_dir, step)
                    log.write(
                        {
                            "step": step,
                            "event": "interrupted",
                            "message": f"stopped by {stop.signal_name}; checkpoint saved",
                        }
                    )
                    outcome = "interrupted"
                    raise Interrupted(step)
        _check_final_weights(task, step)
        if chief:
            task.save_final(run_dir)
        outcome = "finished"
    except Diverged as error:
        outcome = "diverged"
        kept = latest_checkpoint(run_dir)
        where = f"the last good checkpoint is {kept.name}" if kept else "no checkpoint was kept"
        raise Diverged(f"{error}; nothing from that step on was saved ({where})") from None
    except KeyboardInterrupt:
        outcome = "aborted"  # the second Ctrl-C
        raise
    except OSError as error:
        kept = latest_checkpoint(run_dir)
        raise RunError(
            f"writing to {run_dir} failed at step {step}: {_reason(error)}"
            + (f"; {kept.name} is intact, resume from it once there is room" if kept else "")
        ) from None
    finally:
        bar.close()
        log.close()
        if session is not None:
            _end_session(config, run_dir, session, step, outcome)
    return run_dir


def _end_session(config, run_dir: Path, session: Session, step: int, outcome: str) -> None:
    """config.json's last word on this session. A run that failed is already reporting why: a
    config.json that cannot be written then (a full disk, say) must not hide that."""
    try:
        config_module.save(config, run_dir, session.record(step, outcome))
    except OSError as error:
        if outcome == "finished":
            raise RunError(f"cannot write {run_dir / layout.CONFIG}: {_reason(error)}") from None


def _check_finite(metrics: dict, step: int, config, run_dir: Path, log: MetricsLog) -> None:
    """Stop on a NaN or infinite loss, naming the step and the usual causes."""
    bad = {key: value for key, value in metrics.items() if not np.isfinite(value)}
    if not bad:
        return
    key, value = next(iter(bad.items()))
    rates = ", ".join(
        f"{name} {getattr(config, name):g}"
        for name in ("d_learning_rate", "g_learning_rate", "learning_rate")
        if hasattr(config, name)
    )
    message = (
        f"training diverged at step {step}: {key} is {value}. Likely causes: a learning rate "
        f"too high ({rates}), or images not scaled as expected"
    )
    log.write({"step": step, "event": "diverged", "message": message})
    raise Diverged(message)


def _check_final_weights(task: Task, step: int) -> None:
    for group, variables in task.variables().items():
        for variable in variables.values():
            if not _finite(checkpoint.value(variable)):
                raise Diverged(f"the {group} weights are not finite at step {step}")


def write_samples(task: Task, run_dir: Path, step: int) -> Path:
    samples = Path(run_dir) / layout.SAMPLES
    images = task.sample_images()
    columns = getattr(task, "grid_columns", None)
    path = save_grid(images, samples / f"step_{step:07d}.png", columns)
    save_grid(images, Path(run_dir) / layout.LATEST_SAMPLES, columns)
    return path
