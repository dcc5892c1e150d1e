"""Optimizer Race: watch optimizers race across 2-D loss surfaces.

Run with ``streamlit run app.py``. Streamlit imports this file to find ``app``, the server: the
page plus the live routes the race player calls while the pointer drags (``ui.live``). Then it
runs the file as the page's script on every rerun, and the script below is the page's
outline: the session's state becomes a scene, the scene a race, the race the views. The
numerics live in ``landscapes``/``optimizers``, the figures in ``figures``, the page's parts
in ``ui``.
"""

import streamlit as st

if __name__ == "__main__":  # a run of the page
    from ui import callbacks, header, history, sidebar, state, views

    st.set_page_config(page_title="Optimizer Race", page_icon="🏁", layout="wide",
                       initial_sidebar_state="auto")
    header.stage_style()

    history.follow()              # Back or Forward: the scene the restored address names
    state.init_session()          # the first run reads the share link (or the default scene)
    state.keep_undrawn_widgets()
    state.apply_player_event(callbacks.load_slide)  # a drag, a chip's lr, a pause, a slide
    state.keep_fair()             # the fair race: every racer tuned to what just changed

    scene, race_scene, problems = state.current_scene()
    query = state.sync_link(scene)
    history.draw(query)           # a new entry of the browser's history, or the current one
    header.draw(race_scene.surface_obj(), problems)

    race = views.compute_race(race_scene)
    views.draw_player(scene, race_scene, race)
    sidebar.draw_sidebar(scene)   # after the player, so a change reaches the map first
    if not st.session_state.get("present") and not header.embedded():
        views.draw_results(race)
        views.draw_tuning(race_scene)
        views.draw_tabs(scene, race_scene, race, query)
    state.write_link(query)       # the address bar, once the history script has the link
else:  # imported by `streamlit run` (or an ASGI server) to start the server
    from ui.live import routes

    app = st.App(__file__, routes=routes())
