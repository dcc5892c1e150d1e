"""The page: Streamlit's script (``app.py``) draws it from these modules. The race player is
:func:`ui.player.race_player`; :mod:`ui.wire` and :mod:`ui.player_inline` need no Streamlit
(the interactive export uses them)."""
