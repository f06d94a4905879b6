"""Where this process sits among the processes (one per machine) of a data-parallel run.

From --cluster and --process-id, or from what a launcher puts in the environment: Keras's
KERAS_DISTRIBUTION_* variables (JAX) or TensorFlow's TF_CONFIG. train/parallel.py joins them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from .config import ConfigError


@dataclass(frozen=True)
class Cluster:
    """This process's place among the processes (one per machine) of one training run."""

    addresses: tuple[str, ...] = ()  # host:port of each process, process 0's first
    process_id: int = 0
    processes: int = 1

    @property
    def chief(self) -> bool:
        return self.process_id == 0


def cluster_from(addresses: str | None, process_id: int | None, env=os.environ) -> Cluster:
    """The cluster from --cluster and --process-id, else from the environment variables each
    backend's launchers set: KERAS_DISTRIBUTION_JOB_ADDRESSES / _NUM_PROCESSES / _PROCESS_ID
    (Keras's, for JAX) or TF_CONFIG (TensorFlow's); none of them: one process."""
    if addresses is None and process_id is not None:
        raise ConfigError("--process-id needs --cluster (every process's host:port)")
    if addresses is None and env.get("KERAS_DISTRIBUTION_JOB_ADDRESSES"):
        addresses = env["KERAS_DISTRIBUTION_JOB_ADDRESSES"]
        process_id = int(env.get("KERAS_DISTRIBUTION_PROCESS_ID", "0"))
        processes = int(env.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "0")) or None
        return _cluster(addresses.split(","), process_id, processes)
    if addresses is None and env.get("TF_CONFIG"):
        return _cluster_from_tf_config(env["TF_CONFIG"])
    if addresses is None:
        return Cluster()
    if process_id is None:
        raise ConfigError("--cluster needs --process-id (this process's place in the list, from 0)")
    return _cluster(addresses.split(","), process_id, None)


def _cluster(addresses: list[str], process_id: int, processes: int | None) -> Cluster:
    addresses = [address.strip() for address in addresses if address.strip()]
    bad = [address for address in addresses if not _is_host_port(address)]
    if not addresses or bad:
        raise ConfigError(
            f"--cluster takes every process's host:port (a port from 1 to 65535), process 0's "
            f"first, separated by commas (e.g. 10.0.0.1:1234,10.0.0.2:1234), not "
            f"{','.join(bad) or 'nothing'}"
        )
    twice = sorted({address for address in addresses if addresses.count(address) > 1})
    if twice:
        raise ConfigError(
            f"--cluster names {twice[0]} more than once: each process needs its own host:port"
        )
    processes = processes or len(addresses)
    if not 0 <= process_id < processes:
        raise ConfigError(
            f"--process-id {process_id} is not one of the {processes} processes (0 to "
            f"{processes - 1})"
        )
    return Cluster(tuple(addresses), process_id, processes)


def _is_host_port(address: str) -> bool:
    host, _, port = address.rpartition(":")
    return bool(host) and port.isdigit() and 1 <= int(port) <= 65535


def _cluster_from_tf_config(text: str) -> Cluster:
    """TF_CONFIG's workers (its chief first, if it names one) and this task's place among them."""
    try:
        tf_config = json.loads(text)
        cluster, task = tf_config["cluster"], tf_config["task"]
        chiefs = list(cluster.get("chief", []))
        addresses = chiefs + list(cluster.get("worker", []))
        index = int(task["index"]) + (len(chiefs) if task["type"] == "worker" else 0)
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"TF_CONFIG is not a cluster description ({error!r})") from None
    return _cluster(addresses, index, None)
