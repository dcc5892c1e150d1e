"""The race in a notebook: ``optrace.race(...)`` runs a scene and gives an object that a
Jupyter notebook shows as the app's interactive player, inline.

    import optrace
    r = optrace.race("?preset=01-momentum-ravine")   # a link, a preset, a scene file
    r                                                  # the player, in the notebook

A notebook shows the player from the object's HTML (the interactive export, in an ``<iframe>``
of its own: no server, no widget extension) and, for viewers that run no scripts (an untrusted
notebook, a repository's file view), the still map as a PNG beside it. ``r.save("race.html")``
writes any export format, ``r.figure("loss")`` gives the exports' figures, ``r.paths`` the
paths as NumPy arrays and ``r.to_scene()`` the scene.

Its own package, above the numerics (which never import the player) and beside the page.
"""

from optrace.notebook import Race, race

__all__ = ["Race", "race"]
