"""Checkpoints store each variable under a stable key: they restore in a process whose Keras name
counters differ, put every array back into its own variable whatever the order, refuse a
checkpoint of another model with a message, and still read the older by-position format."""

from __future__ import annotations

import json
import subprocess
import sys

import keras
import numpy as np
import pytest

from latentwalk.train import checkpoint
from latentwalk.train import run as run_module
from latentwalk.train.config import DataConfig, make_config
from tests.support import REPO

OPTIONS = {"spectral_norm": True, "ema_decay": 0.9}  # nested layers, a second generator

SAVE_IN_A_FRESH_PROCESS = """
import json, sys
import numpy as np
from latentwalk.train import run
from latentwalk.train.config import DataConfig, make_config
from latentwalk.train.gan_task import GANTask

task = GANTask(make_config("gan", "tiny", json.loads(sys.argv[1]), DataConfig()))
rng = np.random.default_rng(0)
task.train_step(rng.integers(0, 255, (8, 32, 32, 3), dtype=np.uint8), rng)  # Adam moments != 0
run.save_checkpoint(task, sys.argv[2], 1)
groups = task.variables()
np.savez(sys.argv[3], **{
    f"{group}/{index}": np.asarray(variable)
    for group, variables in groups.items()
    for index, variable in enumerate(variables.values())
})
print(json.dumps([variable.path for variables in groups.values() for variable in variables.values()]))
"""


def gan_task(**options):
    from latentwalk.train.gan_task import GANTask

    return GANTask(make_config("gan", "tiny", options, DataConfig()))


def build_other_keras_objects() -> None:
    """What a process may build before the trainer (a judge, an EMA copy, a test): it moves the
    name counters, so ``dense/kernel`` becomes ``dense_3/kernel``, ``adam`` ``adam_2``..."""
    for _ in range(2):
        model = keras.Sequential(
            [
                keras.Input((4,)),
                keras.layers.Dense(4),
                keras.layers.BatchNormalization(),
                keras.layers.Dropout(0.5),
                keras.layers.Reshape((1, 1, 4)),
                keras.layers.SpectralNormalization(keras.layers.Conv2D(4, 1)),
                keras.layers.Conv2DTranspose(4, 1),
            ]
        )
        keras.optimizers.Adam().build(model.trainable_variables)


def test_a_checkpoint_restores_in_a_process_whose_keras_names_differ(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    positions = tmp_path / "by_position.npz"
    result = subprocess.run(
        [sys.executable, "-c", SAVE_IN_A_FRESH_PROCESS, json.dumps(OPTIONS), str(tmp_path),
         str(positions)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    saved_paths = json.loads(result.stdout.splitlines()[-1])

    build_other_keras_objects()
    task = gan_task(**OPTIONS)
    groups = task.variables()
    paths = [variable.path for variables in groups.values() for variable in variables.values()]
    assert paths != saved_paths  # the counters differ, so Keras's own paths would not load
    step = run_module.restore_checkpoint(task, run_module.latest_checkpoint(tmp_path))

    assert step == 1
    with np.load(positions) as expected:
        for group, variables in groups.items():
            for index, (key, variable) in enumerate(variables.items()):
                np.testing.assert_array_equal(
                    np.asarray(variable), expected[f"{group}/{index}"], err_msg=f"{group}/{key}"
                )
    assert int(task.gan.g_optimizer.iterations.numpy()) == 1


def two_dense_layers() -> tuple[keras.Model, keras.optimizers.Optimizer]:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), keras.layers.Dense(4)])
    return model, keras.optimizers.Adam()


def test_each_array_goes_back_to_its_own_variable_whatever_the_order(tmp_path):
    """Two same-shaped kernels, and an optimizer built over the variables in another order: by
    position, each kernel's Adam moments would load into the other kernel's."""
    model, optimizer = two_dense_layers()
    optimizer.build(model.trainable_variables)
    for index, variable in enumerate([*model.variables, *optimizer.variables]):
        variable.assign(np.full(variable.shape, index, variable.dtype))
    variables = checkpoint.model_variables(model)
    groups = {
        "model": variables,
        "optimizer": checkpoint.optimizer_variables(
            optimizer, checkpoint.prefixed("model", variables)
        ),
    }
    saved = {key: checkpoint.value(v) for key, v in checkpoint.flatten(groups).items()}
    checkpoint.write(tmp_path / "ckpt.npz", saved, {"step": 1})

    model, optimizer = two_dense_layers()
    optimizer.build(model.trainable_variables[::-1])  # moments in the reverse order
    variables = checkpoint.model_variables(model)
    optimizer_keys = checkpoint.optimizer_variables(
        optimizer, checkpoint.prefixed("model", variables)
    )
    groups = {"optimizer": dict(reversed(optimizer_keys.items())), "model": variables}
    assert checkpoint.read(tmp_path / "ckpt.npz", groups)["step"] == 1
    for key, variable in checkpoint.flatten(groups).items():
        np.testing.assert_array_equal(np.asarray(variable), saved[key], err_msg=key)


