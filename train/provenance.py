"""Where a figure or a run came from: the date, the machine, the library versions and the commit.

Every results file under ``benchmarks/results/`` and every run folder's ``config.json`` carries
this, so a reader can tell which CPU (its flags decide whether bfloat16 is fast) and which
versions produced a number. No absolute paths: a results file is committed and read elsewhere.

A run is trained in one or more sessions (a resume starts another, perhaps on another machine
or with other versions), so a run's config.json keeps a list of them under "provenance":

    "provenance": {
      "started": first session's start,   "ended": last session's end (null while running),
      "wall_seconds": all sessions' together,
      "sessions": [{"started", "ended", "wall_seconds", "steps": [from, to], "outcome",
                    "keras_backend", "hardware", "versions", "commit"}, ...]
    }

A running session rewrites its record at every checkpoint, so one that is killed still says
how far it got and for how long (as of its last checkpoint); the next resume marks it "killed".
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from ..core.layout import CHECKOUT

# The packages whose versions change the numbers (or the files) the project produces.
PACKAGES = ("keras", "tensorflow", "jax", "numpy", "tensorflowjs", "streamlit", "latentwalk")
# The CPU flags that decide which kernels run (bfloat16 units, vector width).
CPU_FLAGS = ("amx_bf16", "amx_tile", "avx512_bf16", "avx512f", "avx2", "fma")


def now() -> str:
    """The time in UTC, ISO 8601 to the second."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def cpu() -> dict:
    """The CPU's model name, core count and the flags in CPU_FLAGS that it has."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            model = value.strip()
        elif key.strip() in ("flags", "Features") and not flags:
            flags = set(value.split())
    return {
        "model": model,
        "cores": os.cpu_count(),
        "flags": [flag for flag in CPU_FLAGS if flag in flags],
    }


def gpus() -> list[str]:
    """The NVIDIA GPUs nvidia-smi lists (none where it is absent)."""
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def versions() -> dict:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def commit() -> str | None:
    """The checkout's commit, with "+dirty" when files differ from it; None outside a checkout."""
    if not (CHECKOUT / ".git").exists():
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(CHECKOUT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(CHECKOUT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
            # No index.lock: a training run asks this while someone may be committing.
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def keras_backend() -> str | None:
    """The Keras backend this process computes with; None before Keras is imported."""
    keras = sys.modules.get("keras")
    return keras.config.backend() if keras is not None else None


def provenance() -> dict:
    """Date, hardware, library versions and commit, for a results file or a run's config."""
    return {
        "date": now(),
        "hardware": {"cpu": cpu(), "gpus": gpus()},
        "versions": versions(),
        "commit": commit(),
    }


# How a session ended. "running" while it runs; a session found "running" by the next resume
# ended without a word (SIGKILL, a crash, the machine going away) and is marked "killed".
# "unrecorded" stands for the steps of a run made before sessions were recorded.
OUTCOMES = (
    "running", "finished", "interrupted", "diverged", "aborted", "failed", "killed", "unrecorded"
)  # fmt: skip


class Session:
    """One process's stretch of training a run, and the run's "provenance" record with it."""

    def __init__(self, first_step: int, earlier: dict | None = None, began: float | None = None):
        """A session that starts the run at ``first_step`` (0 for a new run, the restored step
        on resume), after the sessions in ``earlier`` (the run's "provenance" record so far, if
        any); ``began`` is its start as ``time.time()`` (default: now), e.g. the process's start,
        before the data loaded."""
        self.began = time.time() if began is None else began
        self.first_step = first_step
        self.earlier = _earlier_sessions(earlier, first_step)
        machine = provenance()
        self.machine = {
            "keras_backend": keras_backend(),
            **{key: machine[key] for key in ("hardware", "versions", "commit")},
        }

    def record(self, step: int, outcome: str = "running") -> dict:
        """The run's "provenance" as of ``step``: the earlier sessions, this one and the totals.
        While running, this session's "ended" is now (its last checkpoint, once written)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        ended = time.time()
        this = {
            "started": _iso(self.began),
            "ended": _iso(ended),
            "wall_seconds": round(ended - self.began, 1),
            "steps": [self.first_step, step],
            "outcome": outcome,
            **self.machine,
        }
        sessions = [*self.earlier, this]
        return {
            "started": sessions[0]["started"],  # None when the first steps were unrecorded
            "ended": None if outcome == "running" else this["ended"],
            "wall_seconds": round(sum(_seconds(s.get("wall_seconds")) for s in sessions), 1),
            "sessions": sessions,
        }


def _earlier_sessions(earlier: dict | None, first_step: int) -> list[dict]:
    """The sessions before one that starts at ``first_step``, as that one finds them."""
    sessions = (earlier or {}).get("sessions") if isinstance(earlier, dict) else None
    well_formed = isinstance(sessions, list) and all(
        isinstance(s, dict)
        and isinstance(s.get("steps"), list)
        and len(s["steps"]) == 2
        and all(isinstance(step, int) for step in s["steps"])
        for s in sessions
    )
    if not well_formed or not sessions:  # none (a new run, or an older one), or edited by hand
        if first_step == 0:
            return []
        unrecorded = {"started": None, "ended": None, "wall_seconds": None}
        return [{**unrecorded, "steps": [0, first_step], "outcome": "unrecorded"}]
    last = sessions[-1]
    if last.get("outcome") == "running":
        # Killed: its record is as of its last checkpoint, or the one before if it died between
        # saving a checkpoint and rewriting config.json (the resume restored the newer one).
        steps = [last["steps"][0], max(last["steps"][1], first_step)]
        sessions = [*sessions[:-1], {**last, "steps": steps, "outcome": "killed"}]
    return sessions


def _seconds(value) -> float:
    """A session's wall seconds; 0 where they are unknown (unrecorded, or edited by hand)."""
    return float(value) if isinstance(value, (int, float)) else 0.0


def _iso(seconds: float) -> str:
    """``time.time()`` seconds as UTC ISO 8601 to the second, like now()."""
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).isoformat(timespec="seconds")
