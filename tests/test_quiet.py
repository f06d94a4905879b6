"""Quiet command lines: the person sees their own progress and messages, not TensorFlow's
start-up noise; --verbose brings it back. And the trainer options come from the config fields."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import subprocess
import sys

import pytest

from latentwalk.core.quiet import strip_noise
from latentwalk.train import config as config_module
from latentwalk.train.cli import build_parser
from latentwalk.train.config import GANConfig, VAEConfig, add_config_options, setting
from tests.support import REPO

# What TensorFlow 2.19 printed to stderr before (a tiny GAN run, then its export).
NOISE = {
    "cuInit": "failed call to cuInit",
    "oneDNN": "oneDNN custom operations",
    "placer": "computation placer already registered",
    "remapper": "remapper failed",
    "absl notice": "absl::InitializeLog",
    "absl line": re.compile(r"[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\]"),
    "cuda plugins": re.compile(r"Unable to register cu(DNN|BLAS|FFT) factory"),
    "Keras warning": "UserWarning",
}

ABSL = b"E0000 00:00:1795780491.053614    1538 cuda_dnn.cc:8579] Unable to register cuDNN factory\n"


def noise_in(text: str) -> list[str]:
    return [
        name
        for name, pattern in NOISE.items()
        if (pattern.search(text) if isinstance(pattern, re.Pattern) else pattern in text)
    ]


def test_the_relay_drops_abseil_lines_and_keeps_everything_else():
    text = (
        b"64 training images\n"
        b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        + ABSL
        + b"W0000 00:00:1795780491.068433    1538 computation_placer.cc:177] computation placer\n"
        b"\rgan training:   0%|          | 0/3"
        b"E0000 00:00:1795780493.947440    1538 meta_optimizer.cc:967] remapper failed: x\n"
        b"\rgan training: 100%|##########| 3/3\n"
        b"F0000 00:00:1795780493.947440    1538 check.cc:1] Check failed: the reason\n"
        b"Done: runs/x\n"
    )
    out, held = strip_noise(text)
    assert held == b""
    assert out == (
        b"64 training images\n"
        b"\rgan training:   0%|          | 0/3"
        b"\rgan training: 100%|##########| 3/3\n"
        b"F0000 00:00:1795780493.947440    1538 check.cc:1] Check failed: the reason\n"
        b"Done: runs/x\n"
    )


def test_the_relay_holds_an_abseil_line_until_its_end_arrives():
    out, held = strip_noise(b"progress 1/3" + ABSL[:50])
    assert (out, held) == (b"progress 1/3", ABSL[:50])
    assert strip_noise(held + ABSL[50:] + b"Done\n") == (b"Done\n", b"")


def test_what_a_process_says_as_it_crashes_gets_through_the_relay():
    script = (
        "import os, sys\n"
        "from latentwalk.core.quiet import quiet\n"
        "quiet()\n"
        f"os.write(2, {ABSL!r})\n"
        "print('my last words', file=sys.stderr, flush=True)\n"
        "os.abort()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "my last words" in result.stderr and "cuDNN" not in result.stderr


@pytest.mark.slow
def test_a_training_run_prints_its_progress_and_no_tensorflow_noise(tiny_npz, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    command = [sys.executable, "-m", "train", "gan", "--preset", "tiny", "--data", str(tiny_npz)]
    result = subprocess.run(
        [*command, "--class", "all", "--steps", "3", "--out", str(tmp_path / "run")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "64 training images" in result.stderr and "gan training" in result.stderr
    assert "Done:" in result.stderr
    assert noise_in(result.stderr) == [], result.stderr


def test_every_command_takes_verbose():
    from latentwalk.export.cli import build_export_parser, build_site_parser

    parser = build_parser()
    for command in (["gan"], ["vae"], ["judge"], ["evaluate"]):
        assert parser.parse_args([*command, "--verbose"]).verbose
        assert not parser.parse_args(command).verbose
    assert build_export_parser().parse_args(["run", "--out", "x", "--verbose"]).verbose
    assert build_site_parser().parse_args(["--out", "x", "--verbose"]).verbose


# The options the trainers had when they were written out by hand: generating them keeps each.
GAN_OPTIONS = """--preset --steps --batch-size --latent-dim --seed --sample-every --checkpoint-every
--log-every --eval-every --judge --jit --no-jit --optimizer --precision --d-learning-rate
--g-learning-rate --clipvalue --label-noise --dropout --auto-balance --upsample --generator-width
--spectral-norm --no-spectral-norm --loss --diffaugment --ema-decay --balance-window""".split()
VAE_OPTIONS = """--preset --steps --batch-size --latent-dim --seed --sample-every --checkpoint-every
--log-every --eval-every --judge --jit --no-jit --learning-rate --beta --kl-warmup-steps""".split()


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}


JUDGE_OPTIONS = """--preset --data --out --force --epochs --batch-size --learning-rate
--max-images --seed --precision""".split()


@pytest.mark.parametrize(
    "kind, options", [("gan", GAN_OPTIONS), ("vae", VAE_OPTIONS), ("judge", JUDGE_OPTIONS)]
)
def test_every_hand_written_option_is_still_there(kind, options):
    commands = build_parser()._subparsers._group_actions[0].choices
    assert set(options) <= option_strings(commands[kind])


def test_a_new_config_field_is_a_new_option_with_its_type_and_help():
    @dataclasses.dataclass(frozen=True)
    class Extended(GANConfig):
        warmup_images: int | None = setting(None, "images before the first step")

    parser = argparse.ArgumentParser()
    add_config_options(parser, Extended, {"small": {}})
    assert "images before the first step" in parser.format_help()
    args = parser.parse_args(["--warmup-images", "12", "--no-jit", "--optimizer", "adam"])
    assert (args.warmup_images, args.jit_compile, args.optimizer) == (12, False, "adam")
    assert args.steps is None and args.preset is None  # not given: the preset decides
    with pytest.raises(SystemExit):
        parser.parse_args(["--optimizer", "sgd"])


def _help_of(parser: argparse.ArgumentParser, flag: str) -> str:
    (action,) = [a for a in parser._actions if flag in a.option_strings]
    return action.help % {"default": action.default}


def test_a_help_states_the_default_the_field_holds():
    """Written from the field, a subclass's other default included: help and default cannot
    disagree (they were typed twice before)."""

    @dataclasses.dataclass(frozen=True)
    class Wider(GANConfig):
        latent_dim: int = config_module.with_default(GANConfig, "latent_dim", 128)

    parser = argparse.ArgumentParser()
    add_config_options(parser, Wider, {"small": {}})
    assert _help_of(parser, "--latent-dim") == "latent vector size (default: 128)"
    assert _help_of(parser, "--ema-decay") == "EMA of generator weights (default: 0, off)"
    assert _help_of(parser, "--shared-fakes").endswith("(default: on)")
    assert _help_of(parser, "--diffaugment").endswith("(default: none)")
    commands = build_parser()._subparsers._group_actions[0].choices
    assert _help_of(commands["vae"], "--learning-rate") == "learning rate (default: 0.001)"
    assert _help_of(commands["judge"], "--data").endswith("(default: cifar10)")
    assert "10% of each class" in commands["judge"].format_help()  # not "10%%"
    assert _help_of(commands["judge"], "--precision").startswith(
        "compute precision; the saved judge is float32 (default: mixed_bfloat16"
    )
    assert _help_of(commands["evaluate"], "--samples").startswith(
        "samples per model (default: 5000"
    )


def test_no_help_types_a_default_by_hand():
    """A default is written into a setting's help by ``config.help_text``, never typed in it."""
    for cls in (GANConfig, VAEConfig, config_module.JudgeConfig):
        typed = [f.name for f in dataclasses.fields(cls) if "default" in f.metadata.get("help", "")]
        assert typed == [], (cls.__name__, typed)


@pytest.mark.parametrize("cls", [GANConfig, VAEConfig])
def test_config_json_keeps_its_keys_and_reads_back(cls, tmp_path):
    config = cls()
    config_module.save(config, tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert list(saved)[0] == "kind" and list(saved)[-1] == "data"
    assert set(saved) == {"kind", *(f.name for f in dataclasses.fields(cls))}
    assert config_module.load(tmp_path) == config
    assert (VAEConfig().steps, GANConfig().steps) == (5000, 8000)


def test_the_command_lines_load_no_tensorflow_before_they_quiet_it():
    """Regression: a module-level `import keras` (train/checkpoint.py) loaded TensorFlow when the
    CLI module was imported, before main() could quiet it, and all the noise came back."""
    code = (
        "import sys, latentwalk.cli, latentwalk.train.cli, latentwalk.export.cli; "
        "print(sorted(m for m in ('tensorflow', 'keras', 'jax') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
