"""The static site: the web demo page, a pinned TensorFlow.js, and the exported models.

    SITE/index.html, SITE/js/, SITE/css/ ...   web_demo/, minus node_modules/, test/, package*.json
    SITE/vendor/tf-*.es2017.min.js, *.wasm     TensorFlow.js 4.22.0's parts the page uses (core,
                                               converter, cpu/webgl/wasm backends), from
                                               web_demo/node_modules, not the whole tf.min.js
    SITE/vendor/gifenc.esm.js                  the walk's GIF encoder (gifenc 1.0.3)
    SITE/models/gan/generator/                 an export's role folders, without the .keras copies
    SITE/models/vae/decoder/, .../encoder/
    SITE/models/book/generator/                the book's GAN, when --book is given
    SITE/models/index.json                     {"models": [{"id", "label", "kind", "path", ...}]}
    SITE/_headers                              COOP/COEP for hosts that read it (Netlify,
                                               Cloudflare Pages): threads in tfjs-wasm

Everything the page needs is inside the folder, so it works from ``python -m http.server``
offline and no request leaves the origin. Like an export, the site is built in a staging folder
and moved into place only when complete.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from latentwalk.export.browser import ISOLATION_HEADERS, REPO, node_modules_dir, tfjs_files
from latentwalk.export.errors import ExportError
from latentwalk.export.exporter import check_destination, staging_folder
from latentwalk.export.interrupts import never
from latentwalk.train import layout

WEB_DEMO = REPO / "web_demo"
SKIPPED = {"node_modules", "test", "package.json", "package-lock.json", "__pycache__"}
# The site's models by id: the run kind of each (the book's DCGAN is a GAN like the small one).
KIND_OF_ID = {"gan": "gan", "vae": "vae", "book": "gan"}
# The page's TensorFlow.js parts (es2017 builds: no regenerator runtime, so no eval under the
# page's Content-Security-Policy) and its GIF encoder, from web_demo/node_modules.
VENDOR_SCRIPTS = (
    "@tensorflow/tfjs-core/dist/tf-core.es2017.min.js",
    "@tensorflow/tfjs-converter/dist/tf-converter.es2017.min.js",
    "@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.es2017.min.js",
    "@tensorflow/tfjs-backend-webgl/dist/tf-backend-webgl.es2017.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js",
    "gifenc/dist/gifenc.esm.js",
)
# What one image of the book's DCGAN costs, for the page's note (train/gan.py's book generator).
BOOK_NOTE = "the book's exact DCGAN: 7.7 GFLOP an image, over a hundred times the small GAN's work"


def read_export(folder: Path, model_id: str) -> dict[str, dict]:
    """The manifests of an export folder's roles, checked to be the kind ``--<model_id>`` wants."""
    folder = Path(folder)
    hint = f"make one with: python -m export RUN_DIR --out {folder}"
    if not folder.is_dir():
        raise ExportError(f"--{model_id} {folder}: no such export folder ({hint})")
    manifests = {}
    for role in layout.ROLES[KIND_OF_ID[model_id]]:
        manifest_path = layout.manifest_path(folder, role)
        if not manifest_path.exists() or not (folder / role / layout.TFJS_MODEL).exists():
            if (folder / layout.CONFIG).exists() and layout.run_model_path(folder, role).exists():
                hint = f"it is a run folder; export it first: python -m export {folder} --out DIR"
            raise ExportError(
                f"--{model_id} {folder}: no {role}/model.json and "
                f"{role}/manifest.json there ({hint})"
            )
        try:
            manifest = json.loads(manifest_path.read_text())
        except json.JSONDecodeError as error:
            raise ExportError(
                f"--{model_id} {folder}: {role}/manifest.json is not valid JSON "
                f"({error}); export it again"
            ) from None
        expected = layout.MODEL_KIND_OF_ROLE[role]
        if manifest.get("kind") != expected:
            raise ExportError(
                f"--{model_id} {folder}: {role}/manifest.json says kind "
                f"{manifest.get('kind')!r}, expected {expected!r}"
            )
        missing = [
            name for name in manifest.get("files", {}) if not (folder / role / name).exists()
        ]
        if missing:
            raise ExportError(
                f"--{model_id} {folder}: {role}/ lacks {', '.join(missing)} "
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
    headers = "".join(f"  {name}: {value}\n" for name, value in ISOLATION_HEADERS.items())
    (site / "_headers").write_text(f"/*\n{headers}")


def build_site(
    out: Path | str,
    gan: Path | None = None,
    vae: Path | None = None,
    force: bool = False,
    book: Path | None = None,
    web_demo: Path = WEB_DEMO,
    stop: Callable[[], None] = never,
) -> dict:
    """Build the site into ``out``; returns the models/index.json it wrote. ``stop()`` is
    called at safe points (see export/interrupts.py)."""
    if gan is None and vae is None:
        raise ExportError("give --gan DIR and/or --vae DIR (export folders)")
    exports = {
        model_id: (Path(folder), read_export(folder, model_id))
        for model_id, folder in (("gan", gan), ("vae", vae), ("book", book))
        if folder is not None
    }
    out = Path(out)
    check_destination(out, force, protected=(Path(web_demo), *(f for f, _ in exports.values())))
    index: dict = {"models": []}
    with staging_folder(out, force) as site:
        copy_page(Path(web_demo), site)
        copy_vendor(site)
        stop()
        for model_id, (folder, manifests) in exports.items():
            for role, manifest in manifests.items():
                target = site / "models" / model_id / role
                target.mkdir(parents=True)
                for name in [*manifest["files"], layout.MANIFEST]:
                    shutil.copy2(folder / role / name, target / name)
            first_role = layout.IMAGE_ROLE[KIND_OF_ID[model_id]]
            entry = {
                "id": model_id,
                "label": label(model_id, manifests[first_role]),
                "kind": layout.MODEL_KIND_OF_ROLE[first_role],
                "path": f"models/{model_id}/{first_role}/",
            }
            if model_id == "vae":
                entry["encoder_path"] = "models/vae/encoder/"
            if model_id == "book":
                # Loaded only when the person asks for it: a big download and slow to run.
                entry.update(optional=True, note=BOOK_NOTE)
            index["models"].append(entry)
        (site / "models" / "index.json").write_text(json.dumps(index, indent=1) + "\n")
        stop()
    return index
