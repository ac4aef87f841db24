"""Import matplotlib on first use, with an install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL_HINT = (
    "dendrax.plot needs matplotlib; install it with `pip install dendrax[plot]` (or `pip install matplotlib`)"
)


def pyplot() -> ModuleType:
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        return importlib.import_module("matplotlib.pyplot")
    except ImportError as err:  # pragma: no cover - matplotlib is installed in the test env
        raise ImportError(INSTALL_HINT) from err


def module(name: str) -> ModuleType:
    """A matplotlib submodule (e.g. ``"matplotlib.collections"``), with the install hint."""
    try:
        return importlib.import_module(name)
    except ImportError as err:  # pragma: no cover
        raise ImportError(INSTALL_HINT) from err
