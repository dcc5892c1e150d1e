"""Optimizer Race: watch optimizers race across 2-D loss surfaces.

Run with ``streamlit run app.py``. Streamlit imports this file to find ``app``, the server: the
page plus the live routes the race player calls while the pointer drags (``ui.live``). Then it
runs the file as the page's script on every rerun, which draws the page (``ui.page``). The
numerics live in ``landscapes``/``optimizers``, the figures in ``figures``.
"""

import streamlit as st

if __name__ == "__main__":  # a rerun of the page
    from ui.page import render

    render()
else:  # imported by `streamlit run` (or an ASGI server) to start the server
    from ui.live import routes

    app = st.App(__file__, routes=routes())
