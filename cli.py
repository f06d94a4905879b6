"""The ``latentwalk`` command: one entry point to every stage, each with its own ``--help``.

``latentwalk train ...`` is ``python -m train ...``, ``export``, ``site`` and ``serve`` are
``python -m export [site|serve] ...``, ``app`` is ``streamlit run streamlit_app/app.py``: the
commands and their help are COMMANDS, below.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Each command: its line of help, and the stage's main that runs it (its arguments after the name).
COMMANDS = {
    "train": "train a model: latentwalk train {gan,vae,judge,evaluate} --help",
    "export": "convert a run or .keras model to TF.js, checked in Chromium: latentwalk export --help",
    "site": "build the static web demo from exports: latentwalk site --help",
    "serve": "serve a built site with the headers wasm threads need: latentwalk serve --help",
    "app": "open the Streamlit app: latentwalk app [-- --models DIR[:DIR...]]",
}

USAGE = """\
usage: latentwalk COMMAND [ARGS...]

Train the DCGAN of Deep Learning with Python (and a VAE), export it to TensorFlow.js, build the
static web demo, and explore latent spaces in the Streamlit app.

commands:
{commands}

Outside a source checkout, say where the pieces are: LATENTWALK_MODELS (model folders for the
app), LATENTWALK_NODE_MODULES (web_demo/node_modules, for export and site: npm ci there),
LATENTWALK_CHROMIUM (the browser export checks in).

examples:
  latentwalk train gan --preset tiny --data frogs.npz --out runs/tiny
  latentwalk export runs/tiny --out exports/tiny
  latentwalk site --gan exports/tiny --out site && latentwalk serve site
  latentwalk app
""".format(commands="\n".join(f"  {name:<9} {text}" for name, text in COMMANDS.items()))


def streamlit_options(config: Path) -> list[str]:
    """The app's Streamlit settings (streamlit_app/config.toml) as ``streamlit run`` options:
    Streamlit reads a config file only from the folder it starts in or the home folder."""
    import tomllib

    settings = tomllib.loads(config.read_text())
    options = []
    for section, values in settings.items():
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            options += [f"--{section}.{key}", text]
    return options


def models_option(options: list[str]) -> list[Path]:
    """The folders the app's --models names (os.pathsep-separated), checked before the server
    starts: a mistyped one is an error here, not a note in a log after the first visit."""
    import os

    for index, option in enumerate(options):
        if option == "--models" and index + 1 < len(options):
            text = options[index + 1]
        elif option.startswith("--models="):
            text = option.split("=", 1)[1]
        else:
            continue
        return [Path(part).expanduser() for part in text.split(os.pathsep) if part.strip()]
    return []


def run_app(argv: list[str]) -> int:
    """``streamlit run`` on the app with its settings, passing the app's own options after
    ``--``."""
    from streamlit.web import cli as streamlit_cli

    from . import streamlit_app

    folder = Path(streamlit_app.__file__).parent
    options = argv[1:] if argv[:1] == ["--"] else argv
    missing = [path for path in models_option(options) if not path.exists()]
    if missing:
        print(f"latentwalk app: error: --models {missing[0]} does not exist", file=sys.stderr)
        return 2
    sys.argv = [
        "streamlit",
        "run",
        str(folder / "app.py"),
        *streamlit_options(folder / "config.toml"),
        "--",
        *options,
    ]
    return streamlit_cli.main()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"latentwalk: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    return _run(command, rest)


def _run(command: str, rest: list[str]) -> int:
    """Run one of COMMANDS (the stages are imported only when used)."""
    if command == "train":
        from .train.cli import main as train_main

        return train_main(rest)
    if command == "app":
        return run_app(rest)
    from .export.cli import main as export_main

    return export_main(rest if command == "export" else [command, *rest])


if __name__ == "__main__":
    sys.exit(main())
