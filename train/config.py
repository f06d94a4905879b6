"""Training configurations: one frozen dataclass per trainer, presets by name, one validator.

The CLI starts from a preset, overrides fields, calls ``validate`` once, and writes the result as
``config.json`` into the run folder, so a run folder always says how it was made.

Each trainer and judge field carries its command-line help (``setting(default, help)``):
``add_config_options`` makes one option per field from it, ``--name-with-dashes``, so a new field
is a new option, and its help states the default the field holds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from ..core import layout

PRECISIONS = ("auto", "float32", "mixed_bfloat16")


class ConfigError(ValueError):
    """A user-facing configuration mistake (the CLI turns it into exit code 2)."""


def parse_devices(text: str) -> int | str:
    """--devices: a positive number, or "auto"."""
    if text == "auto":
        return text
    if not text.isdigit() or int(text) < 1:
        raise ValueError(text)
    return int(text)


parse_devices.__name__ = "device count"  # argparse: "invalid device count value: 'x'"


def setting(default, help: str, *, flag: str | None = None, shown: bool | str = False, **cli):
    """A config field with the help text of its command-line option.

    ``flag`` names the option when it is not ``--`` + the field's name with dashes; ``shown``:
    the help ends with "(default: VALUE)", written from the field's default (``True``), or
    "(default: VALUE, NOTE)" (a string: the NOTE); left False where a preset decides. ``cli``
    holds argparse extras (``choices``, ``metavar``), or ``option=False`` for a field only
    presets set.
    """
    return field(default=default, metadata={"help": help, "flag": flag, "shown": shown, **cli})


def with_default(cls, name: str, default):
    """The field ``name`` of ``cls`` (help included) with another default, for a subclass."""
    (base,) = [f for f in dataclasses.fields(cls) if f.name == name]
    return field(default=default, metadata=base.metadata)


def add_config_options(parser: argparse.ArgumentParser, cls, presets: dict) -> None:
    """One option per field of the trainer config ``cls``, from the field itself: the name
    (``--name-with-dashes`` unless the field names its flag), the type, the help and any choices.

    Every default is None ("not given"), so the preset fills what the command line leaves out.
    """
    group = parser.add_argument_group(
        "settings", "saved in the run's config.json; the preset gives those not given here"
    )
    types = typing.get_type_hints(cls)
    for item in config_options(cls):
        annotation = types[item.name]
        extras = {k: item.metadata[k] for k in ("choices", "metavar", "type") if k in item.metadata}
        if item.name == "preset":
            extras["choices"] = sorted(presets)
        if annotation is bool:
            extras["action"] = argparse.BooleanOptionalAction
        elif "type" not in extras:
            # ``int | None`` and the like: the option's value is the non-None type.
            members = typing.get_args(annotation) or (annotation,)
            value_type = next(t for t in members if t is not type(None))
            if value_type is not str:
                extras["type"] = value_type
        group.add_argument(
            option_flag(item), dest=item.name, default=None, help=help_text(item), **extras
        )


def config_options(cls) -> list[dataclasses.Field]:
    """The fields of ``cls`` that the command line may set (all but those only presets set)."""
    return [item for item in dataclasses.fields(cls) if item.metadata.get("option", True)]


def option_flag(item: dataclasses.Field) -> str:
    return item.metadata.get("flag") or "--" + item.name.replace("_", "-")


def default_words(value) -> str:
    """A default as the help says it: on/off, 0.001, none."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None or value == "":
        return "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def help_text(item: dataclasses.Field) -> str:
    """A setting's help, its default written from the field itself (a subclass's
    ``with_default`` included), so the help cannot name another default than the one used."""
    shown = item.metadata.get("shown", False)
    if shown is False:
        return item.metadata["help"]
    note = f", {shown}" if isinstance(shown, str) else ""
    return f"{item.metadata['help']} (default: {default_words(item.default)}{note})"


@dataclass(frozen=True)
class DataConfig:
    source: str = "cifar10"  # "cifar10", a folder, a .zip or a .npz
    class_name: str | None = "frog"  # CIFAR-10 class name or index, or a folder name
    max_images: int | None = None


