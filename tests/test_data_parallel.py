"""Data-parallel training (train/parallel.py) on virtual CPU devices and on local processes.

Each run is the README's command line (``python -m train gan ... --devices 2``) on TensorFlow or
JAX, run by the session's worker process of that backend (tests/support.py), which has two
virtual CPU devices (LATENTWALK_CPU_DEVICES=2: they must exist before the backend starts). Two replicas sharing the
global batch must train as one device does on the whole batch: the same losses and weights up to
the order of float sums. On TensorFlow dropout is off, because each replica draws its masks from
the same mirrored seed; on JAX the masks are the single device's, so dropout stays on.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from latentwalk.train.cli import main
from latentwalk.train.config import ConfigError
from tests.support import (
    REPO,
    backend_env,
    fork_at,
    losses,
    make_images,
    tiny_command,
)

BACKENDS = ("tensorflow", pytest.param("jax", marks=pytest.mark.slow))
STEPS = 4
# TensorFlow: no dropout (the replicas' masks are not the single device's, see above).
SAME_MASKS = {"tensorflow": ("--dropout", "0"), "jax": ()}


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def worker(backend, request):
    """The session's worker process on ``backend``."""
    return request.getfixturevalue(f"{backend}_worker")


def train(worker, kind: str, data: Path, out: Path, *extra: str) -> Path:
    worker.train(*tiny_command(kind, data, out, *extra))
    return out


def checkpoint_arrays(run: Path, step: int) -> dict[str, np.ndarray]:
    with np.load(run / "checkpoints" / f"ckpt-{step:07d}.npz") as arrays:
        return {key: arrays[key] for key in arrays.files if key != "meta"}


def assert_same_training(run: Path, expected: Path, keys: tuple[str, ...], from_step: int = 0):
    """The same losses from ``from_step`` on, and the same weights and optimizer state at the
    end, up to float reassociation (what two devices sum in another order).

    Each array is judged as a whole (mean absolute difference within 2 % of its mean absolute
    value; gradients summed twice miss by 100 %), not by its largest difference: from the
    2-device run's checkpoint, whose weights differ from the 1-device run's by about 1e-5, one
    device's next steps moved a few elements of a generator Adam slot by 5 % (that slot's mean
    difference: 0.35 %), while random perturbations of the same size did not; a kink of
    LeakyReLU crossed by an input is our guess. A 1-device resume of a 1-device run is exact."""
    found, wanted = losses(run, *keys), losses(expected, *keys)
    assert [r["step"] for r in found] == [r["step"] for r in wanted] == list(range(1, STEPS + 1))
    for a, b in zip(found[from_step:], wanted[from_step:], strict=True):
        for key in keys:
            assert a[key] == pytest.approx(b[key], rel=1e-4, abs=1e-6), (a["step"], key)
    arrays, expected_arrays = checkpoint_arrays(run, STEPS), checkpoint_arrays(expected, STEPS)
    assert arrays.keys() == expected_arrays.keys()
    for key, value in expected_arrays.items():
        if not np.issubdtype(value.dtype, np.floating):  # step counters, random seed states
            np.testing.assert_array_equal(arrays[key], value, err_msg=key)
            continue
        difference = float(np.abs(arrays[key] - value).mean())
        assert difference <= 0.02 * float(np.abs(value).mean()) + 1e-12, key


# The TensorFlow runs are the quick check; JAX compiles each run's steps for ~10 s.
@pytest.fixture(scope="module", params=BACKENDS)
def gan_runs(request, tiny_npz, tmp_path_factory) -> dict:
    """The tiny GAN trained on one device and on two, same seed and global batch (4 steps, a
    checkpoint every 2)."""
    backend = request.param
    worker = request.getfixturevalue(f"{backend}_worker")
    root = tmp_path_factory.mktemp(f"dp-{backend}")
    options = ("--steps", str(STEPS), "--checkpoint-every", "2", *SAME_MASKS[backend])
    return {
        "backend": backend,
        "worker": worker,
        "options": options,
        "one": train(worker, "gan", tiny_npz, root / "one", *options, "--devices", "1"),
        "two": train(worker, "gan", tiny_npz, root / "two", *options, "--devices", "2"),
    }


