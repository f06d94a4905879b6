"""latentwalk: train the DCGAN of Deep Learning with Python (and a VAE) in Keras, ship it to the
browser, and see what its latent space is like.

The installed package holds the project's folders under one name: ``latentwalk.train``
(train/), ``latentwalk.export`` (export/), ``latentwalk.streamlit_app`` (streamlit_app/) and the
web demo's page (web_demo/); ``latentwalk`` is the console command (latentwalk/cli.py).
"""

__version__ = "0.1.0"

# In a source checkout the subpackages are the checkout's top-level folders (train/, export/,
# streamlit_app/): let the package find them there, whether or not (and wherever) the project
# is pip-installed. An installed wheel holds them inside the package (its parent folder,
# site-packages, has no pyproject.toml), so nothing is added there.
from pathlib import Path as _Path

_checkout = _Path(__file__).resolve().parent.parent
if (_checkout / "pyproject.toml").exists() and (_checkout / "train" / "__init__.py").exists():
    __path__.append(str(_checkout))