@dataclass(frozen=True)
class TrainerConfig:
    """What the GAN and VAE trainers share: the latent size, the batches, the schedule of samples,
    checkpoints, logs and quality checks, and the data."""

    preset: str = setting("small", "starting settings, which other options override", shown=True)
    latent_dim: int = setting(32, "latent vector size", shown=True)
    batch_size: int = setting(64, "images per training step", shown=True)
    steps: int = setting(8000, "total training steps")
    seed: int = setting(0, "random seed; the same seed repeats a CPU run")
    leaky_slope: float = setting(0.2, "LeakyReLU slope of the model's layers", option=False)
    # XLA on the TensorFlow backend. Off by default: on the 2-core CPU we measured it slower
    # (benchmarks/train_throughput.py); the JAX backend always compiles its step.
    jit_compile: bool = setting(
        False,
        "compile the TensorFlow training step with XLA",
        flag="--jit",
        shown="slower on the 2-core CPU we measured; the JAX backend always compiles",
    )
    # Data parallelism (train/parallel.py): not a model setting, so --resume may change it.
    devices: int | str = setting(
        1,
        "train data-parallel on N devices of this machine, each taking an equal share of "
        "--batch-size (which keeps its meaning: images per step, all devices together); 'auto': "
        "every GPU/TPU here, or 1 without any",
        shown=True,
        metavar="N|auto",
        type=parse_devices,
    )
    sample_every: int = setting(250, "write a sample grid every N steps")
    checkpoint_every: int = setting(250, "save a checkpoint every N steps")
    log_every: int = setting(10, "append to metrics.jsonl every N steps")
    num_sample_seeds: int = setting(64, "latents in each sample grid", option=False)
    eval_every: int = setting(
        0,
        "every N steps, grade 1,000 samples with the judge (KID, precision, recall, class rate) "
        "into metrics.jsonl and TensorBoard",
        shown="never",
    )
    judge: str | None = setting(None, "judge folder for --eval-every; without it, models/judge")
    data: DataConfig = field(default_factory=DataConfig, metadata={"option": False})

    kind = ""  # "gan" or "vae": config.json's first key


