"""The checkpoint file: every variable's array under a stable key, the step and extras, in .npz.

Restoring matches arrays to variables by key, so a model that changed fails with a message
(what is missing, extra or mis-shaped) instead of silently taking another variable's weights.

Keras's own variable paths (``dense_1/kernel``, ``adam_1/dense_1_kernel_momentum``) cannot be the
keys: their prefixes come from process-wide name counters, so they change when another model or
optimizer was built earlier in the same process (an EMA copy of the generator, a judge, a test).
The keys here come from the model's structure alone:

    02.BatchNormalization/moving_mean     a model's: layer index in model.layers, class, weight
    08.Dropout/seed_generator_state       a layer's random state is a variable too
    generator/02.BatchNormalization/gamma/momentum    an optimizer's slot: its model variable
    iteration, learning_rate              an optimizer's own variables, by name

Two same-named weights inside one layer (nested layers) are told apart by a ``#1``, ``#2``
suffix in the layer's own order.

Checkpoints written before the keys (format 1, no "format" in their meta) stored ``group/index``
in the order of each group's variables; they are still read, that way, with every count and
shape checked, so a run interrupted before the change resumes. Its next checkpoint has keys.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

if TYPE_CHECKING:  # only for annotations: importing Keras here would load TensorFlow before the
    import keras  # CLI has quieted it (core/quiet.py)

FORMAT = 2
OPTIMIZER_OWN_VARIABLES = ("iteration", "learning_rate")


class CheckpointMismatch(Exception):
    """A readable checkpoint of another model (its message says what differs)."""


def _unique(key: str, taken: dict) -> str:
    if key not in taken:
        return key
    count = 1
    while f"{key}#{count}" in taken:
        count += 1
    return f"{key}#{count}"


def model_variables(model: keras.Model) -> dict[str, keras.Variable]:
    """``model.variables`` (in that order) keyed by layer index, layer class and weight name."""
    keys: dict[int, str] = {}
    taken: dict[str, None] = {}
    for index, layer in enumerate(model.layers):
        prefix = f"{index:02d}.{type(layer).__name__}"
        for variable in layer.variables:
            key = _unique(f"{prefix}/{variable.name}", taken)
            taken[key] = None
            keys.setdefault(id(variable), key)
    unplaced = [variable.path for variable in model.variables if id(variable) not in keys]
    if unplaced:  # a variable the model holds itself, not through a layer: no key scheme for it
        raise ValueError(f"{model.name} has variables outside its layers: {unplaced}")
    return {keys[id(variable)]: variable for variable in model.variables}


def optimizer_variables(
    optimizer: keras.optimizers.Optimizer, trained: dict[str, keras.Variable]
) -> dict[str, keras.Variable]:
    """``optimizer.variables`` (in that order) keyed by what they are: a slot (``momentum``,
    ``velocity``...) of one of the ``trained`` variables, under that variable's key, or the
    optimizer's own (``iteration``, ``learning_rate``) under its name.

    Keras names a slot ``{model variable path with "_" for "/"}_{slot}``; the paths are those of
    this process, so the match holds whatever the name counters were."""
    slot_prefixes = {
        f"{variable.path.replace('/', '_')}_": key for key, variable in trained.items()
    }
    keyed: dict[str, keras.Variable] = {}
    for variable in optimizer.variables:
        # The longest match, should one prefix begin another ("d_k_" of d/k and "d_k_2_" of d/k_2).
        found = max(
            (prefix for prefix in slot_prefixes if variable.name.startswith(prefix)),
            key=len,
            default=None,
        )
        if found is not None:
            key = f"{slot_prefixes[found]}/{variable.name[len(found) :]}"
        elif variable.name in OPTIMIZER_OWN_VARIABLES:
            key = variable.name
        else:  # its name holds a process's counters: it would not load in another process
            raise ValueError(
                f"no stable checkpoint key for {variable.path} of optimizer {optimizer.name}: "
                "it is neither a slot of a trained variable nor one of "
                f"{OPTIMIZER_OWN_VARIABLES}"
            )
        if key in keyed:
            raise ValueError(f"two variables of optimizer {optimizer.name} would be saved as {key}")
        keyed[key] = variable
    return keyed


def prefixed(group: str, variables: dict[str, keras.Variable]) -> dict[str, keras.Variable]:
    return {f"{group}/{key}": variable for key, variable in variables.items()}


def flatten(groups: dict[str, dict[str, object]]) -> dict[str, object]:
    """``{group: {key: variable}}`` (a task's ``variables()``) as ``{"group/key": variable}``."""
    return {
        key: variable
        for group, variables in groups.items()
        for key, variable in prefixed(group, variables).items()
    }


def value(variable) -> np.ndarray:
    return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)


