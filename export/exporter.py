"""One export, start to finish: load, convert, prove in Chromium, describe, move into place.

Everything is written to a hidden staging folder beside the destination and renamed into place
only when every model has passed its parity check, so an export folder is either complete or
absent: a failed or interrupted export never leaves a half-written model for the site to ship.

An export folder (also the layout of the shipped ``models/gan-frog/``) is laid out as
core/layout.py describes: per role the TF.js graph model, its manifest.json and the .keras file
it came from, plus the run's config.json, metrics.jsonl and latest samples.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..core import layout
from .browser import chromium
from .convert import convert_to_tfjs
from .errors import ExportError
from .interrupts import ACTIVE_STAGING, never
from .manifest import build_manifest
from .parity import keras_outputs, measure_parity, parity_inputs
from .sources import ExportSource, ModelSource, find_sources, load_model
from .subpixel import Rewrite, rewrite_for_browser


def check_destination(out: Path, force: bool, protected: tuple[Path, ...] = ()) -> None:
    """Refuse to overwrite a non-empty folder without ``force``, or ever to replace ``protected``.

    ``protected`` holds the sources (run folder, model file, export folders, web_demo/):
    ``--out RUN --force`` must not delete the run it is exporting.
    """
    out = Path(out)
    target = out.resolve()
    for source in protected:
        resolved = Path(source).resolve()
        if target == resolved or target in resolved.parents:
            raise ExportError(
                f"--out {out} would replace {source}, which it reads from: choose another folder"
            )
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ExportError(f"{out} already exists and is not empty: pass --force to replace it")


STALE_AFTER_S = 600  # a staging folder without an owner's pid in its name, this old, is stale


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_staging(out: Path) -> list[Path]:
    """Staging folders of exports that were killed (SIGKILL, power loss) before they could
    clean up: ``.<out>.partial-<pid>-*`` whose process is gone, and the ``.<out>.old-*`` copy a
    replacement left behind once ``out`` is in place."""
    out = Path(out)
    removed = []
    for path in out.parent.glob(f".{out.name}.partial-*"):
        match = re.match(rf"\.{re.escape(out.name)}\.partial-(\d+)-", path.name)
        if match:
            stale = not _owner_alive(int(match.group(1)))
        else:
            stale = time.time() - path.stat().st_mtime > STALE_AFTER_S
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    if out.exists():
        for path in out.parent.glob(f".{out.name}.old-*"):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


@contextlib.contextmanager
def staging_folder(out: Path, force: bool):
    """A temporary folder beside ``out`` that replaces ``out`` when the block ends cleanly."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would make a served or shared export unreadable
    ACTIVE_STAGING.add(staging)
    try:
        yield staging
        replace_folder(staging, out, force)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        ACTIVE_STAGING.discard(staging)


def replace_folder(new: Path, out: Path, force: bool) -> None:
    """Rename ``new`` to ``out``; an old ``out`` is set aside first and deleted only afterwards."""
    check_destination(out, force)
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{new.name.rsplit('-', 1)[-1]}")
        out.rename(old)
    try:
        new.rename(out)
    except OSError:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def export_model(
    source: ExportSource,
    model_source: ModelSource,
    folder: Path,
    quantize: str,
    browser,
    log: Callable[[str], None],
    stop: Callable[[], None] = never,
    rewrite: bool = True,
) -> dict:
    """Convert one model into ``folder/<role>/``, prove it, write its manifest; returns it.
    ``stop()`` is called between the phases (it raises to end the export there). With
    ``rewrite``, a generator's upsamplings become sub-pixel convolutions (export/subpixel.py);
    the parity check then compares that graph in TF.js with the original Keras model."""
    model, kind = load_model(model_source)
    model_source = ModelSource(kind, model_source.path)
    role_dir = folder / model_source.role
    log(f"{model_source.role}: converting {model_source.path} ({kind}, weights {quantize})")
    inputs = parity_inputs(kind, tuple(model.inputs[0].shape))
    browser_model = Rewrite(model, notes=[] if kind == "vae-encoder" else ["not asked for"])
    if rewrite and kind != "vae-encoder":  # an encoder has no upsampling to rewrite
        browser_model = rewrite_for_browser(model, inputs)
        log(f"{model_source.role}: {'; '.join(browser_model.notes)}")
    stop()
    convert_to_tfjs(browser_model.model, role_dir, quantize)
    stop()
    expected = keras_outputs(model, inputs)
    parity = measure_parity(expected, role_dir, inputs, quantize, browser)
    stop()
    verdict = "ok" if parity.threshold is not None else "reported, no threshold"
    log(
        f"{model_source.role}: max |Keras - TF.js| = {parity.max_abs_diff:.3g} over "
        f"{parity.num_inputs} inputs in Chromium ({verdict})"
    )
    if not parity.passed:
        raise ExportError(
            f"{model_source.role}: TF.js output differs from Keras by up to "
            f"{parity.max_abs_diff:.3g} (allowed {parity.threshold:g} with --quantize "
            f"{quantize}); the converted model is wrong, nothing was written"
        )
    manifest = build_manifest(
        kind=kind,
        role=model_source.role,
        model=model,
        model_dir=role_dir,
        source=source,
        quantize=quantize,
        parity=parity,
        inputs=inputs,
        outputs=expected,
        rewrite_notes=browser_model.notes,
    )
    (role_dir / layout.MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    shutil.copy2(model_source.path, layout.export_model_path(folder, model_source.role))
    return manifest


def export(
    path: Path | str,
    out: Path | str,
    quantize: str = "float16",
    force: bool = False,
    kind: str | None = None,
    browser=None,
    log: Callable[[str], None] = lambda message: None,
    stop: Callable[[], None] = never,
    rewrite: bool = True,
) -> dict[str, dict]:
    """Export a run folder or .keras file to ``out``; returns the manifests by role.

    ``browser`` (a Playwright Browser) is reused when given, else one Chromium is started.
    ``stop()`` is called at every safe point; when it raises (export/interrupts.py), the staging
    folder is removed and ``out`` is left as it was.
    """
    source = find_sources(path, kind)
    out = Path(out)
    check_destination(out, force, protected=(source.origin,))
    manifests = {}
    with staging_folder(out, force) as folder:
        # The browser closes before the last check, so a Ctrl-C while it closes still stops
        # the export; after that check only the rename into place is left.
        with contextlib.ExitStack() as stack:
            if browser is None:
                browser = stack.enter_context(chromium())
            for model_source in source.models:
                stop()
                manifest = export_model(
                    source, model_source, folder, quantize, browser, log, stop, rewrite
                )
                manifests[manifest["role"]] = manifest
        if source.run_dir is not None:
            for name, target in layout.RUN_FILES_IN_EXPORT.items():
                if (source.run_dir / name).exists():
                    shutil.copy2(source.run_dir / name, folder / target)
        stop()  # the last chance: after this, the finished export replaces ``out``
    return manifests