def test_two_devices_train_as_one_on_the_same_global_batch(gan_runs):
    assert_same_training(gan_runs["two"], gan_runs["one"], ("d_loss", "g_loss"))
    assert json.loads((gan_runs["two"] / "config.json").read_text())["devices"] == 2


def test_the_generator_saved_by_two_replicas_is_the_one_device_model(gan_runs):
    """TensorFlow's replicas train with synchronized batch norm, which would not load on JAX
    (nor, as an unknown setting, in TF.js): the saved generator is the plain model."""
    import keras

    def layers(run: Path) -> list[tuple[str, dict]]:
        """Each layer's class and settings (not its name: Keras numbers those per process)."""
        model = keras.saving.load_model(run / "generator.keras", compile=False)
        configs = [(type(layer).__name__, layer.get_config()) for layer in model.layers]
        return [
            (kind, {k: v for k, v in config.items() if k != "name"}) for kind, config in configs
        ]

    two = layers(gan_runs["two"])
    assert [config["synchronized"] for kind, config in two if kind == "BatchNormalization"] == [
        False
    ] * 4
    assert two == layers(gan_runs["one"])


@pytest.mark.slow
@pytest.mark.parametrize(("made_on", "resumed_on"), [("two", "1"), ("one", "2")])
def test_a_checkpoint_resumes_on_another_device_count(gan_runs, tmp_path, made_on, resumed_on):
    """From the step-2 checkpoint of the 2-device run on 1 device, and of the 1-device run on
    2: the resumed run continues the uninterrupted run's trajectory, to the same weights."""
    original = gan_runs[made_on]
    forked = fork_at(original, 2, tmp_path / "forked")
    gan_runs["worker"].train("gan", "--resume", str(forked), "--devices", resumed_on)
    assert json.loads((forked / "config.json").read_text())["devices"] == int(resumed_on)
    assert_same_training(forked, original, ("d_loss", "g_loss"), from_step=2)


@pytest.mark.slow
def test_vae_on_two_devices_trains_as_on_one(worker, tiny_npz, tmp_path):
    options = ("--steps", str(STEPS), "--checkpoint-every", "2")
    one = train(worker, "vae", tiny_npz, tmp_path / "one", *options, "--devices", "1")
    two = train(worker, "vae", tiny_npz, tmp_path / "two", *options, "--devices", "2")
    assert_same_training(two, one, ("loss", "reconstruction", "kl"))


@pytest.mark.slow
def test_clipping_augmentation_and_hinge_loss_on_two_devices_train_as_on_one(
    backend, worker, tiny_npz, tmp_path
):
    """Clipping must see the gradient of the whole batch: at 0.001 most elements are clipped,
    and clipping each replica's half before the sum (what Keras's TensorFlow optimizer does on
    its own) would double them. DiffAugment's parameters and the label noise, drawn for the
    global batch, must reach the replica holding those rows."""
    options = ("--steps", str(STEPS), "--checkpoint-every", "2", *SAME_MASKS[backend],
               "--optimizer", "rmsprop", "--clipvalue", "0.001", "--loss", "hinge",
               "--diffaugment", "translation,cutout,color")  # fmt: skip
    one = train(worker, "gan", tiny_npz, tmp_path / "one", *options, "--devices", "1")
    two = train(worker, "gan", tiny_npz, tmp_path / "two", *options, "--devices", "2")
    assert_same_training(two, one, ("d_loss", "g_loss"))


@pytest.mark.slow
def test_mixed_precision_and_ema_on_two_tensorflow_devices(tensorflow_worker, tiny_npz, tmp_path):
    """bfloat16 rounds each replica's half differently: the losses agree to bfloat16's precision,
    and the run folder is complete (the float32 EMA generator is saved)."""
    options = ("--steps", str(STEPS), "--dropout", "0", "--precision", "mixed_bfloat16",
               "--ema-decay", "0.9")  # fmt: skip
    one = train(tensorflow_worker, "gan", tiny_npz, tmp_path / "one", *options, "--devices", "1")
    two = train(tensorflow_worker, "gan", tiny_npz, tmp_path / "two", *options, "--devices", "2")
    for a, b in zip(losses(two, "d_loss", "g_loss"), losses(one, "d_loss", "g_loss"), strict=True):
        assert a["d_loss"] == pytest.approx(b["d_loss"], rel=1e-2)
        assert a["g_loss"] == pytest.approx(b["g_loss"], rel=1e-2)
    assert (two / "generator.keras").is_file() and (two / "samples" / "latest.png").is_file()