def rewrite(path, change) -> None:
    with np.load(path) as stored:
        arrays = {key: stored[key] for key in stored.files}
    change(arrays)
    np.savez(path, **arrays)


def rename(arrays):
    arrays["generator/01.Dense/renamed"] = arrays.pop("generator/01.Dense/kernel")


def reshape(arrays):
    arrays["discriminator/01.Conv2D/bias"] = np.zeros(3, np.float32)


def swap_kinds(arrays):  # the same arrays as if a Conv2D's weights belonged to a Dense layer
    for key in [key for key in arrays if key.startswith("discriminator/01.Conv2D/")]:
        arrays[key.replace("01.Conv2D", "01.Dense")] = arrays.pop(key)


@pytest.mark.parametrize(
    ("change", "messages"),
    [
        (
            rename,
            [
                "not in the checkpoint: generator/01.Dense/kernel",
                "not in the model: generator/01.Dense/renamed",
            ],
        ),
        (
            reshape,
            ["different shapes: discriminator/01.Conv2D/bias (checkpoint (3,), model (8,))"],
        ),
        (
            swap_kinds,
            [
                "not in the checkpoint: discriminator/01.Conv2D/kernel, "
                "discriminator/01.Conv2D/bias",
                "not in the model: discriminator/01.Dense/kernel",
            ],
        ),
    ],
)
def test_a_checkpoint_of_another_model_is_refused_and_nothing_is_loaded(tmp_path, change, messages):
    task = gan_task()
    (tmp_path / "checkpoints").mkdir()
    path = run_module.save_checkpoint(task, tmp_path, 5)
    run_module.save_checkpoint(task, tmp_path, 3)  # an older, good one: not a fallback here
    rewrite(path, change)
    for variable in task.generator.variables:
        variable.assign(np.ones(variable.shape, variable.dtype))
    with pytest.raises(run_module.RunError) as info:
        run_module.restore_latest(task, tmp_path)
    message = str(info.value)
    assert "ckpt-0000005.npz does not match the model" in message and "start a new run" in message
    for expected in messages:
        assert expected in message
    assert all(np.all(np.asarray(v) == 1) for v in task.generator.variables)  # not loaded


def test_a_checkpoint_of_other_settings_names_what_differs(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    path = run_module.save_checkpoint(gan_task(), tmp_path, 5)
    with pytest.raises(run_module.RunError) as info:
        run_module.restore_checkpoint(gan_task(spectral_norm=True), path)
    message = str(info.value)
    assert "not in the checkpoint: discriminator/01.SpectralNormalization/kernel" in message
    assert "not in the model: discriminator/01.Conv2D/kernel" in message


def by_position(task, path, step) -> None:
    """A checkpoint as the trainer wrote it before keys (format 1)."""
    arrays = {
        f"{group}/{index}": np.asarray(variable)
        for group, variables in task.variables().items()
        for index, variable in enumerate(variables.values())
    }
    meta = json.dumps({"step": step, "extra": task.extra_state()}).encode()
    np.savez(path, **arrays, meta=np.frombuffer(meta, dtype=np.uint8))


def test_an_older_checkpoint_by_position_still_resumes(tmp_path, capsys):
    saved = gan_task()
    for variable in saved.generator.variables:
        variable.assign(np.full(variable.shape, 0.5, variable.dtype))
    (tmp_path / "checkpoints").mkdir()
    by_position(saved, tmp_path / "checkpoints" / "ckpt-0000007.npz", 7)

    task = gan_task()
    assert run_module.restore_latest(task, tmp_path) == 7
    assert "older checkpoint, stored by position" in capsys.readouterr().err
    for variable in task.generator.variables:
        np.testing.assert_array_equal(np.asarray(variable), 0.5)

    with pytest.raises(run_module.RunError, match="it has 9 discriminator variables, the model 13"):
        run_module.restore_latest(gan_task(spectral_norm=True), tmp_path)
