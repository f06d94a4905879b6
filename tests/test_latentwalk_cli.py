"""The `latentwalk` console command: each stage's CLI behind one name."""

from __future__ import annotations

import sys

import pytest

from latentwalk.cli import main


def test_help_lists_every_command_with_examples(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for command in ("train", "export", "site", "serve", "app"):
        assert f"  {command} " in text
    assert "latentwalk train gan --preset tiny" in text
    assert main([]) == 2  # no command: the same help, as a usage error


def test_an_unknown_command_is_a_usage_error(capsys):
    assert main(["trian"]) == 2
    assert "unknown command 'trian'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, prog",
    [
        (["train", "gan", "--help"], "gan"),
        (["export", "--help"], "python -m export"),
        (["site", "--help"], "python -m export site"),
        (["serve", "--help"], "python -m export serve"),
    ],
)
def test_each_command_is_the_stage_cli(argv, prog, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert prog in capsys.readouterr().out


def test_app_runs_streamlit_on_the_app_with_its_options(monkeypatch, tmp_path):
    from streamlit.web import cli as streamlit_cli

    seen = {}
    monkeypatch.setattr(streamlit_cli, "main", lambda: seen.setdefault("argv", list(sys.argv)))
    monkeypatch.setattr(sys, "argv", ["latentwalk"])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    models = f"{tmp_path / 'a'}:{tmp_path / 'b'}"
    main(["app", "--", "--models", models])
    argv = seen["argv"]
    assert argv[:2] == ["streamlit", "run"] and argv[2].endswith("streamlit_app/app.py")
    # The app's settings go along wherever it is started (Streamlit reads config files from
    # the current folder only): the post-run garbage collection stays off.
    settings = argv[3 : argv.index("--")]
    assert "--runner.postScriptGC" in settings
    assert settings[settings.index("--runner.postScriptGC") + 1] == "false"
    assert argv[argv.index("--") :] == ["--", "--models", models]
    # This machine only, as export serve (it listened on every interface).
    assert settings[settings.index("--server.address") + 1] == "127.0.0.1"


def test_app_with_a_missing_models_folder_does_not_start(monkeypatch, tmp_path, capsys):
    from streamlit.web import cli as streamlit_cli

    monkeypatch.setattr(streamlit_cli, "main", lambda: pytest.fail("the server started"))
    assert main(["app", "--", f"--models={tmp_path}:{tmp_path / 'nonexistent'}"]) == 2
    err = capsys.readouterr().err
    assert err == f"latentwalk app: error: --models {tmp_path / 'nonexistent'} does not exist\n"
