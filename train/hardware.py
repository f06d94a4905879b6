"""What the machine computes fast: whether bfloat16 has native support where the trainer runs.

``--precision auto`` (the GAN's default) trains in mixed bfloat16 where the hardware multiplies
bfloat16 natively and in float32 elsewhere, and config.json records what was found:

- a GPU of compute capability 8.0 or later (Ampere on) or a TPU: bfloat16 tensor cores;
- a CPU with AMX-BF16 or AVX512-BF16, on Keras's TensorFlow backend (oneDNN uses them): on two
  such cores the small preset's step ran 1.5x faster in bfloat16 (benchmarks/train_throughput.py);
- JAX on a CPU: no. XLA's CPU backend does not use those units; the small preset's step ran at
  the same speed in either precision on the machine above.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras

CPU_BF16_FLAGS = ("amx_bf16", "avx512_bf16")


@dataclass(frozen=True)
class Bfloat16Support:
    native: bool
    reason: str  # what was found, for config.json and the log


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU's feature flags (Linux's /proc/cpuinfo; empty where there is none)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def _gpu_capabilities() -> tuple[str, list[tuple[int, int]]]:
    """(platform, compute capabilities) of the accelerators the backend will train on."""
    if keras.backend.backend() == "jax":
        import jax

        devices = jax.devices()
        platform = devices[0].platform
        if platform != "gpu":
            return platform, []
        capabilities = []
        for device in devices:
            major, _, minor = str(getattr(device, "compute_capability", "0.0")).partition(".")
            capabilities.append((int(major or 0), int(minor or 0)))
        return platform, capabilities
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "cpu", []
    details = [tf.config.experimental.get_device_details(gpu) for gpu in gpus]
    return "gpu", [tuple(d.get("compute_capability") or (0, 0)) for d in details]


def bfloat16_support(flags: set[str] | None = None) -> Bfloat16Support:
    """Whether the device the trainer will use multiplies bfloat16 natively."""
    platform, capabilities = _gpu_capabilities()
    if platform == "tpu":
        return Bfloat16Support(True, "TPU")
    if platform == "gpu":
        oldest = min(capabilities)
        ok = oldest >= (8, 0)
        return Bfloat16Support(
            ok,
            f"GPU compute capability {oldest[0]}.{oldest[1]}"
            + ("" if ok else " (bfloat16 tensor cores need 8.0 or later)"),
        )
    flags = cpu_flags() if flags is None else flags
    found = [flag for flag in CPU_BF16_FLAGS if flag in flags]
    if not found:
        return Bfloat16Support(False, "CPU without AMX-BF16 or AVX512-BF16")
    if keras.backend.backend() == "jax":
        return Bfloat16Support(
            False, f"CPU with {', '.join(found)}, but XLA's CPU backend does not use them"
        )
    return Bfloat16Support(True, f"CPU with {', '.join(found)}")


def resolve_precision(requested: str, flags: set[str] | None = None) -> tuple[str, str]:
    """(precision, why) for a config's ``precision``: "auto" becomes mixed_bfloat16 or float32."""
    if requested != "auto":
        return requested, "chosen"
    support = bfloat16_support(flags)
    return ("mixed_bfloat16" if support.native else "float32"), f"auto: {support.reason}"