@dataclass(frozen=True)
class GANConfig(TrainerConfig):
    architecture: str = setting("small", '"book" or "small" (or "tiny")', option=False)
    optimizer: str = setting(
        "adam", "rmsprop (the book's) or adam (Radford et al.'s)", choices=("rmsprop", "adam")
    )
    d_learning_rate: float = setting(2e-4, "discriminator learning rate")
    g_learning_rate: float = setting(2e-4, "generator learning rate")
    beta_1: float = setting(0.5, "Adam's beta_1", option=False)
    clipvalue: float | None = setting(None, "clip gradients to +-this value")
    # The book's trick: labels += 0.05 * U(0, 1).
    label_noise: float = setting(0.05, "label noise amplitude (book: 0.05)")
    dropout: float = setting(0.4, "discriminator dropout (book: 0.4)")
    # "mixed_bfloat16" computes in bfloat16 (fast on CPUs with AMX, and on GPUs); the saved
    # generator is always float32, so exports and the app are unaffected. "auto" is resolved when
    # the run starts (train/hardware.py) and config.json keeps the outcome and why.
    precision: str = setting(
        "auto",
        "compute precision; the saved generator is float32 either way",
        shown="mixed_bfloat16 where the hardware has native bfloat16 (AMX or AVX512-BF16 CPUs on "
        "TensorFlow, GPUs from compute capability 8.0, TPUs), else float32",
        choices=PRECISIONS,
    )
    precision_detected: str = setting("", "why --precision auto chose what it did", option=False)
    # One generator forward pass per step instead of two (about 1.1x faster on the small
    # preset), as PyTorch's DCGAN example does; the book draws new latents for the generator's
    # update.
    shared_fakes: bool = setting(
        True,
        "the generator's update reuses the fakes the discriminator just learned from (one "
        "generator forward pass per step) instead of drawing new latents as the book's loop does "
        "(--no-shared-fakes)",
        shown=True,
    )
    auto_balance: bool = setting(
        False, "when the discriminator dominates, halve its learning rate and raise its dropout"
    )
    balance_window: int = setting(
        100, "steps per window when checking whether the discriminator dominates"
    )
    # Quality options (train/gan.py, train/augment.py), each off by default so the book's and
    # the small preset's models stay as they were:
    upsample: str = setting(
        "transpose",
        "generator upsampling (small/tiny): transposed conv, sub-pixel conv, or nearest resize + "
        "conv",
        shown=True,
        choices=("transpose", "subpixel", "resize"),
    )
    generator_width: int | None = setting(None, "generator channels after projection (small: 256)")
    spectral_norm: bool = setting(False, "spectral normalisation in the discriminator")
    loss: str = setting("bce", "adversarial loss", shown=True, choices=("bce", "hinge"))
    diffaugment: str = setting(
        "",
        "augment the discriminator's inputs: translation, cutout and/or color, e.g. "
        "'translation,cutout,color' (Zhao et al. 2020)",
        shown=True,
        metavar="POLICY",
    )
    # With a warm-up ramp (train/gan_task.py).
    ema_decay: float = setting(0.0, "EMA of generator weights", shown="off")
    lr_decay: float = setting(
        0.0,
        "decay both learning rates linearly to zero over the last FRACTION of --steps",
        shown="constant rates",
        metavar="FRACTION",
    )
    top_k: float = setting(
        1.0,
        "the generator learns only from the FRACTION of each batch of fakes the discriminator "
        "finds most real, falling from the whole batch over the first quarter of --steps "
        "(top-k training, Sinha et al. 2020)",
        shown="every fake",
        metavar="FRACTION",
    )
    pr_lambda: float = setting(
        1.0,
        "meant to favour precision over recall: the generator's non-saturating loss on the "
        "discriminator's logit minus log(LAMBDA), so a fake stops being pushed once the model is "
        "less than LAMBDA times as dense as the data around it (a smoothed form of Verine et "
        "al. 2023's PR-divergence at LAMBDA; the judge saw no change at 4 or 16 over "
        "quality-cpu's last 2,000 steps, see the README)",
        shown="the plain loss",
        metavar="LAMBDA",
    )
    pr_start: float = setting(
        0.0,
        "apply --pr-lambda from this FRACTION of --steps on",
        shown="the whole run",
        metavar="FRACTION",
    )

    kind = "gan"


@dataclass(frozen=True)
class VAEConfig(TrainerConfig):
    steps: int = with_default(TrainerConfig, "steps", 5000)
    learning_rate: float = setting(1e-3, "learning rate", shown=True)
    beta: float = setting(1.0, "weight of the KL term", shown=True)
    kl_warmup_steps: int = setting(500, "steps over which the KL weight ramps up from 0 to beta")
    base_filters: int = setting(32, "channels of the first convolution", option=False)

    kind = "vae"


@dataclass(frozen=True)
class JudgeConfig:
    """The judge's recipe (train/quality/judge.py): a CIFAR-10 classifier whose features grade models."""

    preset: str = setting("small", "starting recipe, which other options override", shown=True)
    # stem, then one block of two convs per width
    widths: tuple[int, ...] = setting((32, 64, 128, 256), "channels", option=False)
    epochs: int = setting(12, "passes over the training images")
    batch_size: int = setting(256, "images per step")
    learning_rate: float = setting(0.1, "peak learning rate (SGD, Nesterov), after the warm-up")
    warmup_steps: int = setting(200, "steps of linear warm-up", option=False)
    weight_decay: float = setting(5e-4, "L2 weight decay", option=False)
    label_smoothing: float = setting(0.1, "label smoothing", option=False)
    holdout_fraction: float = setting(0.1, "share of each class held out", option=False)
    split_seed: int = setting(0, "seed of the held-out split", option=False)
    # bfloat16 compute is ~2x faster on CPUs with AMX (and on GPUs); the saved judge is float32.
    precision: str = setting(
        "mixed_bfloat16",
        "compute precision; the saved judge is float32",
        shown=True,
        choices=("float32", "mixed_bfloat16"),
    )
    seed: int = setting(0, "random seed of the weights and batches")
    data_source: str = setting(
        "cifar10",
        "'cifar10' (downloaded by Keras), a folder or .zip laid out as <class>/<image>, or a .npz "
        "with 'x' and 'y' arrays",
        flag="--data",
        shown=True,
        metavar="DATA",
    )
    max_images: int | None = setting(None, "use at most this many images")

    kind = "judge"


