"""Geometry of neurons: SWC reading as NEURON does it, discretisation, frustum areas and
axial resistances, anatomy, editing, writing SWC.

The public names are re-exported from ``dendrax`` (``dx.read_swc``, ``dx.DLambda``,
``dx.path_distance``, ...). Modules that build cells (``swc``, ``editing``,
``swc_writer``) are imported from there, after ``dendrax.model``, to avoid an import cycle.
"""

from .discretization import Discretization as Discretization
from .discretization import DLambda as DLambda
from .discretization import FixedNcomp as FixedNcomp
from .discretization import MaxLength as MaxLength
from .discretization import OddCount as OddCount
from .discretization import PerBranch as PerBranch
from .frustum import branch_geometry as branch_geometry
from .swc_parse import SwcError as SwcError
