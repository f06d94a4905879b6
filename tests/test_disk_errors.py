"""File-system errors in every command that writes a folder: a read-only disk where the
staging folder goes, a disk that fills up mid-export, TensorFlow's own "disk full" while it
writes the SavedModel. Each is one line (exit 2) naming the path and what the error means, no
traceback, nothing partial left and nothing previous lost."""

from __future__ import annotations

import builtins
import errno
import gc
import io
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from latentwalk.core import layout
from latentwalk.export import exporter
from latentwalk.export.cli import main as export_main


def _fail(code: int):
    def raising(*args, **kwargs):
        target = kwargs.get("dir") or (args[1] if len(args) > 1 else args[0])
        raise OSError(code, os.strerror(code), str(target))

    return raising


def _exit(main, args, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    return exit_info.value.code, err.splitlines()[-1]


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".partial" in p.name or ".old-" in p.name]


def test_the_shared_words_name_the_path_and_the_errnos_meaning():
    error = OSError(errno.EROFS, os.strerror(errno.EROFS), "site/.x.partial-1")
    assert layout.os_error_words(error) == "site/.x.partial-1: Read-only file system"
    assert layout.os_error_words(OSError(errno.ENOSPC, None)) == "No space left on device"


def test_export_onto_a_read_only_disk(tiny_gan_run, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(tempfile, "mkdtemp", _fail(errno.EROFS))
    code, line = _exit(export_main, [tiny_gan_run, "--out", tmp_path / "out"], capsys)
    assert code == 2
    assert line.endswith(
        f"cannot write {tmp_path}: Read-only file system; nothing was written "
        f"({tmp_path / 'out'} is as it was)"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.browser
def test_site_onto_a_read_only_disk(sites, tmp_path, monkeypatch, capsys):
    exports = sites / "exports"
    monkeypatch.setattr(tempfile, "mkdtemp", _fail(errno.EROFS))
    args = ["site", "--gan", exports / "gan", "--vae", exports / "vae", "--out", tmp_path / "site"]
    code, line = _exit(export_main, args, capsys)
    assert code == 2 and "Read-only file system; nothing was written" in line


@pytest.mark.slow
@pytest.mark.browser
def test_a_disk_that_fills_mid_export_keeps_the_old_export(
    tiny_gan_run, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "out"
    assert export_main([str(tiny_gan_run), "--out", str(out)]) == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    monkeypatch.setattr(exporter.shutil, "copy2", _fail(errno.ENOSPC))
    code, line = _exit(export_main, [tiny_gan_run, "--out", out, "--force"], capsys)
    assert code == 2 and "No space left on device; nothing was written" in line
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert _leftovers(tmp_path) == []


def test_tensorflow_running_out_of_disk_is_one_line(tiny_gan_run, tmp_path, monkeypatch, capsys):
    import keras
    import tensorflow as tf

    def full(self, *args, **kwargs):
        raise tf.errors.ResourceExhaustedError(
            None, None, "saved_model.pb; No space left on device"
        )

    monkeypatch.setattr(keras.Model, "export", full)
    code, line = _exit(export_main, [tiny_gan_run, "--out", tmp_path / "out"], capsys)
    assert code == 2 and "No space left on device; nothing was written" in line
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


def test_the_judge_onto_a_read_only_disk(two_class_npz, tmp_path, monkeypatch, capsys):
    from latentwalk.train.cli import main as train_main

    mkdir = Path.mkdir

    def read_only(self, *args, **kwargs):
        if self.name.endswith(".partial"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    out = tmp_path / "judge"
    args = ["judge", "--preset", "tiny", "--data", two_class_npz, "--out", out]
    code, line = _exit(train_main, args, capsys)
    assert code == 2
    assert line.endswith(
        f"cannot write the judge ({tmp_path / '.judge.partial'}: Read-only file system): "
        f"nothing was written ({out} is as it was)"
    )
    assert not out.exists()


def test_a_staging_folder_is_removed_when_the_disk_fails(tmp_path, monkeypatch):
    """Nothing partial left: the staging folder goes when writing into it fails."""
    out = tmp_path / "out"
    with pytest.raises(OSError), exporter.staging_folder(out, force=False) as folder:
        (folder / "model.json").write_text("{}")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "group1.bin"))
    assert _leftovers(tmp_path) == [] and not out.exists()
    shutil.rmtree(tmp_path, ignore_errors=True)


class _FullDisk(io.FileIO):
    """A file on a disk with no room left: every write fails as a full disk does."""

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.name)


def _no_room_for(suffix: str, monkeypatch) -> None:
    """Files whose names end with ``suffix``, opened for writing, land on a full disk."""
    real_open = io.open

    def opener(file, mode="r", *args, **kwargs):
        if str(file).endswith(suffix) and ("w" in mode or "a" in mode):
            return _FullDisk(file, "w")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", opener)
    monkeypatch.setattr(builtins, "open", opener)


def test_a_checkpoint_meeting_a_full_disk_leaves_no_zip_open(tmp_path, monkeypatch):
    """np.savez to a path closes its zip only when every write succeeded; after a full disk the
    garbage collector closed it, failed again, and printed "Exception ignored in ZipFile.__del__"
    under the trainer's one-line message. Found on a 700 kB tmpfs."""
    from latentwalk.train import checkpoint

    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    _no_room_for(".tmp.npz", monkeypatch)
    raised = None
    try:
        checkpoint.write(tmp_path / "ckpt-0000010.npz", {"w": np.zeros(4096)}, {"step": 10})
    except OSError as error:
        raised = error.errno
    gc.collect()
    assert raised == errno.ENOSPC
    assert [hook.exc_value for hook in unraisable] == []
    assert list(tmp_path.iterdir()) == []  # nothing half-written left


def test_a_config_meeting_a_full_disk_leaves_no_temporary(tmp_path, monkeypatch):
    from latentwalk.train import config as config_module

    config = config_module.make_config("gan", "tiny", {}, config_module.DataConfig())
    _no_room_for(".config.json.tmp", monkeypatch)
    with pytest.raises(OSError) as raised:
        config_module.save(config, tmp_path)
    assert raised.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []
