"""The Streamlit app (installed as ``latentwalk.streamlit_app``): ``streamlit run
streamlit_app/app.py``; its sections are in ``views/``.
"""

# One name per module: this folder is the package latentwalk.streamlit_app (pyproject.toml's package-dir).
if __name__ != "latentwalk.streamlit_app":
    raise ImportError(
        f"import latentwalk.streamlit_app, not {__name__} (pip install -e . in a checkout)"
    )
