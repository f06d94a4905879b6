"""Train the book's DCGAN and a VAE on CIFAR-10 in Keras (installed as ``latentwalk.train``).

    python -m train gan --preset small --class frog --out runs/gan   # python -m train --help

How good a model is lives in ``quality/`` (the judge, evaluate, quality.json).
"""

import sys

# One name per module: this folder is the package latentwalk.train (pyproject.toml's package-dir). In a
# checkout, `python -m train` imports it as `train` only to run its __main__ (which imports
# latentwalk.train); any other import by that name would load a second copy of every module.
if __name__ != "latentwalk.train" and sys.argv[:1] != ["-m"]:
    raise ImportError(f"import latentwalk.train, not {__name__} (pip install -e . in a checkout)")
