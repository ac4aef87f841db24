"""Plots of morphologies and recorded traces (needs matplotlib: ``pip install dendrax[plot]``).

Importing this package does not import matplotlib; each function does, when called.
"""

from .morphology import morphology as morphology
from .traces import traces as traces

# The public names: what help() and `import *` list.
__all__ = [
    "morphology",
    "traces",
]
