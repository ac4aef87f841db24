"""The friendly, mutable description of neurons: compartments, branches, cells, selections."""

from .cell import Branch as Branch
from .cell import Cell as Cell
from .cell import Compartment as Compartment
from .module import Module as Module
from .site import Site as Site
from .stimulus import step_current as step_current
from .view import View as View