@pytest.mark.slow
def test_lr_decay_and_top_k_on_two_devices(backend, worker, tiny_npz, tmp_path):
    """The scheduled learning rates reach every replica. JAX's top-k ranks the whole global
    batch, as one device does; TensorFlow's ranks each replica's share (documented), so there it
    need only train."""
    options = ("--steps", str(STEPS), "--lr-decay", "0.5", *SAME_MASKS[backend])
    if backend == "jax":
        options += ("--top-k", "0.5")
    one = train(worker, "gan", tiny_npz, tmp_path / "one", *options, "--devices", "1")
    two = train(worker, "gan", tiny_npz, tmp_path / "two", *options, "--devices", "2")
    assert_same_training(two, one, ("d_loss", "g_loss", "learning_rate_factor"))
    if backend == "tensorflow":
        top_k = train(worker, "gan", tiny_npz, tmp_path / "top-k", *options, "--top-k", "0.5",
                      "--devices", "2")  # fmt: skip
        records = losses(top_k, "g_loss", "top_k")
        assert [r["top_k"] for r in records] == [1, 0.5, 0.5, 0.5]
        assert all(np.isfinite(r["g_loss"]) for r in records)


def rebalance_on_two_devices() -> list[dict]:
    """Four steps of one device and of two replicas, rebalanced after two: each one's
    discriminator losses and final learning rate. (Run by a worker with two devices.)"""
    import keras

    from latentwalk.train import cluster, parallel
    from latentwalk.train.config import DataConfig, make_config
    from latentwalk.train.gan_task import GANTask

    config = make_config("gan", "tiny", {"dropout": 0.0}, DataConfig())
    replicas = parallel.prepare(2, cluster.Cluster(), config.batch_size)
    images = make_images(64)
    found = []
    for task in (GANTask(config), GANTask(config, replicas)):
        d_losses = []
        for step in range(4):
            if step == 2:
                task.rebalance()  # halves D's learning rate, raises dropout and rebuilds the steps
                task.set_dropout(0.0)  # TensorFlow's replicas would draw other masks
            rng = np.random.default_rng([0, step])
            d_losses.append(task.train_step(images[rng.integers(0, 64, 8)], rng)["d_loss"])
        rate = float(keras.ops.convert_to_numpy(task.gan.d_optimizer.learning_rate))
        found.append({"losses": [float(x) for x in d_losses], "learning_rate": rate})
    return found


def test_rebalancing_on_two_devices_acts_as_on_one(worker):
    """--auto-balance's rebalance reads the learning rate (float() of a mirrored variable
    failed) and rebuilds the steps, which must stay data-parallel."""
    one, two = worker.call("tests.test_data_parallel:rebalance_on_two_devices")
    assert one["learning_rate"] == two["learning_rate"] == pytest.approx(1e-4)
    assert two["losses"] == pytest.approx(one["losses"], rel=1e-5)


# --- several machines: two local processes -------------------------------------------------------


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for item in sockets:
            item.bind(("localhost", 0))
        return [item.getsockname()[1] for item in sockets]
    finally:
        for item in sockets:
            item.close()


