"""A model's quality.json: where ``python -m train evaluate`` writes it, and when it leaves a
shipped model's (tracked under models/) as it is.

Grading is seeded (the latents, the KID subsets), so grading a model again repeats its figures
up to float rounding: on another CPU the judge's features move in their sixth or seventh digit.
Rewriting a tracked quality.json with that noise is churn in every diff; a change beyond it
(another model, judge, data, seed or sample count) is news, and a shipped file takes it only on
request (``--write-shipped``). Standard library only: the command line imports this before
TensorFlow.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from ...core import layout

# What "within their noise" means, per figure. Measured: the shipped GAN and VAE graded on a
# 2-core AMD EPYC (no AMX) against the files written on another CPU moved FID by 6e-8..1.2e-7
# relative, KID and the nearest-neighbour distances by at most 4e-6 relative, and no count.
#
# Figures that count samples (precision 0.752 is 3,760 of 5,000 samples) move in steps of
# 1/samples when a feature crosses a k-NN radius. 0.002 lets 10 of 5,000 samples (1 of the real
# floor's 500) cross; another seed or model moves them by their sampling noise, about
# sqrt(p(1 - p) / n) = 0.006 at 5,000 samples.
RATES = ("precision", "recall", "density", "coverage", "class_rate")
RATE_TOLERANCE = 0.002
# Every other number (FID, KID and its spread, distances, mean confidence): 0.1% relative, 250
# times the largest cross-CPU change measured, with a floor of 1e-6 for values near zero (the
# real floor's KID is 1e-4 with a spread of 9e-4; the table prints KID x 1e3 to 2 decimals).
RELATIVE_TOLERANCE = 1e-3
ABSOLUTE_FLOOR = 1e-6
# Where things were, not what was measured: a path spelled another way names the same model.
NOT_COMPARED = ("folder", "path", "data", "model")


def quality_path(model_path: Path) -> Path:
    """Where a model's quality.json goes: beside a run folder's model, or in the export (or
    shipped) folder above the role folder that holds it."""
    folder = Path(model_path).parent
    if folder.name in layout.IMAGE_ROLE.values():
        folder = folder.parent
    return folder / layout.QUALITY


def is_shipped(path: Path) -> bool:
    """Whether ``path`` lies in the shipped models' folder (the checkout's models/)."""
    return Path(path).resolve().is_relative_to(layout.SHIPPED_MODELS.resolve())


def shown(path: Path) -> str:
    """A path as a results file keeps it: relative to the checkout when inside it (a tracked file
    holds no machine's folders), as given otherwise."""
    checkout = layout.SHIPPED_MODELS.parent.resolve()
    resolved = Path(path).resolve()
    return str(resolved.relative_to(checkout)) if resolved.is_relative_to(checkout) else str(path)


def differences(stored: dict, graded: dict, prefix: str = "") -> list[str]:
    """How ``graded`` differs from ``stored`` beyond the noise of each figure, one phrase each
    ("fid 1.662 -> 1.9", "density is new"); [] when they agree."""
    found = []
    for key in dict.fromkeys([*stored, *graded]):
        if key in NOT_COMPARED:
            continue
        name = prefix + key
        if key not in stored or key not in graded:
            found.append(f"{name} is {'new' if key in graded else 'gone'}")
            continue
        old, new = stored[key], graded[key]
        if isinstance(old, dict) and isinstance(new, dict):
            found += differences(old, new, f"{name}.")
        elif not _agree(key, old, new):
            found.append(f"{name} {_text(old)} -> {_text(new)}")
    return found


def _agree(key: str, old, new) -> bool:
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (old, new))
    if not numbers or (isinstance(old, int) and isinstance(new, int)):
        return old == new  # counts, names, flags: exact
    if key in RATES:
        return abs(new - old) <= RATE_TOLERANCE
    return math.isclose(old, new, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_FLOOR)


def _text(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else json.dumps(value)


def write(target: Path, payload: dict, write_shipped: bool = False) -> str:
    """Write ``payload`` to ``target``, except over a shipped model's quality.json without
    ``write_shipped``: that is left as it is, and the line returned says whether its figures
    agree within their noise or what moved. Returns the line for the log; raises OSError."""
    target = Path(target)
    if is_shipped(target) and target.is_file() and not write_shipped:
        moved = differences(layout.read_json(target), payload)
        if not moved:
            return f"{target}: unchanged (these figures agree with it within their noise)"
        listed = ", ".join(moved[:4]) + (f" and {len(moved) - 4} more" if len(moved) > 4 else "")
        return (
            f"{target}: not rewritten, it is a shipped model's and these figures differ from it "
            f"({listed}); pass --write-shipped to write them"
        )
    target.write_text(json.dumps(payload, indent=2) + "\n")
    return f"wrote {target}"


def unwritable(path: Path) -> str | None:
    """Why a results file cannot be written at ``path`` (its folders are made as needed), or
    None: asked before any grading, so a mistyped path costs nothing."""
    path = Path(path)
    if path.is_dir():
        return f"is a folder: give a file name, e.g. {path / layout.QUALITY}"
    if path.exists():
        if str(path) == os.devnull:
            return None
        if not path.is_file():
            return "is not a regular file"
        return None if os.access(path, os.W_OK) else "is not writable"
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        return f"cannot be made: {folder} is a file"
    return None if os.access(folder, os.W_OK | os.X_OK) else f"cannot be made in {folder}"
