"""A benchmark's (or an experiment's) results file: its figures plus where they came from, with no machine paths.

Every script in benchmarks/ and experiments/ prints its figures; given ``--out FILE`` (what ``make benchmarks`` passes, into
``benchmarks/results/``) it also writes them to FILE with the date, the hardware (CPU model and
flags, GPUs), the library versions and the commit (provenance.py), and the
command that produced them and how long it ran (what docs/benchmarks.md quotes as each script's
cost). Paths are written relative to the checkout (a results file is
committed and read on other machines); a path outside it keeps only its name.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from ..core.layout import CHECKOUT as REPO
from .provenance import provenance

STARTED = time.monotonic()  # the fallback where the process's own start time is unknown


def seconds_since_start() -> float:
    """Wall seconds since this process started (Linux: /proc), imports included."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic() - STARTED


def portable_path(text: str) -> str:
    """``text`` if it is not an absolute path; else relative to the checkout (or its parent, as
    ``../shared/data/...``), or the bare name for anything elsewhere (temporary folders)."""
    if not os.path.isabs(text):
        return text
    path = Path(os.path.normpath(text))
    for base, prefix in ((REPO, ""), (REPO.parent, "../")):
        if path.is_relative_to(base) and path != base:
            return prefix + path.relative_to(base).as_posix()
    return path.name


def portable(value):
    """``value`` with every absolute path in it (strings, keys, nested) made portable."""
    if isinstance(value, str):
        return portable_path(value)
    if isinstance(value, Path):
        return portable_path(str(value))
    if isinstance(value, dict):
        return {portable(key): portable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [portable(item) for item in value]
    return value


def add_out_option(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        help="also write the results, with date, hardware, library versions and commit, to this "
        f"JSON file (make benchmarks: benchmarks/results/{name})",
    )


def write_results(out: Path | None, results, argv: list[str] | None = None) -> None:
    """Write ``results`` (a dict, or a list of measurements) to ``out`` with their provenance;
    nothing without ``out``."""
    if out is None:
        return
    script = Path(sys.argv[0]).resolve()
    arguments = sys.argv[1:] if argv is None else argv
    payload = {
        "benchmark": script.stem,
        "command": " ".join(["python", portable_path(str(script)), *map(portable_path, arguments)]),
        **provenance(),
        "wall_seconds": round(seconds_since_start(), 1),
        "results": results,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(portable(payload), indent=1) + "\n")
    print(f"wrote {portable_path(str(out.resolve()))}", file=sys.stderr)
