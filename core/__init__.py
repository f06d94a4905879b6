"""The shared core every stage stands on (installed as ``latentwalk.core``): NumPy, Pillow
and the standard library only, no Keras.

``latent`` (seeds, walks, atlas planes: what the app and the page compute alike), ``layout``
(where a run, an export and the shipped models keep each file), ``images`` (grids), ``quiet``
(TensorFlow's start-up noise), ``datasets`` (the data sets the models are shipped for),
``metrics`` (FID, KID, precision and recall on judge features), ``tearing`` and ``verdict``
(how much a walk tears, and what that says).
"""

# One name per module: this folder is the package latentwalk.core (pyproject.toml's package-dir).
if __name__ != "latentwalk.core":
    raise ImportError(f"import latentwalk.core, not {__name__} (pip install -e . in a checkout)")
