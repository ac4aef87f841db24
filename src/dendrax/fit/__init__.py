"""Fitting: bounded-parameter transforms and losses for voltage data (use with optax)."""

from .losses import mse as mse
from .losses import smoothed_mse as smoothed_mse
from .losses import soft_spike_count as soft_spike_count
from .losses import summary_statistics as summary_statistics
from .transforms import Affine as Affine
from .transforms import Exp as Exp
from .transforms import Identity as Identity
from .transforms import ParamTransform as ParamTransform
from .transforms import Sigmoid as Sigmoid
from .transforms import Softplus as Softplus
from .transforms import Transform as Transform

# The public names: what help() and `import *` list.
__all__ = [
    "Affine",
    "Exp",
    "Identity",
    "mse",
    "ParamTransform",
    "Sigmoid",
    "smoothed_mse",
    "soft_spike_count",
    "Softplus",
    "summary_statistics",
    "Transform",
]
