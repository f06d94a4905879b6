"""Both trainers' command lines: readable errors with exit code 2, and help with examples."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from latentwalk.train.cli import main
from tests.support import REPO


@pytest.mark.parametrize("kind", ["gan", "vae"])
def test_help_documents_options_with_runnable_examples(kind, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([kind, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and f"python -m train {kind}" in text
    for option in ("--data", "--class", "--steps", "--resume", "--seed", "--out"):
        assert option in text


@pytest.mark.parametrize("kind", ["gan", "vae"])
@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "no/such/place"], "does not exist"),
        (["--class", "unicorn"], "unknown CIFAR-10 class"),
        (["--steps", "0"], "--steps must be at least 1"),
        (["--preset", "huge"], "invalid choice"),
        (["--resume", "no/such/run"], "cannot resume"),
    ],
)
def test_user_errors_exit_2_with_a_message(
    kind, args, message, tiny_npz, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a default --out would land here
    base = ["--data", str(tiny_npz)] if "--data" not in args else []
    if "--class" in args:
        base = ["--data", "cifar10"]
    with pytest.raises(SystemExit) as exit_info:
        main([kind, *base, *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_existing_run_folder_is_not_overwritten(tiny_gan_run, tiny_npz, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["gan", "--preset", "tiny", "--data", str(tiny_npz), "--out", str(tiny_gan_run)])
    assert exit_info.value.code == 2
    assert "already exists" in capsys.readouterr().err


def test_resuming_a_run_of_the_other_kind_is_refused(tiny_gan_run, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["vae", "--resume", str(tiny_gan_run)])
    assert exit_info.value.code == 2
    assert "is a gan run" in capsys.readouterr().err


def test_a_mistyped_path_gives_no_traceback_and_leaves_nothing(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "train", "gan", "--data", "nope.zip"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no empty run folder left behind


@pytest.mark.parametrize("command", ["judge", "evaluate"])
def test_quality_commands_have_help_with_runnable_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and f"python -m train {command}" in text