JUDGE_PRESETS: dict[str, dict] = {
    "small": dict(),
    "tiny": dict(widths=(4, 8), epochs=2, batch_size=16, warmup_steps=2, precision="float32"),
}


GAN_PRESETS: dict[str, dict] = {
    # Exactly the book's model and settings (Deep Learning with Python, section 8.5). LeakyReLU
    # slope 0.3 is Keras 2's default, which the book's code relied on; Keras 3's default is 0.2.
    "book": dict(
        architecture="book",
        batch_size=20,
        steps=10_000,
        optimizer="rmsprop",
        d_learning_rate=8e-4,
        g_learning_rate=4e-4,
        clipvalue=1.0,
        leaky_slope=0.3,
        dropout=0.4,
        precision="float32",  # the book's
        shared_fakes=False,  # the book's loop draws new latents for the generator's update
        sample_every=500,
        checkpoint_every=500,
    ),
    # A Radford-style DCGAN (~0.8 M generator parameters, ~52 MFLOP per image) that trains on two
    # CPU cores in about half an hour (24 minutes in mixed bfloat16; see the README) and runs in a
    # browser without a GPU.
    "small": dict(architecture="small"),
    # Quality first on two CPU cores (the ablation in the README): the small architecture with
    # nearest-resize + conv upsampling (no checkerboard; 160 channels keep it under 60 MFLOP an
    # image) and DiffAugment on the discriminator's inputs (in mixed bfloat16 where --precision
    # auto finds native support, as on the AMX CPU the shipped model trained on).
    "quality-cpu": dict(
        architecture="small",
        upsample="resize",
        generator_width=160,
        diffaugment="translation,cutout,color",
        ema_decay=0.999,  # averaged weights, own batch-norm statistics: FID 1.95 -> 1.66
        shared_fakes=False,  # the recipe as judged (trained before --shared-fakes existed)
        steps=18_000,
        sample_every=1000,
        checkpoint_every=1000,
        eval_every=2000,
    ),
    # For tests and smoke runs: trains in seconds, same code paths.
    "tiny": dict(
        architecture="tiny",
        precision="float32",  # the same numbers on every machine the tests run on
        batch_size=8,
        steps=20,
        sample_every=10,
        checkpoint_every=10,
        log_every=1,
        num_sample_seeds=16,
        jit_compile=False,
    ),
}

VAE_PRESETS: dict[str, dict] = {
    "small": dict(),
    "tiny": dict(
        base_filters=4,
        batch_size=8,
        steps=20,
        sample_every=10,
        checkpoint_every=10,
        log_every=1,
        num_sample_seeds=16,
        kl_warmup_steps=5,
        jit_compile=False,
    ),
}


def make_config(kind: str, preset: str, overrides: dict, data: DataConfig):
    """Build a config from a preset plus overrides (``None`` values mean "keep the preset's")."""
    cls, presets = (GANConfig, GAN_PRESETS) if kind == "gan" else (VAEConfig, VAE_PRESETS)
    if preset not in presets:
        raise ConfigError(f"unknown {kind} preset {preset!r}: choose from {', '.join(presets)}")
    values = {"preset": preset, **presets[preset]}
    values.update({k: v for k, v in overrides.items() if v is not None})
    config = cls(**values, data=data)
    validate(config)
    return config


