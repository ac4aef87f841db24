"""Published models, ready to use: biophysics to apply to a morphology."""

from .hay2011 import hay_l5pc as hay_l5pc

# The public names: what help() and `import *` list.
__all__ = [
    "hay_l5pc",
]
