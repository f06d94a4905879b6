"""latentwalk: train the DCGAN of Deep Learning with Python (and a VAE) in Keras, ship it to the
browser, and see what its latent space is like.

The installed package holds the project's folders under one name (pyproject.toml's package-dir):
``latentwalk.core`` (core/), ``latentwalk.train`` (train/), ``latentwalk.export`` (export/),
``latentwalk.streamlit_app`` (streamlit_app/) and the web demo's page (web_demo/). This folder
is the top: ``latentwalk`` is the console command (latentwalk/cli.py). In a checkout,
``pip install -e .`` (what ``make setup`` runs) maps those names onto the folders.
"""

__version__ = "0.1.0"