def write(path: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Write to a hidden temporary name and rename, so a crash while saving never leaves a
    half-written checkpoint behind (run.remove_temporary_files clears the leftovers)."""
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.tmp.npz")
    encoded = json.dumps({"format": FORMAT, **meta}).encode()
    # Built in memory, written in one go: np.savez onto a path closes its zip only when every
    # write succeeded, so on a full disk the garbage collector closed it later and failed again
    # ("Exception ignored in ZipFile.__del__" under the one-line message).
    archive = io.BytesIO()
    np.savez(archive, **arrays, meta=np.frombuffer(encoded, dtype=np.uint8))
    try:
        write_file(temporary, archive.getbuffer())
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)  # a full disk must not leave half a checkpoint
        raise


def write_file(path: Path, data) -> None:
    """``data`` into a new file at ``path``, in one go (the tests fill the disk here)."""
    with open(path, "wb") as file:
        file.write(data)


def read(path: Path, groups: dict[str, dict[str, object]]) -> dict:
    """Assign the checkpoint's arrays to ``groups``' variables, matched by key; its meta. Nothing
    is assigned unless every variable has an array of its shape and every array a variable."""
    with np.load(path) as arrays:
        meta = json.loads(arrays["meta"].tobytes().decode())
        if meta.get("format", 1) == 1:
            values = _by_position(path, arrays, groups)
        else:
            values = {key: arrays[key] for key in arrays.files if key != "meta"}
    variables = flatten(groups)
    problems = mismatches(values, variables)
    if problems:
        raise CheckpointMismatch(f"checkpoint {path} does not match the model: {problems}")
    for key, variable in variables.items():
        variable.assign(values[key])
    return meta


def mismatches(values: dict[str, np.ndarray], variables: dict[str, object]) -> str:
    """What keeps ``values`` from loading into ``variables``, in words ("" when nothing)."""

    def listed(keys: list[str]) -> str:
        more = f" and {len(keys) - 5} more" if len(keys) > 5 else ""
        return ", ".join(keys[:5]) + more

    missing = [key for key in variables if key not in values]
    extra = [key for key in values if key not in variables]
    shapes = [
        f"{key} (checkpoint {tuple(values[key].shape)}, model {tuple(variable.shape)})"
        for key, variable in variables.items()
        if key in values and tuple(values[key].shape) != tuple(variable.shape)
    ]
    found = [
        f"{what}: {listed(keys)}"
        for what, keys in (
            ("not in the checkpoint", missing),
            ("not in the model", extra),
            ("different shapes", shapes),
        )
        if keys
    ]
    return "; ".join(found)


def _by_position(path: Path, arrays, groups: dict[str, dict[str, object]]) -> dict:
    """A format-1 checkpoint's arrays under the keys of the variables at their positions."""
    tqdm.write(
        f"{path.name} is an older checkpoint, stored by position: read in order", file=sys.stderr
    )
    stored_groups = {name.split("/")[0] for name in arrays.files if name != "meta"}
    if stored_groups != set(groups):
        raise CheckpointMismatch(
            f"checkpoint {path} does not match the model: it has the groups "
            f"{sorted(stored_groups)}, the model {sorted(groups)}"
        )
    values = {}
    for group, variables in groups.items():
        stored = sum(1 for name in arrays.files if name.startswith(f"{group}/"))
        if stored != len(variables):
            raise CheckpointMismatch(
                f"checkpoint {path} does not match the model: it has {stored} {group} "
                f"variables, the model {len(variables)}"
            )
        for index, key in enumerate(variables):
            values[f"{group}/{key}"] = arrays[f"{group}/{index}"]
    return values
