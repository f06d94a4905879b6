"""The static site: the web demo page, a pinned TensorFlow.js, and the exported models of one
or more data sets (export/site_datasets.py says which, and where each goes).

    SITE/index.html, SITE/js/, SITE/css/ ...   web_demo/, minus node_modules/, test/, package*.json
    SITE/vendor/tf-*.es2017.min.js, *.wasm     TensorFlow.js 4.22.0's parts the page uses (core,
                                               converter, cpu/webgl/wasm backends), from
                                               web_demo/node_modules, not the whole tf.min.js
    SITE/vendor/tf.es2017.min.js               the whole bundle, for the projection worker only
                                               (it needs the gradients tf-core's build lacks)
    SITE/models/figures/real-<id>.json, .png   held-out real images for the walks between real
                                               images (export/site_real.py)
    SITE/vendor/gifenc.esm.js                  the walk's GIF encoder (gifenc 1.0.3)
    SITE/models/gan/generator/                 --gan/--vae/--book (the frogs): an export's role
    SITE/models/vae/decoder/, .../encoder/     folders, without the .keras copies
    SITE/models/book/generator/                the book's GAN, when --book is given
    SITE/models/<id>/gan/generator/ ...        --dataset ID GAN_DIR VAE_DIR: the same, by data set
    SITE/models/.../first-screen.png           each GAN's and VAE's pictures of the page's default
                                               view, shown before the models run (site_pictures.py)
    SITE/models/figures/tears-<id>.json        a data set's measured figures and verdict, when
                                               models/recipes/measure_tears.py has written them
    SITE/models/index.json                     {"models": [{"id", "dataset", "label", "kind",
                                               "path", ...}], "datasets": [{"id", "label", "short",
                                               "classes", "tears"}], "default_dataset"}
    SITE/_headers                              COOP/COEP, nosniff, CSP for hosts that read it (Netlify,
                                               Cloudflare Pages): threads in tfjs-wasm

Everything the page needs is inside the folder, so it works from ``python -m http.server``
offline and no request leaves the origin. Like an export, the site is built in a staging folder
and moved into place only when complete.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from ..core import layout
from .browser import (
    ISOLATION_HEADERS,
    SECURITY_HEADERS,
    node_modules_dir,
    tfjs_files,
)
from .errors import ExportError
from .exporter import check_destination, staging_folder
from .interrupts import never
from .site_datasets import (
    BOOK,
    FIGURES,
    FIGURES_IN_SITE,
    GAN,
    INDEX,
    KIND_OF_ID,
    VAE,
    SiteDataset,
    dataset_entry,
    default_dataset,
    read_tears,
    site_datasets,
)
from .site_pictures import ship_first_screen
from .site_real import read_real, write_real

WEB_DEMO = layout.CHECKOUT / "web_demo"
SKIPPED = {"node_modules", "test", "package.json", "package-lock.json", "__pycache__"}
# The page's TensorFlow.js parts (es2017 builds: no regenerator runtime, so no eval under the
# page's Content-Security-Policy) and its GIF encoder, from web_demo/node_modules.
VENDOR_SCRIPTS = (
    "@tensorflow/tfjs-core/dist/tf-core.es2017.min.js",
    # The whole bundle, for the projection worker only: tf-core's build has no gradients.
    "@tensorflow/tfjs/dist/tf.es2017.min.js",
    "@tensorflow/tfjs-converter/dist/tf-converter.es2017.min.js",
    "@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.es2017.min.js",
    "@tensorflow/tfjs-backend-webgl/dist/tf-backend-webgl.es2017.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js",
    "gifenc/dist/gifenc.esm.js",
)
# What one image of the book's DCGAN costs, for the page's note (train/gan.py's book generator).
BOOK_NOTE = "the book's exact DCGAN: 7.7 GFLOP an image, over a hundred times the small GAN's work"


def read_export(folder: Path, model_id: str, option: str | None = None) -> dict[str, dict]:
    """The manifests of an export folder's roles, checked to be the kind ``--<model_id>`` wants.
    ``option``: how the command line named the folder, for messages (default ``--<model_id>``)."""
    folder = Path(folder)
    option = option or f"--{model_id}"
    hint = f"make one with: python -m export RUN_DIR --out {folder}"
    if not folder.is_dir():
        raise ExportError(f"{option} {folder}: no such export folder ({hint})")
    manifests = {}
    for role in layout.ROLES[KIND_OF_ID[model_id]]:
        manifest_path = layout.manifest_path(folder, role)
        if not manifest_path.exists() or not (folder / role / layout.TFJS_MODEL).exists():
            if (folder / layout.CONFIG).exists() and layout.run_model_path(folder, role).exists():
                hint = f"it is a run folder; export it first: python -m export {folder} --out DIR"
            raise ExportError(
                f"{option} {folder}: no {role}/model.json and {role}/manifest.json there ({hint})"
            )
        try:
            manifest = json.loads(manifest_path.read_text())
        except json.JSONDecodeError as error:
            raise ExportError(
                f"{option} {folder}: {role}/manifest.json is not valid JSON "
                f"({error}); export it again"
            ) from None
        expected = layout.MODEL_KIND_OF_ROLE[role]
        if manifest.get("kind") != expected:
            raise ExportError(
                f"{option} {folder}: {role}/manifest.json says kind "
                f"{manifest.get('kind')!r}, expected {expected!r}"
            )
        missing = [
            name for name in manifest.get("files", {}) if not (folder / role / name).exists()
        ]
        if missing:
            raise ExportError(
                f"{option} {folder}: {role}/ lacks {', '.join(missing)} "
                "(an incomplete copy? export it again)"
            )
        manifests[role] = manifest
    return manifests


def label(model_id: str, manifest: dict) -> str:
    """e.g. "DCGAN (small, frog, 8000 steps)": the app's label for the same run, without the
    folder name (the page shows one model of each id)."""
    return layout.TrainedModel.from_manifest(KIND_OF_ID[model_id], manifest).label()


def copy_page(web_demo: Path, site: Path) -> None:
    if not (web_demo / "index.html").exists():
        raise ExportError(f"{web_demo} has no index.html: the web demo page is missing")
    for item in sorted(web_demo.iterdir()):
        if item.name in SKIPPED or item.name.startswith("."):
            continue
        if item.is_dir():
            shutil.copytree(
                item, site / item.name, ignore=shutil.ignore_patterns("__pycache__", ".*")
            )
        else:
            shutil.copy2(item, site / item.name)


def copy_vendor(site: Path) -> None:
    files = tfjs_files()  # checks the pinned version is installed
    modules = node_modules_dir()
    scripts = [modules / name for name in VENDOR_SCRIPTS]
    missing = [str(path) for path in scripts if not path.exists()]
    if missing:
        raise ExportError(
            f"the web demo's scripts are not installed ({', '.join(missing)}): "
            "install them with: npm ci --prefix web_demo, or set LATENTWALK_NODE_MODULES"
        )
    vendor = site / "vendor"
    vendor.mkdir()
    for path in (*scripts, *files.wasm_binaries):
        shutil.copy2(path, vendor / path.name)
    served = {**ISOLATION_HEADERS, **SECURITY_HEADERS}  # what `export serve` sends too
    headers = "".join(f"  {name}: {value}\n" for name, value in served.items())
    (site / "_headers").write_text(f"/*\n{headers}")


def build_site(
    out: Path | str,
    gan: Path | None = None,
    vae: Path | None = None,
    force: bool = False,
    book: Path | None = None,
    web_demo: Path = WEB_DEMO,
    stop: Callable[[], None] = never,
    datasets: Sequence[tuple[str, Path, Path]] = (),
    default: str | None = None,
    figures: Path | None = FIGURES,
) -> dict:
    """Build the site into ``out``; returns the models/index.json it wrote. ``gan``/``vae``/
    ``book`` are the frogs' exports, ``datasets`` more (id, GAN export, VAE export) triples,
    ``default`` the data set the page opens on, ``figures`` the folder of tears-<id>.json files
    (None: none). ``stop()`` is called at safe points (see export/interrupts.py)."""
    offered = site_datasets(gan, vae, book, datasets)
    opening = default_dataset(offered, default)
    exports = {
        (dataset.id, model_id): (folder, read_export(folder, model_id, dataset.option(model_id)))
        for dataset in offered
        for model_id, folder in dataset.exports.items()
    }
    tears = {dataset.id: read_tears(figures, dataset.id) for dataset in offered}
    real = {d.id: read_real(figures, d.id, d.exports.get(GAN)) for d in offered}
    out = Path(out)
    sources = [folder for folder, _ in exports.values()]
    check_destination(out, force, protected=(Path(web_demo), *sources))
    index: dict = {"models": [], "datasets": [], "default_dataset": opening}
    with staging_folder(out, force) as site:
        copy_page(Path(web_demo), site)
        copy_vendor(site)
        stop()
        for dataset in offered:
            for model_id in dataset.exports:
                folder, manifests = exports[dataset.id, model_id]
                index["models"].append(copy_model(site, dataset, model_id, folder, manifests))
            if tears[dataset.id] is not None:
                target = site / dataset.tears_path()
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(tears[dataset.id], allow_nan=False) + "\n")
            entry = dataset_entry(dataset, tears[dataset.id])
            if real[dataset.id] is not None:  # held-out images for the walks between real ones
                entry["real"] = write_real(site, FIGURES_IN_SITE, dataset.id, real[dataset.id])
            index["datasets"].append(entry)
            stop()
        (site / INDEX).write_text(json.dumps(index, indent=1) + "\n")
        stop()
    return index


def copy_model(
    site: Path, dataset: SiteDataset, model_id: str, folder: Path, manifests: dict[str, dict]
) -> dict:
    """Copy an export's role folders (without the .keras copies) into the site; returns its
    models/index.json entry."""
    base = dataset.model_folder(model_id)
    for role, manifest in manifests.items():
        target = site / base / role
        target.mkdir(parents=True)
        for name in [*manifest["files"], layout.MANIFEST]:
            shutil.copy2(folder / role / name, target / name)
    first_role = layout.IMAGE_ROLE[KIND_OF_ID[model_id]]
    entry = {
        "id": model_id,
        "dataset": dataset.id,
        "label": label(model_id, manifests[first_role]),
        "kind": layout.MODEL_KIND_OF_ROLE[first_role],
        "path": f"{base}{first_role}/",
    }
    if model_id == VAE:
        entry["encoder_path"] = f"{base}encoder/"
    if model_id != BOOK:  # the page opens without the book's GAN: no first screen of it
        shipped = ship_first_screen(folder, first_role, manifests[first_role], site / base)
        if shipped:
            entry["first_screen"] = {**shipped, "path": f"{base}{shipped['path']}"}
    if model_id == BOOK:
        # Loaded only when the person asks for it: a big download and slow to run.
        entry.update(optional=True, note=BOOK_NOTE)
    return entry
