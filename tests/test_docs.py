"""The README and docs/ say what is true: every command in their ```bash blocks names a make target,
a CLI option, a script and files that exist (the CLI commands are parsed by the real parsers, with
--help so nothing runs), every link and anchor resolves, every results file cited is there (or is
one `make benchmarks` writes), the layout block lists the real top-level folders, and the entry
points answer --help. Only the cheap checks: one Python process parses every CLI command."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
RESULTS = REPO / "benchmarks" / "results"
BIN = Path(sys.executable).parent

# What commands create (the virtual environment, run folders, sites, GPU staging): named in the
# docs, never committed.
MADE_BY_COMMANDS = (
    ".venv/",
    "runs/",
    "site/",
    "exports/",
    ".gpu/",
    ".whl/",
    "models/gan-book-frog-web",
)
# Options whose value is a file or folder the command writes.
OUTPUT_OPTIONS = {"--out", "--json"}
# Programs whose commands the docs show but a test cannot check cheaply or safely.
UNCHECKED_PROGRAMS = {"apt-get", "sudo", "cat", "cp", "tar", "for", "npm"}
PYTHONS = {"python", "python3", ".venv/bin/python"}
# Inline `code` in the prose counts as a command when it starts with one of these.
INLINE_PROGRAMS = {*PYTHONS, "bash", "make", "latentwalk"}
CLI_MODULES = {"train", "export"}
PATH_TOKEN = re.compile(r"^\.?[\w\-]+(/[\w.\-]+)+/?$")
RESULTS_PATH = re.compile(r"benchmarks/results/[\w.\-]+\.jsonl?")
RESULTS_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9.]+)+\.jsonl?$")


def page_name(page: Path) -> str:
    return page.relative_to(REPO).as_posix()


def bash_blocks(page: Path) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", page.read_text(), flags=re.DOTALL)


def commands(block: str) -> list[list[str]]:
    """The block's commands as words: continuation lines joined, comments dropped, `&&` chains
    split, leading VAR=value assignments removed."""
    found = []
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        while words:
            if "&&" in words:
                cut = words.index("&&")
                part, words = words[:cut], words[cut + 1 :]
            else:
                part, words = words, []
            while part and re.match(r"^[A-Z_]+=", part[0]):
                part = part[1:]
            if part:
                found.append(part)
    return found


def block_commands() -> list[tuple[str, list[str]]]:
    """(page, words) of every command in the pages' ```bash blocks."""
    return [
        (page_name(page), command)
        for page in PAGES
        for block in bash_blocks(page)
        for command in commands(block)
    ]


def inline_code(page: Path) -> list[str]:
    """Inline `code` spans of the prose and tables (outside fenced blocks)."""
    prose = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    return re.findall(r"`([^`\n]+)`", prose)


def split(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=True)
    except ValueError:  # an apostrophe in prose
        return text.split()


def all_commands() -> list[tuple[str, list[str]]]:
    """Block commands, and inline `code` that is a whole command (`make quality`, `python
    benchmarks/...`)."""
    inline = [
        (page_name(page), words)
        for page in PAGES
        for span in inline_code(page)
        for words in [split(span)]
        if len(words) > 1 and words[0] in INLINE_PROGRAMS and words[1:2] != ["-m"]
    ]
    return block_commands() + inline


def makefile_results() -> set[str]:
    """The results files `make benchmarks` writes ($(RESULTS)/NAME in the Makefile)."""
    return set(re.findall(r"\$\(RESULTS\)/([\w.\-]+)", (REPO / "Makefile").read_text()))


def options(words: list[str]) -> list[str]:
    """The --options of a command (before any `--` that hands the rest to another program)."""
    if "--" in words:
        words = words[: words.index("--")]
    return [w.split("=")[0] for w in words if w.startswith("--") and len(w) > 2]


def paths_in(words: list[str]) -> list[str]:
    """Words that name repository paths, except what the command writes."""
    found = []
    for previous, word in zip(["", *words], words, strict=False):
        if previous in OUTPUT_OPTIONS:
            continue
        for part in word.split(":"):  # --models dir1:dir2
            if PATH_TOKEN.match(part) and not part.startswith(("../", "./")):
                found.append(part)
    return found


def program_of(words: list[str]) -> str:
    return words[0]