def make_judge_config(preset: str, overrides: dict) -> JudgeConfig:
    if preset not in JUDGE_PRESETS:
        raise ConfigError(
            f"unknown judge preset {preset!r}: choose from {', '.join(JUDGE_PRESETS)}"
        )
    values = {"preset": preset, **JUDGE_PRESETS[preset]}
    values.update({k: v for k, v in overrides.items() if v is not None})
    config = JudgeConfig(**values)
    validate_judge(config)
    return config


def validate_judge(config: JudgeConfig) -> None:
    def need(ok: bool, message: str) -> None:
        if not ok:
            raise ConfigError(message)

    need(config.epochs >= 1, "--epochs must be at least 1")
    need(config.batch_size >= 1, "--batch-size must be at least 1")
    need(config.learning_rate > 0, "--learning-rate must be positive")
    need(0 < config.holdout_fraction < 1, "--holdout-fraction must be between 0 and 1")
    need(all(w >= 1 for w in config.widths) and len(config.widths) >= 2, "bad judge widths")
    need(
        config.precision in ("float32", "mixed_bfloat16"),
        "--precision must be float32 or mixed_bfloat16",
    )
    need(config.max_images is None or config.max_images >= 1, "--max-images must be at least 1")


def validate(config) -> None:
    """All option checks in one place, each raising a ConfigError a person can act on."""

    def need(ok: bool, message: str) -> None:
        if not ok:
            raise ConfigError(message)

    need(config.latent_dim >= 1, "--latent-dim must be at least 1")
    need(config.batch_size >= 1, "--batch-size must be at least 1")
    need(config.steps >= 1, "--steps must be at least 1")
    for name in ("sample_every", "checkpoint_every", "log_every"):
        need(getattr(config, name) >= 1, f"--{name.replace('_', '-')} must be at least 1")
    need(config.eval_every >= 0, "--eval-every must be zero (never) or positive")
    need(
        config.devices == "auto" or (isinstance(config.devices, int) and config.devices >= 1),
        "--devices must be a positive number or 'auto'",
    )
    need(
        not isinstance(config.devices, int) or config.batch_size % config.devices == 0,
        f"--batch-size {config.batch_size} cannot be split evenly over --devices "
        f"{config.devices}: give a multiple of {config.devices}",
    )
    if isinstance(config, GANConfig):
        need(config.architecture in ("book", "small", "tiny"), "unknown architecture")
        need(config.optimizer in ("rmsprop", "adam"), "--optimizer must be rmsprop or adam")
        need(
            config.d_learning_rate > 0 and config.g_learning_rate > 0,
            "learning rates must be positive",
        )
        need(0 <= config.dropout < 1, "--dropout must be in [0, 1)")
        # Keras ignores clipvalue=0 (and a negative value) without a word: refuse it instead.
        need(
            config.clipvalue is None or config.clipvalue > 0,
            "--clipvalue must be positive (leave it out for no clipping)",
        )
        need(0 <= config.label_noise < 1, "--label-noise must be in [0, 1)")
        need(config.balance_window >= 10, "--balance-window must be at least 10 steps")
        need(config.precision in PRECISIONS, "--precision must be auto, float32 or mixed_bfloat16")
        need(
            config.upsample in ("transpose", "subpixel", "resize"),
            "--upsample must be transpose, subpixel or resize",
        )
        need(
            config.architecture != "book" or config.upsample == "transpose",
            "the book's generator keeps its transposed convolution: --upsample is for the "
            "small and tiny architectures",
        )
        need(
            config.generator_width is None or config.generator_width >= 8,
            "--generator-width must be at least 8",
        )
        need(config.loss in ("bce", "hinge"), "--loss must be bce or hinge")
        unknown = set(filter(None, config.diffaugment.split(","))) - {
            "translation",
            "cutout",
            "color",
        }
        need(
            not unknown,
            f"unknown --diffaugment policy {', '.join(sorted(unknown))}: use translation, "
            "cutout and/or color, separated by commas",
        )
        need(0 <= config.ema_decay < 1, "--ema-decay must be in [0, 1)")
        need(0 <= config.lr_decay <= 1, "--lr-decay must be a fraction of --steps, in [0, 1]")
        need(0 < config.top_k <= 1, "--top-k must be a fraction of the batch, in (0, 1]")
        need(
            math.isfinite(config.pr_lambda) and config.pr_lambda > 0,
            "--pr-lambda must be a positive number",
        )
        need(config.pr_lambda == 1 or config.loss == "bce", "--pr-lambda needs --loss bce")
        need(0 <= config.pr_start < 1, "--pr-start must be a fraction of --steps, in [0, 1)")
    else:
        need(config.learning_rate > 0, "--learning-rate must be positive")
        need(config.beta >= 0, "--beta must be zero or positive")
        need(config.kl_warmup_steps >= 0, "--kl-warmup-steps must be zero or positive")
    data = config.data
    need(data.max_images is None or data.max_images >= 1, "--max-images must be at least 1")


