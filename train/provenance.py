"""Where a figure or a run came from: the date, the machine, the library versions and the commit.

Every results file under ``benchmarks/results/`` and every run folder's ``config.json`` carries
this, so a reader can tell which CPU (its flags decide whether bfloat16 is fast) and which
versions produced a number. No absolute paths: a results file is committed and read elsewhere.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path

# The packages whose versions change the numbers (or the files) the project produces.
PACKAGES = ("keras", "tensorflow", "jax", "numpy", "tensorflowjs", "streamlit", "latentwalk")
# The CPU flags that decide which kernels run (bfloat16 units, vector width).
CPU_FLAGS = ("amx_bf16", "amx_tile", "avx512_bf16", "avx512f", "avx2", "fma")
CHECKOUT = Path(__file__).resolve().parent.parent


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
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def provenance() -> dict:
    """Date, hardware, library versions and commit, for a results file or a run's config."""
    return {
        "date": now(),
        "hardware": {"cpu": cpu(), "gpus": gpus()},
        "versions": versions(),
        "commit": commit(),
    }
