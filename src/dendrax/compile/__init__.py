"""Turn a description into an immutable, simulatable `System`."""

from .system import Layout as Layout
from .system import System as System
from .system import compile_module as compile_module
