"""dendrax's library of channels (each cites the paper it comes from)."""

from .hh import HH as HH
from .leak import Leak as Leak
