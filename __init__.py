"""latentwalk: train the DCGAN of Deep Learning with Python (and a VAE) in Keras, ship it to the
browser, and see what its latent space is like.

The checkout is the package: pyproject.toml maps ``latentwalk`` onto this folder, so each
folder of it is a subpackage under its own name: ``latentwalk.core`` (core/, the bottom),
``latentwalk.train`` (train/), ``latentwalk.export`` (export/), ``latentwalk.streamlit_app``
(streamlit_app/) and the web demo's page (web_demo/). The ``latentwalk`` command (cli.py, beside
this file) is the top. Inside the package every import is relative (``from ..core import
latent`` in train/), so Python and a static reader resolve it to the same file. In a checkout,
``pip install -e .`` (what ``make setup`` runs) makes these names importable; tests/,
benchmarks/, experiments/ and models/ are not part of the package.
"""

__version__ = "0.1.0"
