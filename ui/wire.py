"""The race player's arguments: a payload (see :mod:`ui.player`) as the JSON part the player
reads (``meta``) and its numeric arrays in one binary buffer (``blob``).

Without Streamlit: the page (:mod:`ui.player`) sends them to the player as a component's
arguments, and the interactive export (:mod:`export.interactive`) writes them into its file.
"""

from __future__ import annotations

import hashlib
import json

from ui.grid import split_surface
from ui.packing import Packer, clean

__all__ = ["encode"]

#: The surface payload's grids (they travel in the buffer when no address is given).
_GRID_KEYS = ("x", "y", "z", "x3d", "y3d", "z3d", "test_z")


# --------------------------------------------------------------------------
def _encode_surface(surface: dict, packer: Packer, grid_query: str | None = None,
                    extras: dict | None = None) -> dict:
    for key in ("x", "y", "z"):
        if key not in surface:
            raise ValueError(f"payload['surface'] is missing {key!r}")
    if grid_query is not None:
        # The grids travel by address (``ui.grid``): fetched once per surface, not per rerun.
        rest, sig, packed = split_surface(surface, grid_query)
        if extras is not None:
            extras["grids"] = packed
        out_surface = {k: clean(v) for k, v in rest.items()}
        surf_digest = hashlib.blake2b(sig.encode(), digest_size=10)
    else:
        out_surface = {k: clean(v) for k, v in surface.items() if k not in _GRID_KEYS}
        out_surface["x"] = packer.add(surface["x"], "f8", "surface.x", 1)
        out_surface["y"] = packer.add(surface["y"], "f8", "surface.y", 1)
        out_surface["z"] = packer.add(surface["z"], "f4", "surface.z", 2)
        if surface.get("test_z") is not None:  # the test surface's grid, on the map's x and y
            out_surface["test_z"] = packer.add(surface["test_z"], "f4", "surface.test_z", 2)
        if all(surface.get(k) is not None for k in ("x3d", "y3d", "z3d")):
            out_surface["x3d"] = packer.add(surface["x3d"], "f8", "surface.x3d", 1)
            out_surface["y3d"] = packer.add(surface["y3d"], "f8", "surface.y3d", 1)
            out_surface["z3d"] = packer.add(surface["z3d"], "f4", "surface.z3d", 2)
        surf_digest = hashlib.blake2b(digest_size=10)
        packer.digest_of([out_surface[k] for k in _GRID_KEYS if k in out_surface], surf_digest)
    surf_digest.update(json.dumps({k: v for k, v in out_surface.items()
                                   if not isinstance(v, dict)}, sort_keys=True).encode())
    # Lets the page keep the surface it already drew when only the paths change.
    out_surface["_sig"] = surf_digest.hexdigest()
    return out_surface


def _encode_path(path: dict, where: str, packer: Packer) -> dict:
    out = {
        k: clean(v)
        for k, v in path.items()
        if k not in ("x", "y", "loss", "loss_y", "lr", "arrows", "test_loss")
    }
    n = len(path["x"])
    for key in ("y", "loss"):
        if len(path[key]) != n:
            raise ValueError(f"{where}.{key} must have as many points as {where}.x")
    # float32 is what a picture needs, and the legend prints three digits; "x4" packs it so
    # that the websocket's compression sends a path in about a third of that (ui.packing).
    # The loss plot's values travel apart from the loss: near f* on a log axis they are
    # the gap f - f*, which float32 keeps where f itself (3.0000001, say) would not.
    out["x"] = packer.add(path["x"], "x4", f"{where}.x", 1)
    out["y"] = packer.add(path["y"], "x4", f"{where}.y", 1)
    out["loss"] = packer.add(path["loss"], "x4", f"{where}.loss", 1)
    loss_y = path.get("loss_y")
    out["loss_y"] = (
        out["loss"] if loss_y is None else packer.add(loss_y, "x4", f"{where}.loss_y", 1)
    )
    if path.get("test_loss") is not None:
        out["test_loss"] = packer.add(path["test_loss"], "f8", f"{where}.test_loss", 1)
    lr = path.get("lr")
    out["lr"] = None if lr is None else packer.add(lr, "x4", f"{where}.lr", 1)
    arrows = path.get("arrows")
    if arrows and arrows.get("grad") is not None and arrows.get("update") is not None:
        out["arrows"] = {
            "grad": packer.add(arrows["grad"], "f4", f"{where}.arrows.grad", 2),
            "update": packer.add(arrows["update"], "f4", f"{where}.arrows.update", 2),
        }
    else:
        out["arrows"] = None
    return out


def encode(payload: dict, grid_query: str | None = None,
            extras: dict | None = None) -> tuple[dict, bytes]:
    """The payload as the player's arguments: the JSON part (``meta``) and the arrays in one
    buffer. With ``grid_query`` the surface's grids travel by address; ``extras``, when given,
    receives them packed (``"grids"``) for a render that is to carry them itself."""
    if not isinstance(payload, dict):
        raise TypeError("payload must be a dict")
    for required in ("surface", "paths", "steps"):
        if required not in payload:
            raise ValueError(f"payload is missing {required!r}")

    packer = Packer()
    meta = {k: clean(v) for k, v in payload.items() if k not in ("surface", "paths")}
    meta["steps"] = int(payload["steps"])

    out_surface = _encode_surface(payload["surface"], packer, grid_query, extras)
    meta["surface"] = out_surface

    out_paths = [_encode_path(path, f"paths[{i}]", packer)
                 for i, path in enumerate(payload["paths"])]
    meta["paths"] = out_paths

    blob = packer.blob()
    digest = hashlib.blake2b(blob, digest_size=12)
    digest.update(json.dumps(meta, sort_keys=True).encode())
    meta["_sig"] = digest.hexdigest()
    return meta, blob
