"""The mechanism interface (channels, pumps, ion dynamics) and helpers for writing them."""

from .channel import Channel as Channel
from .channel import Mechanism as Mechanism
from .gating import Gate as Gate
from .gating import exponential_euler as exponential_euler
from .gating import gate_from_rates as gate_from_rates
from .gating import reciprocal as reciprocal
from .gating import vtrap as vtrap
from .ions import ION_DEFAULTS as ION_DEFAULTS
