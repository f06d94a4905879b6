"""Export trained Keras models to TensorFlow.js graph models, proven equal in a real browser.

    python -m export RUN_DIR --out DIR           # a GAN run's generator, a VAE's decoder+encoder
    python -m export site --gan DIR --vae DIR --out SITE   # the static web demo with the models
    python -m export site --dataset ID GAN_DIR VAE_DIR ... --out SITE   # several data sets

Modules, in the order an export runs: ``sources`` (what to export from a run folder or a .keras
file), ``convert`` (Keras -> SavedModel -> TF.js graph model), ``parity`` (the same inputs through
Keras and through TF.js in headless Chromium), ``manifest`` (manifest.json with test vectors),
``exporter`` (puts it together, writes the output folder atomically), ``site`` (the static site)
with ``site_datasets`` (which data sets it offers, where their models and figures go),
``browser`` (Chromium and a local server, reusable by other tests), ``cli``.
"""

import sys

# One name per module: this folder is the package latentwalk.export (pyproject.toml's package-dir). In a
# checkout, `python -m export` imports it as `export` only to run its __main__ (which imports
# latentwalk.export); any other import by that name would load a second copy of every module.
if __name__ != "latentwalk.export" and sys.argv[:1] != ["-m"]:
    raise ImportError(f"import latentwalk.export, not {__name__} (pip install -e . in a checkout)")
