"""The exporter refuses what it cannot export, with one readable line and exit code 2, and never
leaves a half-written or clobbered output folder behind. No browser needed here: every case stops
before (or fakes) the Chromium parity check. Browser-proven exports are in test_export_browser.py.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from latentwalk.export.cli import main
from latentwalk.export.parity import ParityResult
from tests.support import REPO


@pytest.fixture(scope="module")
def handmade_gan_run(tmp_path_factory) -> Path:
    """A GAN run folder as the trainer leaves it, with an untrained tiny generator (fast)."""
    from latentwalk.train import config as config_module
    from latentwalk.train.config import DataConfig, make_config
    from latentwalk.train.gan import build_generator

    run = tmp_path_factory.mktemp("runs") / "gan"
    run.mkdir()
    config = make_config("gan", "tiny", {}, DataConfig(source="blobs.npz", class_name=None))
    config_module.save(config, run)
    build_generator(config).save(run / "generator.keras")
    (run / "metrics.jsonl").write_text('{"step": 10, "d_loss": 0.5}\n{"step": 20, "d_loss": 0.4}\n')
    return run


@pytest.fixture(scope="module")
def discriminator_file(tmp_path_factory) -> Path:
    from latentwalk.train.config import DataConfig, make_config
    from latentwalk.train.gan import build_discriminator

    path = tmp_path_factory.mktemp("models") / "discriminator.keras"
    build_discriminator(make_config("gan", "tiny", {}, DataConfig())).save(path)
    return path


def run_cli(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    return exit_info.value.code, capsys.readouterr().err


def test_help_explains_inputs_and_ends_with_runnable_examples(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    text = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert "inferred from its shapes" in text and "--quantize" in text
    assert text.rstrip().splitlines()[-1].strip().startswith("python -m export site")
    with pytest.raises(SystemExit):
        main(["site", "--help"])
    assert "python -m export serve site --port 8000" in capsys.readouterr().out


def test_a_missing_path_is_a_usage_error(tmp_path, capsys):
    code, err = run_cli([tmp_path / "nope", "--out", tmp_path / "out"], capsys)
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_a_folder_that_is_not_a_run_is_refused(tmp_path, capsys):
    code, err = run_cli([tmp_path, "--out", tmp_path / "out"], capsys)
    assert code == 2 and "is not a run folder (it has no config.json)" in err


def test_a_run_still_training_has_no_model_to_export(handmade_gan_run, tmp_path, capsys):
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    shutil.copy(handmade_gan_run / "config.json", unfinished)
    code, err = run_cli([unfinished, "--out", tmp_path / "out"], capsys)
    assert code == 2
    assert f"no trained generator.keras in {unfinished} (is training finished?)" in err


def test_a_vae_run_needs_both_decoder_and_encoder(tmp_path, capsys):
    run = tmp_path / "vae"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"kind": "vae", "steps": 5}))
    code, err = run_cli([run, "--out", tmp_path / "out"], capsys)
    assert code == 2 and "no trained decoder.keras" in err


def test_an_unknown_run_kind_is_refused(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"kind": "diffusion"}))
    code, err = run_cli([tmp_path, "--out", tmp_path / "out"], capsys)
    assert code == 2 and "expected 'gan' or 'vae'" in err


def test_a_model_of_the_wrong_kind_is_refused(
    handmade_gan_run, discriminator_file, tmp_path, capsys
):
    run = tmp_path / "run"
    shutil.copytree(handmade_gan_run, run)
    shutil.copy(discriminator_file, run / "generator.keras")
    code, err = run_cli([run, "--out", tmp_path / "out"], capsys)
    assert code == 2 and "is not a GAN generator" in err and "(None, 1)" in err
    assert not (tmp_path / "out").exists()


def test_a_model_file_of_unknown_shape_or_a_wrong_kind_is_refused(
    discriminator_file, handmade_gan_run, tmp_path, capsys
):
    code, err = run_cli([discriminator_file, "--out", tmp_path / "a"], capsys)
    assert code == 2 and "cannot tell what" in err
    generator = handmade_gan_run / "generator.keras"
    code, err = run_cli([generator, "--kind", "vae-encoder", "--out", tmp_path / "b"], capsys)
    assert code == 2 and "is not a VAE encoder" in err


def test_a_file_that_is_not_a_keras_model_is_refused(tmp_path, capsys):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip file")
    code, err = run_cli([broken, "--out", tmp_path / "out"], capsys)
    assert code == 2 and "cannot load" in err
    (tmp_path / "weights.h5").write_bytes(b"")
    code, err = run_cli([tmp_path / "weights.h5", "--out", tmp_path / "out"], capsys)
    assert code == 2 and "not a .keras model file" in err


def test_kind_option_is_for_model_files_only(handmade_gan_run, tmp_path, capsys):
    code, err = run_cli([handmade_gan_run, "--kind", "gan", "--out", tmp_path / "o"], capsys)
    assert code == 2 and "only for a single .keras file" in err


def test_an_existing_output_folder_is_kept_without_force(handmade_gan_run, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, err = run_cli([handmade_gan_run, "--out", out], capsys)
    assert code == 2 and "pass --force" in err
    assert (out / "keep.txt").read_text() == "mine"


def test_force_never_replaces_the_run_being_exported(handmade_gan_run, capsys):
    for out in (handmade_gan_run, handmade_gan_run.parent):
        code, err = run_cli([handmade_gan_run, "--out", out, "--force"], capsys)
        assert code == 2 and "which it reads from" in err
    assert (handmade_gan_run / "generator.keras").exists()


def _no_browser():
    return contextlib.nullcontext(object())


def failing_parity(*args, **kwargs) -> ParityResult:
    return ParityResult(
        max_abs_diff=0.5,
        mean_abs_diff=0.1,
        threshold=1e-2,
        num_inputs=8,
        tfjs_version="4.22.0",
        backend="cpu",
    )


def test_a_failed_parity_check_writes_nothing_and_keeps_the_old_export(
    handmade_gan_run, tmp_path, capsys, monkeypatch
):
    from latentwalk.export import exporter

    monkeypatch.setattr(exporter, "measure_parity", failing_parity)
    monkeypatch.setattr(exporter, "chromium", _no_browser)
    out = tmp_path / "exports" / "gan"
    code, err = run_cli([handmade_gan_run, "--out", out], capsys)
    assert code == 2 and "differs from Keras by up to 0.5 (allowed 0.01" in err
    assert not out.exists() and list(out.parent.iterdir()) == []  # no staging folder left

    out.mkdir()
    (out / "old.txt").write_text("previous export")
    code, err = run_cli([handmade_gan_run, "--out", out, "--force"], capsys)
    assert code == 2
    assert [p.name for p in out.parent.iterdir()] == ["gan"]
    assert (out / "old.txt").read_text() == "previous export"


def test_an_interrupted_export_leaves_no_partial_folder(handmade_gan_run, tmp_path, monkeypatch):
    from latentwalk.export import exporter

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(exporter, "measure_parity", interrupt)
    with pytest.raises(KeyboardInterrupt):
        exporter.export(handmade_gan_run, tmp_path / "out", browser=object())
    assert list(tmp_path.iterdir()) == []


def test_the_site_and_the_app_label_a_run_alike(handmade_gan_run, tmp_path, monkeypatch):
    """One label for one model, built from the steps it trained (the last logged step): a run
    resumed for 40 steps and stopped at 20 is "20 steps" on the page and in the app, whether the
    app reads the run folder or its export."""
    from latentwalk.export import exporter
    from latentwalk.export.site import build_site
    from latentwalk.streamlit_app.models import inspect_folder

    run = tmp_path / "gan-blobs"
    shutil.copytree(handmade_gan_run, run)
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "steps": 40}))

    def passing_parity(*args, **kwargs) -> ParityResult:
        return ParityResult(0.0, 0.0, 1e-2, 8, "4.22.0", "cpu")

    monkeypatch.setattr(exporter, "measure_parity", passing_parity)
    exported = tmp_path / "gan-export"
    exporter.export(run, exported, browser=object())
    index = build_site(tmp_path / "site", gan=exported)
    site_label = index["models"][0]["label"]
    assert site_label == "DCGAN (tiny, all classes, 20 steps)"
    for folder in (run, exported):
        found = inspect_folder(folder)
        assert found.trained.label() == site_label
        assert found.label == f"DCGAN {folder.name} (tiny, all classes, 20 steps)"


def test_site_needs_export_folders_not_runs(handmade_gan_run, tmp_path, capsys):
    code, err = run_cli(["site", "--out", tmp_path / "site"], capsys)
    assert code == 2 and "give --gan DIR and/or --vae DIR" in err
    code, err = run_cli(["site", "--gan", handmade_gan_run, "--out", tmp_path / "site"], capsys)
    assert code == 2 and "it is a run folder; export it first" in err
    code, err = run_cli(["site", "--vae", tmp_path / "nope", "--out", tmp_path / "site"], capsys)
    assert code == 2 and "no such export folder" in err
    assert not (tmp_path / "site").exists()


def test_a_mistyped_path_gives_no_traceback_from_the_shell(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "export", "runs/no-such-run", "--out", str(tmp_path / "out")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "does not exist" in result.stderr


def test_serve_gives_a_site_the_isolation_headers(tmp_path):
    import socket
    import urllib.request

    (tmp_path / "index.html").write_text("<!doctype html><title>site</title>")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "export", "serve", str(tmp_path), "--port", str(port)],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "Serving" in server.stderr.readline()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=60) as reply:
            assert reply.headers["Cross-Origin-Opener-Policy"] == "same-origin"
            assert reply.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
            assert b"<title>site</title>" in reply.read()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_keeps_to_the_site_and_says_little_about_itself(tmp_path):
    """A link inside the site pointing out of it is not followed; no folder listing; a NUL in
    the path is a 400 (it was a traceback in the log); nosniff, a content policy, no Python
    version in the Server header."""
    import urllib.error
    import urllib.request

    from latentwalk.export.browser import serve_folder

    site = tmp_path / "site"
    (site / "models").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>site</title>")
    (tmp_path / "secret.txt").write_text("not for the web")
    (site / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (site / "outside").symlink_to(tmp_path)

    def status(url: str) -> int:
        try:
            with urllib.request.urlopen(url, timeout=30) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code

    with serve_folder(site, isolated=True) as base:
        assert status(base + "leak.txt") == 404
        assert status(base + "outside/secret.txt") == 404
        assert status(base + "models/") == 404
        assert status(base + "%00") in (400, 404)
        with urllib.request.urlopen(base + "index.html", timeout=30) as reply:
            headers = reply.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "Python" not in headers["Server"]


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_refuses_a_port_that_is_not_one(tmp_path, capsys, port):
    (tmp_path / "index.html").write_text("<!doctype html>")
    code, err = run_cli(["serve", tmp_path, "--port", port], capsys)
    assert code == 2 and "is not a port (0 to 65535)" in err and "Traceback" not in err


def test_serve_refuses_a_folder_that_is_not_a_site(tmp_path, capsys):
    code, err = run_cli(["serve", tmp_path], capsys)
    assert code == 2 and "not a built site" in err
