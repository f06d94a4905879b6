"""The exporter under faults: Ctrl-C (as a terminal sends it, to the whole process group) at any
moment, twice, or SIGTERM; a killed export's leftovers; a truncated or diverged model file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from latentwalk.export.cli import main
from latentwalk.export.exporter import remove_stale_staging
from tests.support import REPO


def run_cli(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    return exit_info.value.code, capsys.readouterr().err


def test_a_truncated_keras_file_says_so(tiny_gan_run, tmp_path, capsys):
    model = tiny_gan_run / "generator.keras"
    truncated = tmp_path / "generator.keras"
    truncated.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    code, err = run_cli([truncated, "--out", tmp_path / "out"], capsys)
    assert code == 2 and "not a complete .keras file" in err and "truncated" in err
    assert "File not found" not in err


def test_a_model_with_nan_weights_is_refused(tiny_gan_run, tmp_path, capsys):
    import keras

    model = keras.models.load_model(tiny_gan_run / "generator.keras", compile=False)
    weights = model.get_weights()
    weights[0] = np.full_like(weights[0], np.nan)
    model.set_weights(weights)
    model.save(tmp_path / "diverged.keras")
    code, err = run_cli([tmp_path / "diverged.keras", "--out", tmp_path / "out"], capsys)
    assert code == 2 and "holds NaN or Inf values: the training run diverged" in err
    assert not (tmp_path / "out").exists()


def test_stale_staging_folders_of_dead_exports_are_removed(tmp_path):
    out = tmp_path / "export"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".export.partial-{dead.pid}-abc"
    alive = tmp_path / f".export.partial-{os.getpid()}-def"
    old_format = tmp_path / ".export.partial-xyz"
    for folder in (stale, alive, old_format):
        (folder / "generator").mkdir(parents=True)
    hour_ago = time.time() - 3600
    os.utime(old_format, (hour_ago, hour_ago))
    assert sorted(p.name for p in remove_stale_staging(out)) == sorted(
        [stale.name, old_format.name]
    )
    assert alive.exists() and not stale.exists() and not old_format.exists()
    # A replaced export's old copy is deleted only once the new one is in place.
    old = tmp_path / ".export.old-abc"
    old.mkdir()
    remove_stale_staging(out)
    assert old.exists()
    out.mkdir()
    remove_stale_staging(out)
    assert not old.exists()


def _export_process(run: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(
        [sys.executable, "-m", "export", str(run), "--out", str(out)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives a foreground job
    )


def _read_until(process: subprocess.Popen, text: str, timeout_s: float = 300) -> str:
    seen = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"{text!r} never came: {''.join(seen)[-2000:]}")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize(
    ("signals", "wait_for", "delay_s", "must_stop"),
    [
        ([signal.SIGINT], "converting", 0.0, True),  # while TensorFlow converts
        ([signal.SIGINT], "converting", 1.5, False),  # about when the browser check runs
        ([signal.SIGINT, signal.SIGINT], "converting", 1.2, False),  # twice: abort at once
        ([signal.SIGINT, signal.SIGINT], "converting", 0.0, True),
        ([signal.SIGTERM], "converting", 0.0, True),
    ],
)
def test_ctrl_c_at_any_moment_stops_cleanly_and_writes_nothing(
    tiny_gan_run, tmp_path, signals, wait_for, delay_s, must_stop
):
    run = tmp_path / "run"
    shutil.copytree(tiny_gan_run, run)
    out = tmp_path / "export"
    process = _export_process(run, out)
    _read_until(process, wait_for)
    time.sleep(delay_s)
    for number in signals:
        os.killpg(process.pid, number)  # what a terminal's Ctrl-C does: the whole group
        time.sleep(0.3)
    try:
        output, _ = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError("the export hung after the interrupt") from None
    if process.returncode == 0 and not must_stop:  # after the last safe point: all written
        assert (out / "generator" / "model.json").exists() and "Done" in output
    else:
        assert process.returncode == 130, output
        assert "nothing was written" in output and "Traceback" not in output
        assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_after_a_requested_stop_a_late_ctrl_c_still_exits_with_130():
    """Regression: a second Ctrl-C arriving after the last safe point (the stop requested, the
    context left) killed the process by the signal (exit -2, no message) instead of 130."""
    import signal as signals

    from latentwalk.export.interrupts import StopRequests

    previous = signals.getsignal(signals.SIGINT)
    try:
        with StopRequests() as stop:
            signals.getsignal(signals.SIGINT)(signals.SIGINT, None)  # the first Ctrl-C
            assert stop.requested == "Ctrl-C"
        late = signals.getsignal(signals.SIGINT)
        assert late is not previous and late is not signals.default_int_handler
        assert late.__name__ == "_exit_130"
    finally:
        signals.signal(signals.SIGINT, previous)
    # Without a stop, the previous handlers come back.
    with StopRequests():
        pass
    assert signals.getsignal(signals.SIGINT) is previous
