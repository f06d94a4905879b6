"""Data parallelism: one training step over several devices, and over several machines.

The global batch (--batch-size) is cut into equal shares, one per replica (device). Each replica
computes the losses and gradients of its share, the gradients are summed over the replicas, and
every replica applies the same update, so the weights stay the same everywhere. The result is the
single-device step on the whole batch, up to the order of floating-point sums:

- JAX: ``keras.distribution.DataParallel``. The models are built in its scope, so every variable
  is replicated on the devices; each step's arrays are sharded along their batch axis and the
  step's ``jax.jit`` runs as one program over all devices (XLA adds the all-reduce). That program
  means what the single-device one means: batch-norm statistics over the global batch, and the
  same dropout masks (JAX's partitionable random numbers do not depend on the sharding).
- TensorFlow: ``tf.distribute.MirroredStrategy`` (one machine) or ``MultiWorkerMirroredStrategy``
  (several). Models and optimizers are built in its scope (mirrored variables); each replica runs
  the step on its rows with its loss divided by the number of replicas; the gradients are summed
  here, before the optimizer clips them (Keras would clip each replica's share, then sum); batch
  normalisation is synchronized so its statistics are the global batch's. Dropout masks differ
  from a single device's: every replica draws from the same mirrored seed.

Several machines: one process per machine, each running the same command but its --process-id.
Each process draws the same global batch from the step's seed (train/run.py) and feeds only its
own devices' rows; process 0 (the chief) alone writes the run folder.

With one device and one process (the default) nothing here is used: no strategy, no distribution.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

import numpy as np

from .cluster import Cluster
from .config import ConfigError

# Virtual CPU devices, to try data parallelism (and test it) on a machine without accelerators.
CPU_DEVICES_ENV = "LATENTWALK_CPU_DEVICES"
VIRTUAL_CPU_HINT = (
    f"for N virtual CPU devices (to try it without GPUs) set {CPU_DEVICES_ENV}=N, on either backend"
)


# How long a process waits for the others of its cluster to join before it gives up.
JOIN_TIMEOUT_ENV = "LATENTWALK_JOIN_TIMEOUT"
JOIN_TIMEOUT_S = 300.0


def join_cluster(start: Callable[[], object], cluster: Cluster, timeout_s: float | None = None):
    """Run the backend's start-up of a cluster (``start``: it blocks inside TensorFlow's or
    JAX's C++ until every process has joined, deaf to Ctrl-C and SIGTERM) in a thread, and wait
    for it here, where the signals arrive, for at most ``timeout_s``. A peer that never comes
    (a machine down, a wrong address) is then one message naming the addresses waited for, not
    a silent hang. The backend's thread cannot be stopped, so the process ends at once (exit 2;
    130 on Ctrl-C or SIGTERM): nothing has been written yet."""
    if timeout_s is None:
        timeout_s = float(os.environ.get(JOIN_TIMEOUT_ENV, JOIN_TIMEOUT_S))
    waited = _others(cluster)
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = start()
        except BaseException as error:  # handed to the main thread
            outcome["error"] = error

    previous = signal.signal(signal.SIGTERM, _interrupt)
    thread = threading.Thread(target=run, name="cluster-join", daemon=True)
    print(
        f"process {cluster.process_id} of {cluster.processes}: waiting for {waited} to join "
        f"(up to {timeout_s:g} s; Ctrl-C to stop)",
        file=sys.stderr,
        flush=True,
    )
    deadline = time.monotonic() + timeout_s
    try:
        thread.start()
        while thread.is_alive() and time.monotonic() < deadline:
            thread.join(0.2)
    except KeyboardInterrupt:
        _abandon(130, f"stopped while waiting for {waited} to join; nothing was written")
    finally:
        signal.signal(signal.SIGTERM, previous)
    if thread.is_alive():
        _abandon(
            2,
            f"error: {waited} did not join within {timeout_s:g} s: start the same command with "
            f"each --process-id on every machine, check the addresses in --cluster, or wait "
            f"longer ({JOIN_TIMEOUT_ENV}=seconds); nothing was written",
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def rendezvous(cluster: Cluster, timeout_s: float | None = None) -> None:
    """Wait, in Python (where Ctrl-C, SIGTERM and a timeout work), until every other process of
    the cluster answers on its address, before TensorFlow's MultiWorkerMirroredStrategy: that
    waits for them inside C++ holding the interpreter, so no thread of ours could time it out.
    Meanwhile this process answers on its own address; after it stops, TensorFlow's server
    answers there, so a slower peer finds it either way. A peer that never answers: one message
    naming it (exit 2)."""
    import socket

    if timeout_s is None:
        timeout_s = float(os.environ.get(JOIN_TIMEOUT_ENV, JOIN_TIMEOUT_S))
    own = cluster.addresses[cluster.process_id]
    others = [a for i, a in enumerate(cluster.addresses) if i != cluster.process_id]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("", int(own.rpartition(":")[2])))
    except OSError as error:
        raise ConfigError(
            f"cannot listen on {own}, this process's --cluster address: {error}"
        ) from None
    listener.listen(16)
    listener.settimeout(0.1)
    answering = threading.Event()

    def answer():  # until the peers are found; each peer closes its probe first
        while not answering.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(2)
                with contextlib.suppress(OSError):
                    connection.recv(1)

    thread = threading.Thread(target=answer, name="cluster-rendezvous", daemon=True)
    thread.start()
    waiting = list(others)
    print(
        f"process {cluster.process_id} of {cluster.processes}: waiting for {', '.join(waiting)} "
        f"to join (up to {timeout_s:g} s; Ctrl-C to stop)",
        file=sys.stderr,
        flush=True,
    )
    deadline = time.monotonic() + timeout_s
    try:
        while waiting and time.monotonic() < deadline:
            for address in list(waiting):
                host, _, port = address.rpartition(":")
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection((host, int(port)), timeout=0.5),
                ):
                    waiting.remove(address)
            if waiting:
                time.sleep(0.2)
    finally:
        answering.set()
        thread.join()
        listener.close()
    if waiting:
        raise ClusterTimeout(
            f"{', '.join(waiting)} did not join within {timeout_s:g} s: start the same command "
            f"with each --process-id on every machine, check the addresses in --cluster, or wait "
            f"longer ({JOIN_TIMEOUT_ENV}=seconds); nothing was written"
        )


class ClusterTimeout(ConfigError):
    """A peer of the cluster never answered (the CLI exits with code 2)."""


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM, while waiting for the cluster: as Ctrl-C


def _others(cluster: Cluster) -> str:
    others = [a for i, a in enumerate(cluster.addresses) if i != cluster.process_id]
    return ", ".join(others) or "the other processes"


def _abandon(code: int, message: str) -> None:
    """End the process now: the backend's join thread is stuck in C++ and would hold up a normal
    exit (and its atexit handlers) for ever."""
    print(f"python -m train: {message}", file=sys.stderr, flush=True)
    os._exit(code)


def prepare(devices: int | str, cluster: Cluster, batch_size: int, jit_compile: bool = False):
    """The replicas a run trains on, or None for one device in one process (today's trainer).

    Call it before anything else runs on the backend: it sets up virtual CPU devices and joins
    the cluster, both of which must come first."""
    _cpu_devices_wanted()  # a mistyped LATENTWALK_CPU_DEVICES is an error even where unused
    if devices == 1 and cluster.processes == 1:
        return None  # and nothing imported: a mistyped path is still reported at once
    import keras

    backend = keras.backend.backend()
    if backend not in ("jax", "tensorflow"):
        return None  # the trainer refuses the backend itself, with its own message
    engine = _jax_setup if backend == "jax" else _tensorflow_setup
    return engine(devices, cluster, batch_size, jit_compile)


def _cpu_devices_wanted() -> int:
    text = os.environ.get(CPU_DEVICES_ENV, "")
    if not text:
        return 0
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{CPU_DEVICES_ENV} must be a positive number, not {text!r}")
    return int(text)


def _check_counts(devices: int, present: list[str], cluster: Cluster, batch_size: int, backend):
    if devices > len(present):
        raise ConfigError(
            f"--devices {devices} asks for more devices than this machine shows {backend}: "
            f"{len(present)} ({', '.join(present)}); {VIRTUAL_CPU_HINT}"
        )
    replicas = devices * cluster.processes
    if batch_size % replicas:
        where = (
            f" ({devices} on each of {cluster.processes} machines)" if cluster.processes > 1 else ""
        )
        raise ConfigError(
            f"--batch-size {batch_size} cannot be split evenly over {replicas} replicas{where}: "
            f"give a multiple of {replicas}"
        )


def replica_rows(array, replica: int, replicas: int, batch: int):
    """Replica ``replica``'s rows of a step's ``array``: its share of a batch-sized array; of an
    array twice the batch (a GAN discriminator's fakes, then reals: train/gan.py), its share of
    each half, fakes then reals, as the replica's own discriminator batch lays them out."""
    if array is None:
        return None
    array = np.asarray(array)
    if array.ndim == 0:
        return array
    share = batch // replicas
    first = replica * share
    if len(array) == batch:
        return array[first : first + share]
    if len(array) == 2 * batch:
        return np.concatenate(
            [array[first : first + share], array[batch + first : batch + first + share]]
        )
    raise ValueError(f"an array of {len(array)} rows in a step of batch {batch}")


# --- JAX -----------------------------------------------------------------------------------------


def _jax_setup(devices, cluster: Cluster, batch_size: int, jit_compile: bool):
    import jax

    wanted = _cpu_devices_wanted()
    if wanted:
        jax.config.update("jax_num_cpu_devices", wanted)
    if cluster.processes > 1:
        import keras

        # jax.distributed.initialize: every process must call it before computing anything.
        join_cluster(
            lambda: keras.distribution.initialize(
                ",".join(cluster.addresses), cluster.processes, cluster.process_id
            ),
            cluster,
        )
    local = jax.local_devices()
    accelerators = [d for d in local if d.platform != "cpu"]
    if devices == "auto":  # every local accelerator, else one device
        devices = len(accelerators) or 1
    present = [f"{d.platform}:{d.id}" for d in local]
    _check_counts(devices, present, cluster, batch_size, "JAX")
    if devices == 1 and cluster.processes == 1:
        return None
    platform = local[0].platform
    chosen = [
        device
        for process in range(cluster.processes)
        for device in [d for d in jax.devices(platform) if d.process_index == process][:devices]
    ]
    return JaxReplicas(chosen, cluster)


class JaxReplicas:
    """The devices of a JAX run: a ``DataParallel`` distribution over them (variables built in
    ``scope()`` are replicated) and the sharding of each step's arrays along the batch axis."""

    synchronized_batch_norm = False  # the jit program's statistics are global already

    def __init__(self, devices: list, cluster: Cluster):
        import keras
        from jax.sharding import NamedSharding, PartitionSpec

        self.count = len(devices)
        self.cluster = cluster
        self.distribution = keras.distribution.DataParallel(devices=devices)
        mesh = self.distribution.device_mesh.backend_mesh
        self.rows = NamedSharding(mesh, PartitionSpec(self.distribution.batch_dim_name))
        self.replicated = NamedSharding(mesh, PartitionSpec())

    def describe(self) -> str:
        return _describe(self.count, self.cluster, "JAX DataParallel")

    def scope(self):
        return self.distribution.scope()

    def shard(self, tree):
        """Every array of ``tree`` as one global array: sharded by rows (scalars replicated).
        Each process holds the whole global batch and hands over only its devices' rows."""
        import jax

        def put(value):
            value = np.asarray(value)
            sharding = self.rows if value.ndim else self.replicated
            return jax.make_array_from_callback(value.shape, sharding, lambda index: value[index])

        return jax.tree.map(put, tree)


# --- TensorFlow ----------------------------------------------------------------------------------


def _tensorflow_setup(devices, cluster: Cluster, batch_size: int, jit_compile: bool):
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    kind = "GPU" if gpus else "CPU"
    if devices == "auto":  # every local GPU, else one device
        devices = len(gpus) or 1
    if cluster.processes > 1:
        return _tensorflow_workers(devices, cluster, batch_size, jit_compile, kind)
    wanted = _cpu_devices_wanted()
    if wanted and not gpus:
        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * wanted
            )
        except RuntimeError:  # TensorFlow has started already: its devices stay as they are
            pass
    present = [device.name for device in tf.config.list_logical_devices(kind)]
    _check_counts(devices, present, cluster, batch_size, "TensorFlow")
    if devices == 1:
        return None
    _refuse_jit(jit_compile)
    return TensorFlowReplicas(tf.distribute.MirroredStrategy(present[:devices]), cluster)


def _tensorflow_workers(devices: int, cluster: Cluster, batch_size: int, jit_compile: bool, kind):
    """MultiWorkerMirroredStrategy, made before TensorFlow runs anything (it must be)."""
    import tensorflow as tf

    if kind == "CPU" and devices > 1:
        raise ConfigError(
            "TensorFlow's MultiWorkerMirroredStrategy uses one CPU device per machine: give "
            "--devices 1 on machines without GPUs (or train on the JAX backend)"
        )
    if len(cluster.addresses) != cluster.processes:
        raise ConfigError(
            f"TensorFlow needs the address of each of the {cluster.processes} workers "
            f"(--cluster or TF_CONFIG), not {len(cluster.addresses)}"
        )
    physical = tf.config.list_physical_devices(kind)
    _check_counts(devices, [d.name for d in physical], cluster, batch_size, "TensorFlow")
    _refuse_jit(jit_compile)
    if kind == "GPU":
        tf.config.set_visible_devices(physical[:devices], kind)
    if "TF_CONFIG" not in os.environ:  # from --cluster and --process-id
        os.environ["TF_CONFIG"] = json.dumps(
            {
                "cluster": {"worker": list(cluster.addresses)},
                "task": {"type": "worker", "index": cluster.process_id},
            }
        )
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        rendezvous(cluster)
    except KeyboardInterrupt:
        _abandon(130, f"stopped while waiting for {_others(cluster)} to join; nothing was written")
    finally:
        signal.signal(signal.SIGTERM, previous)
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    return TensorFlowReplicas(strategy, cluster)


def _refuse_jit(jit_compile: bool) -> None:
    if jit_compile:
        raise ConfigError(
            "--jit with several TensorFlow replicas is not supported: XLA cannot compile a "
            "tf.distribute step that reads mirrored variables on other devices (TensorFlow's "
            "known issue 'tf.Variable on a different device'); leave --jit out, or train on the "
            "JAX backend (KERAS_BACKEND=jax), which always compiles"
        )


class TensorFlowReplicas:
    """The replicas of a TensorFlow run: its strategy (variables built in ``scope()`` are
    mirrored) and ``compile``, which runs a step on every replica's rows of the global batch."""

    synchronized_batch_norm = True

    def __init__(self, strategy, cluster: Cluster):
        self.strategy = strategy
        self.count = strategy.num_replicas_in_sync
        self.cluster = cluster

    def describe(self) -> str:
        return _describe(self.count, self.cluster, type(self.strategy).__name__)

    def scope(self):
        return self.strategy.scope()

    def compile(self, replica_step):
        """``replica_step(*args) -> {name: loss}`` run on every replica with its rows of the
        global ``args`` (train/backend_steps.py), the losses averaged over the replicas. Never
        with XLA: see ``_refuse_jit``."""
        import tensorflow as tf

        strategy = self.strategy

        def distributed(*per_replica):
            out = strategy.run(replica_step, args=per_replica)
            mean = tf.distribute.ReduceOp.MEAN
            return tf.nest.map_structure(lambda v: strategy.reduce(mean, v, axis=None), out)

        compiled = tf.function(distributed, reduce_retracing=True)

        def run(*args):
            batch = next(len(a) for a in tf.nest.flatten(args) if np.ndim(a) > 0)

            def rows(context):
                index = context.replica_id_in_sync_group
                return tf.nest.map_structure(
                    lambda a: replica_rows(a, index, self.count, batch), args
                )

            return compiled(*strategy.experimental_distribute_values_from_function(rows))

        return run

    def share(self, loss):
        """The replica's part of the global loss: its mean over its rows, / replicas."""
        return loss / self.count

    def sum_gradients(self, grads: list) -> list:
        import tensorflow as tf

        return tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, grads)

    @staticmethod
    def take_over_gradient_sum(optimizer) -> None:
        """Keras's TensorFlow optimizer sums the replicas' gradients itself, after clipping each
        replica's share; the steps sum them before ``apply`` (so clipping sees the global
        gradient), and the optimizer must not sum them again."""
        if not hasattr(type(optimizer), "_all_reduce_sum_gradients"):  # pragma: no cover
            raise RuntimeError(
                "this Keras's TensorFlow optimizer no longer sums gradients in "
                "_all_reduce_sum_gradients: train/parallel.py must follow it"
            )
        optimizer._all_reduce_sum_gradients = lambda grads_and_vars: grads_and_vars


def _describe(count: int, cluster: Cluster, engine: str) -> str:
    machines = f" on {cluster.processes} machines" if cluster.processes > 1 else ""
    return f"{count} replicas{machines} ({engine})"


def building_scope(replicas):
    """Where a task builds its trained models and optimizers: the replicas' scope, or nothing."""
    return contextlib.nullcontext() if replicas is None else replicas.scope()