@pytest.mark.slow
def test_two_processes_train_in_lockstep_as_one_device(gan_runs, tiny_npz, tmp_path, jax_cache):
    """The cluster command of the README, with both "machines" on localhost and one CPU device
    each: JAX through jax.distributed (a coordinator at process 0's address), TensorFlow through
    MultiWorkerMirroredStrategy. Process 0 writes the run; process 1 is given a folder of its own
    here (on a cluster it is the same line) to show that it writes nothing."""
    backend = gan_runs["backend"]
    cluster = ",".join(f"localhost:{port}" for port in free_ports(2))
    outs = [tmp_path / "chief", tmp_path / "other"]
    # The README's cluster line, with the tiny preset's options.
    options = (*gan_runs["options"], "--devices", "auto", "--cluster", cluster)
    commands = [
        [sys.executable, "-m", "train", *tiny_command("gan", tiny_npz, out, *options)]
        for out in outs
    ]
    processes = [
        subprocess.Popen(
            [*commands[index], "--process-id", str(index)],
            cwd=REPO,
            env=backend_env(backend, cpu_devices=1, jax_cache=jax_cache),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(2)
    ]
    try:
        errors = [process.communicate(timeout=600)[1] for process in processes]
    finally:
        for process in processes:
            process.kill()
    for process, err in zip(processes, errors, strict=True):
        assert process.returncode == 0, err[-4000:]
    assert "2 replicas on 2 machines" in errors[0]
    assert not outs[1].exists()
    assert_same_training(outs[0], gan_runs["one"], ("d_loss", "g_loss"))
    assert len(list((outs[0] / "tensorboard").iterdir())) == 1


# --- refusals ------------------------------------------------------------------------------------


def _refused(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--devices", "4"], "--devices 4 asks for more devices than this machine shows"),
        (["--devices", "4"], "LATENTWALK_CPU_DEVICES=N"),
        (["--devices", "2", "--batch-size", "9"], "--batch-size 9 cannot be split evenly"),
        (["--devices", "0"], "invalid device count value: '0'"),
        (["--devices", "all"], "invalid device count value: 'all'"),
        (["--process-id", "1"], "--process-id needs --cluster"),
        (["--cluster", "localhost:1,localhost:2"], "--cluster needs --process-id"),
        (["--cluster", "nowhere", "--process-id", "0"], "every process's host:port"),
        (["--cluster", "a:1,b:2", "--process-id", "2"], "--process-id 2 is not one of the 2"),
        # Three machines, one replica each: 8 images do not split in three.
        (["--cluster", "a:1,b:2,c:3", "--process-id", "0"], "over 3 replicas (1 on each of 3"),
        (
            ["--cluster", "a:1,b:2", "--process-id", "0", "--devices", "2"],
            "one CPU device per machine",
        ),
    ],
)
def test_impossible_device_settings_are_refused_before_anything_is_written(
    tiny_npz, tmp_path, capsys, options, message
):
    err = _refused(tiny_command("gan", tiny_npz, tmp_path / "run", *options), capsys)
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_xla_with_several_tensorflow_replicas_is_refused(tensorflow_worker, tiny_npz, tmp_path):
    command = tiny_command("gan", tiny_npz, tmp_path / "run", "--devices", "2", "--jit")
    code, err = tensorflow_worker.command(*command)
    assert code == 2
    assert "--jit with several TensorFlow replicas is not supported" in err
    assert not (tmp_path / "run").exists()


def test_resume_may_change_the_device_count_but_not_the_batch(tiny_gan_run, capsys):
    argv = ["gan", "--resume", str(tiny_gan_run), "--devices", "2", "--batch-size", "4"]
    err = _refused(argv, capsys)
    assert "--batch-size cannot be given" in err and "--devices may change" in err
    assert "--devices" not in err.split("cannot be given")[0]


def test_the_cluster_comes_from_the_options_or_the_launchers_environment():
    from latentwalk.train.cluster import Cluster, cluster_from

    assert cluster_from(None, None, env={}) == Cluster()
    assert cluster_from("a:1,b:2", 1, env={}) == Cluster(("a:1", "b:2"), 1, 2)
    tf_config = {
        "cluster": {"chief": ["c:1"], "worker": ["w:1", "w:2"]},
        "task": {"type": "worker", "index": 1},
    }
    found = cluster_from(None, None, env={"TF_CONFIG": json.dumps(tf_config)})
    assert found == Cluster(("c:1", "w:1", "w:2"), 2, 3) and not found.chief
    keras_env = {
        "KERAS_DISTRIBUTION_JOB_ADDRESSES": "c:1",  # JAX needs only the coordinator's
        "KERAS_DISTRIBUTION_NUM_PROCESSES": "4",
        "KERAS_DISTRIBUTION_PROCESS_ID": "0",
    }
    assert cluster_from(None, None, env=keras_env) == Cluster(("c:1",), 0, 4)