def to_json(config) -> dict:
    """The config as config.json holds it: its kind first, its data (a trainer's) last."""
    values = dataclasses.asdict(config)
    if "data" in values:
        values["data"] = values.pop("data")
    return {"kind": config.kind, **values}


def save(config, run_dir: Path, provenance: dict | None = None) -> None:
    """Write config.json through a temporary file, so a crash never leaves half of it; with
    ``provenance`` (train/provenance.py's Session.record), that goes last, after the data."""
    path = Path(run_dir) / layout.CONFIG
    values = to_json(config)
    if provenance is not None:
        values[layout.PROVENANCE] = provenance
    temporary = path.with_name(".config.json.tmp")
    try:
        temporary.write_text(json.dumps(values, indent=2) + "\n")
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)  # a full disk must not leave half a config behind
        raise


def _fits(value, hint) -> bool:
    """Whether a value read from JSON fits a field's annotation (tuples are JSON lists)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin is tuple:
        items = args[:1] * len(value) if args[-1:] == (Ellipsis,) else args
        return isinstance(value, (list, tuple)) and (
            len(items) == len(value) and all(map(_fits, value, items))
        )
    return True  # a type this reader does not know: the dataclass takes it as it is


def _type_words(hint) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_words(arg) for arg in args)
    if origin is tuple:
        return f"a list of {_type_words(args[0])}s"
    names = {int: "a whole number", float: "a number", bool: "true or false", str: "a string"}
    return "null" if hint is type(None) else names.get(hint, getattr(hint, "__name__", str(hint)))


def check_types(cls, values: dict, where: str) -> None:
    """A ConfigError naming the first field of ``values`` whose JSON value is not of the type
    ``cls`` declares for it (a hand-edited config.json, say), before anything computes with it."""
    hints = typing.get_type_hints(cls)
    for item in dataclasses.fields(cls):
        if item.name in values and not _fits(values[item.name], hints[item.name]):
            raise ConfigError(
                f"{where}: {item.name} is {json.dumps(values[item.name])}, not "
                f"{_type_words(hints[item.name])} (edited by hand?)"
            )


def load(run_dir: Path):
    """Read a run folder's config.json back into its dataclass (a ConfigError if it cannot)."""
    path = Path(run_dir) / layout.CONFIG
    try:
        values = json.loads(path.read_text())
        kind = values.pop("kind")
        values.pop(layout.PROVENANCE, None)  # when and where it trained, not how
        data_values = values.pop("data")
        check_types(DataConfig, data_values, f"{path}, data")
        data = DataConfig(**data_values)
        if kind == "gan":  # runs from before the option drew new latents for the generator
            values.setdefault("shared_fakes", False)
        cls = {"gan": GANConfig, "vae": VAEConfig}[kind]
        check_types(cls, values, str(path))
        config = cls(**values, data=data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    except (AttributeError, KeyError, TypeError) as error:
        missing = f"it has no {error}" if isinstance(error, KeyError) else repr(error)
        raise ConfigError(
            f"{path} is not a latentwalk run's config (damaged or edited by hand?): {missing}"
        ) from None
    try:
        validate(config)
    except ConfigError as error:  # the option named is the field of the file, not a flag given
        raise ConfigError(f"{path} holds a setting that is not allowed: {error}") from None
    return config