def cli_argv(words: list[str]) -> list[str] | None:
    """The `latentwalk` argv a documented CLI command amounts to (None for other commands):
    `python -m train X` is `latentwalk train X`, `python -m export site` is `latentwalk export
    site`; `latentwalk app` runs Streamlit, checked elsewhere."""
    if words[0] in PYTHONS and words[1:2] == ["-m"] and words[2] in CLI_MODULES:
        return words[2:]
    if words[0] == "latentwalk" and words[1:2] != ["app"]:
        return words[1:]
    return None


def test_the_readme_stays_short():
    assert len((REPO / "README.md").read_text().splitlines()) <= 250


def test_every_command_is_one_the_test_knows_how_to_check():
    known = {"make", "bash", "pip", "latentwalk", ".venv/bin/streamlit", *PYTHONS}
    unknown = [
        (page, " ".join(words))
        for page, words in all_commands()
        if program_of(words) not in known | UNCHECKED_PROGRAMS
    ]
    assert not unknown, f"teach tests/test_docs.py to check these: {unknown}"


def test_every_make_target_in_the_docs_exists():
    targets = sorted(
        {target for _, words in all_commands() if words[0] == "make" for target in words[1:]}
    )
    assert targets, "the docs show no make command"
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    for target in targets:
        result = subprocess.run(
            ["make", "-n", "-C", str(REPO), target], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, f"make {target}: {result.stderr}"


# Run in one Python process: every documented train/export/latentwalk command is given to the real
# command line with --help appended, so the parsers check its subcommand and option values (an
# unknown choice exits 2) and nothing runs; its help is returned, to look the options up in.
PARSE_DRIVER = """
import contextlib, io, json, sys
from latentwalk.cli import main
out = []
for argv in json.loads(sys.stdin.read()):
    text = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
        try:
            code = main(argv + ["--help"])
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
    out.append({"code": code, "help": text.getvalue()})
print(json.dumps(out))
"""


def test_every_cli_command_in_the_docs_parses_with_options_that_exist():
    documented = [(page, words, cli_argv(words)) for page, words in block_commands()]
    documented = [(page, words, argv) for page, words, argv in documented if argv is not None]
    assert len(documented) >= 10, "the docs should show the train/export commands"
    result = subprocess.run(
        [sys.executable, "-c", PARSE_DRIVER],
        input=json.dumps([argv for _, _, argv in documented]),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    problems = []
    for (page, words, _), answer in zip(documented, answers, strict=True):
        command = " ".join(words)
        if answer["code"] != 0:
            problems.append(f"{page}: `{command}` is refused: {answer['help'][-300:]}")
            continue
        missing = [o for o in options(words) if not re.search(rf"{o}(?![\w-])", answer["help"])]
        if missing:
            problems.append(f"{page}: `{command}` uses options its --help lacks: {missing}")
    assert not problems, "\n".join(problems)


def script_source(script: Path) -> str:
    """A script's text, with the text of the sibling and project modules it imports
    (train/results_file.py adds --out to every benchmark)."""
    text = script.read_text()
    for name in re.findall(r"^(?:from|import) ([\w.]+)", text, flags=re.MULTILINE):
        parts = name.split(".")
        module = REPO.joinpath(*parts[1:]) if parts[0] == "latentwalk" else script.parent / name
        if module.with_suffix(".py").is_file():
            text += module.with_suffix(".py").read_text()
    return text


def test_every_script_and_app_command_names_files_and_options_that_exist():
    problems = []
    app_sources = "".join(p.read_text() for p in (REPO / "streamlit_app").rglob("*.py"))
    for page, words in all_commands():
        script = None
        if words[0] == "bash" or (words[0] in PYTHONS and words[1:2] != ["-m"]):
            script, arguments = words[1], words[2:]
            source = script_source(REPO / script) if (REPO / script).is_file() else None
        elif words[0] == ".venv/bin/streamlit":
            script, arguments = words[2], words[words.index("--") + 1 :] if "--" in words else []
            source = app_sources
        elif words[0] == "latentwalk" and words[1:2] == ["app"]:
            arguments, source = words[words.index("--") + 1 :] if "--" in words else [], app_sources
        else:
            continue
        if script is not None and not (REPO / script).is_file():
            problems.append(f"{page}: `{' '.join(words)}`: no {script}")
            continue
        missing = [
            o for o in options(arguments) if f'"{o}"' not in source and f"'{o}'" not in source
        ]
        if missing:
            problems.append(f"{page}: `{' '.join(words)}`: {script or 'the app'} has no {missing}")
    assert not problems, "\n".join(problems)


def test_the_pip_extras_in_the_docs_exist():
    import tomllib

    extras = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    )
    named = {
        extra
        for _, words in all_commands()
        if words[0] == "pip"
        for word in words
        for extra in re.findall(r"\[([\w,]+)\]", word)
    }
    assert named and {e for group in named for e in group.split(",")} <= extras


def test_every_repository_path_the_docs_name_exists():
    """Every word that names a path under one of the checkout's top-level entries (`train/...`,
    `models/...`; not `generator/02.BatchNormalization/...`, a key inside a checkpoint)."""
    top_level = set(os.listdir(REPO))
    problems = []
    for page in PAGES:
        words = [w for block in bash_blocks(page) for c in commands(block) for w in paths_in(c)]
        for span in inline_code(page):
            words += paths_in(split(span))
        for path in words:
            if path.startswith(MADE_BY_COMMANDS) or path.startswith("benchmarks/results/"):
                continue
            if path.split("/")[0] in top_level and not (REPO / path).exists():
                problems.append(f"{page_name(page)}: `{path}` does not exist")
    assert not problems, "\n".join(problems)


def cited_results(page: Path) -> set[str]:
    """The names of the results files a page cites: in its prose, its inline code and its
    commands, except the files a command writes (--out FILE)."""
    text = page.read_text()
    prose = re.sub(r"`[^`\n]+`", "", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    words = [w for block in bash_blocks(page) for c in commands(block) for w in c]
    words += [w for span in inline_code(page) for w in split(span)]
    words = [
        w
        for previous, w in zip(["", *words], words, strict=False)
        if previous not in OUTPUT_OPTIONS
    ]
    cited = {Path(path).name for path in RESULTS_PATH.findall(prose)}
    cited |= {Path(m).name for w in words for m in RESULTS_PATH.findall(w)}
    return cited | {w for w in words if RESULTS_NAME.match(w)}


def test_every_results_file_cited_exists_or_is_made_by_make_benchmarks():
    pending = makefile_results()
    problems = []
    for page in PAGES:
        cited = cited_results(page)
        for name in sorted(cited):
            if not (RESULTS / name).exists() and name not in pending:
                problems.append(f"{page_name(page)}: cites {name}, which is not in {RESULTS.name}/")
    assert not problems, "\n".join(problems)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_and_anchor_resolves():
    problems = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"^[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            linked = (page.parent / file_part).resolve() if file_part else page
            if not linked.exists():
                problems.append(f"{page_name(page)}: link to missing {target}")
            elif anchor and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", linked.read_text(), flags=re.MULTILINE)
                if anchor not in {slug(h) for h in headings}:
                    problems.append(f"{page_name(page)}: no heading for #{anchor} in {file_part}")
    assert not problems, "\n".join(problems)


def test_the_layout_block_lists_every_top_level_folder():
    readme = (REPO / "README.md").read_text()
    block = readme.split("## Layout", 1)[1].split("```")[1]
    listed = {line.split()[0].rstrip("/") for line in block.strip().splitlines() if line[:1] != " "}
    assert all((REPO / name).exists() for name in listed), listed
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    files = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    folders = {f.split("/")[0] for f in files if "/" in f and not f.startswith(".")}
    assert folders <= listed, f"not in the README's layout: {sorted(folders - listed)}"


def test_results_files_carry_no_machine_paths():
    def strings(value):
        if isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, str):
            yield value

    for path in sorted(RESULTS.glob("*.json*")):
        lines = path.read_text().splitlines() if path.suffix == ".jsonl" else [path.read_text()]
        for line in filter(str.strip, lines):
            absolute = [s for s in strings(json.loads(line)) if s.startswith("/")]
            assert not absolute, f"{path.name}: {absolute[:3]}"


def latentwalk_command() -> list[str]:
    """The installed `latentwalk` console script (beside this Python), else its module."""
    script = BIN / "latentwalk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "latentwalk"]


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "train", "--help"],
        [sys.executable, "-m", "export", "--help"],
        [*latentwalk_command(), "--help"],
    ],
    ids=["python -m train", "python -m export", "latentwalk"],
)
def test_the_entry_points_answer_help(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage:" in result.stdout