def test_tensorflow_workers_need_every_address(tiny_npz, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KERAS_DISTRIBUTION_JOB_ADDRESSES", "localhost:1")
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "2")
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "0")
    err = _refused(tiny_command("gan", tiny_npz, tmp_path / "run"), capsys)
    assert "TensorFlow needs the address of each of the 2 workers" in err


@pytest.mark.parametrize(
    ("cluster", "said"),
    [
        ("a:1,a:1", "--cluster names a:1 more than once"),
        ("host:99999,b:2", "a port from 1 to 65535"),
        ("host:0,b:2", "not host:0"),
    ],
)
def test_a_duplicate_peer_or_an_impossible_port_is_refused_at_once(cluster, said, capsys):
    from latentwalk.train.cluster import cluster_from

    with pytest.raises(ConfigError, match=said):
        cluster_from(cluster, 0, env={})


def _lone_process(tiny_npz, out: Path, timeout_s: str, backend_name: str) -> subprocess.Popen:
    """Process 0 of a two-process cluster whose other process never comes."""
    cluster = ",".join(f"127.0.0.1:{port}" for port in free_ports(2))
    env = backend_env(backend_name, cpu_devices=1)
    env["LATENTWALK_JOIN_TIMEOUT"] = timeout_s
    argv = tiny_command("gan", tiny_npz, out, "--cluster", cluster, "--process-id", "0")
    process = subprocess.Popen(
        [sys.executable, "-m", "train", *argv],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As at a terminal: a suite started in the background (where a shell ignores SIGINT for
        # its jobs, and children inherit that) would otherwise start it deaf to Ctrl-C.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    process.peer = cluster.split(",")[1]
    return process


@pytest.mark.slow
@pytest.mark.parametrize("backend_name", ["tensorflow", "jax"])
def test_a_peer_that_never_joins_is_named_after_the_timeout(tiny_npz, tmp_path, backend_name):
    """It hung for ever (730 s until kill -9 in the report), deaf to Ctrl-C and SIGTERM."""
    process = _lone_process(tiny_npz, tmp_path / "run", "8", backend_name)
    try:
        _, err = process.communicate(timeout=240)
    finally:
        process.kill()
    assert process.returncode == 2, err[-3000:]
    assert f"waiting for {process.peer} to join (up to 8 s; Ctrl-C to stop)" in err
    assert f"error: {process.peer} did not join within 8 s" in err
    assert "Traceback" not in err
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM])
def test_waiting_for_a_peer_stops_on_ctrl_c_and_sigterm(tiny_npz, tmp_path, stop_with):
    process = _lone_process(tiny_npz, tmp_path / "run", "600", "tensorflow")
    try:
        line = ""
        while "to join" not in line:
            line = process.stderr.readline()
            assert line, "the process ended before it waited"
        time.sleep(1.0)  # inside the backend's join by now
        process.send_signal(stop_with)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err[-3000:]
    assert f"stopped while waiting for {process.peer} to join; nothing was written" in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("text", ["abc", "0", "-2", "2.5"])
def test_a_mistyped_cpu_devices_variable_is_an_error_even_on_one_device(text, monkeypatch):
    from latentwalk.train.cluster import Cluster
    from latentwalk.train.config import ConfigError
    from latentwalk.train.parallel import CPU_DEVICES_ENV, prepare

    monkeypatch.setenv(CPU_DEVICES_ENV, text)
    with pytest.raises(ConfigError, match=f"{CPU_DEVICES_ENV} must be a positive number"):
        prepare(1, Cluster(), batch_size=8)
    monkeypatch.setenv(CPU_DEVICES_ENV, "2")
    assert prepare(1, Cluster(), batch_size=8) is None  # one device: nothing to set up
