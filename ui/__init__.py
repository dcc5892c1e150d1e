"""Interactive widgets for the optimizer race app."""

from ui.player import race_player

__all__ = ["race_player"]
