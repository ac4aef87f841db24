"""dendrax: differentiable simulation of biophysical neuron models in JAX.

Describe a neuron (`Compartment`, `Branch`, `Cell`), insert channels, stimulate and record,
then `integrate`: a pure JAX function that ``jit``, ``vmap`` and ``grad`` apply to.
"""

from . import channels as channels
from . import fit as fit
from . import models as models
from . import nmodl as nmodl
from . import plot as plot
from . import point_neurons as point_neurons
from . import synapses as synapses
from .checkpointing import Checkpoint as Checkpoint
from .compile.system import System as System
from .integrate import Rest as Rest
from .integrate import Simulator as Simulator
from .integrate import integrate as integrate
from .integrate import simulator as simulator
from .mechanisms.channel import Channel as Channel
from .mechanisms.channel import Mechanism as Mechanism
from .mechanisms.gating import Gate as Gate
from .mechanisms.gating import exponential_euler as exponential_euler
from .mechanisms.gating import gate_from_rates as gate_from_rates
from .mechanisms.gating import reciprocal as reciprocal
from .mechanisms.gating import vtrap as vtrap
from .mechanisms.point_neuron import PointNeuron as PointNeuron
from .mechanisms.synapse import Synapse as Synapse
from .model.cell import Branch as Branch
from .model.cell import Cell as Cell
from .model.cell import Compartment as Compartment
from .model.connect import connect as connect
from .model.connect import connectivity_matrix_connect as connectivity_matrix_connect
from .model.connect import fully_connect as fully_connect
from .model.connect import sparse_connect as sparse_connect
from .model.module import Module as Module
from .model.network import Network as Network
from .model.site import Site as Site
from .model.stimulus import step_current as step_current
from .model.view import View as View
from .morphology.anatomy import branch_order as branch_order
from .morphology.anatomy import compartment_centers as compartment_centers
from .morphology.anatomy import euclidean_distance as euclidean_distance
from .morphology.anatomy import neuron_section_names as neuron_section_names
from .morphology.anatomy import path_distance as path_distance
from .morphology.anatomy import total_area as total_area
from .morphology.anatomy import total_length as total_length
from .morphology.discretization import Discretization as Discretization
from .morphology.discretization import DLambda as DLambda
from .morphology.discretization import FixedNcomp as FixedNcomp
from .morphology.discretization import MaxLength as MaxLength
from .morphology.discretization import OddCount as OddCount
from .morphology.discretization import PerBranch as PerBranch
from .morphology.editing import delete_subtree as delete_subtree
from .morphology.editing import move as move
from .morphology.editing import replace_axon as replace_axon
from .morphology.editing import rotate as rotate
from .morphology.layout import branch_points as branch_points
from .morphology.layout import compute_xyz as compute_xyz
from .morphology.swc import read_swc as read_swc
from .morphology.swc_parse import SwcError as SwcError
from .morphology.swc_writer import write_swc as write_swc
from .solve.steppers import BackwardEuler as BackwardEuler
from .solve.steppers import CrankNicolson as CrankNicolson
from .spike_trains import poisson_spikes as poisson_spikes
from .spike_trains import regular_spikes as regular_spikes
from .spike_trains import spike_raster as spike_raster
from .synaptic import Surrogate as Surrogate

# The public names: what help() and `import *` list.
__all__ = [
    "BackwardEuler",
    "Branch",
    "branch_order",
    "branch_points",
    "Cell",
    "Channel",
    "channels",
    "Checkpoint",
    "Compartment",
    "compartment_centers",
    "compute_xyz",
    "connect",
    "connectivity_matrix_connect",
    "CrankNicolson",
    "delete_subtree",
    "Discretization",
    "DLambda",
    "euclidean_distance",
    "exponential_euler",
    "fit",
    "FixedNcomp",
    "fully_connect",
    "Gate",
    "gate_from_rates",
    "integrate",
    "MaxLength",
    "Mechanism",
    "models",
    "Module",
    "move",
    "Network",
    "neuron_section_names",
    "nmodl",
    "OddCount",
    "path_distance",
    "PerBranch",
    "plot",
    "point_neurons",
    "PointNeuron",
    "poisson_spikes",
    "read_swc",
    "reciprocal",
    "regular_spikes",
    "replace_axon",
    "Rest",
    "rotate",
    "Simulator",
    "simulator",
    "Site",
    "sparse_connect",
    "spike_raster",
    "step_current",
    "Surrogate",
    "SwcError",
    "Synapse",
    "synapses",
    "System",
    "total_area",
    "total_length",
    "View",
    "vtrap",
    "write_swc",
]

__version__ = "0.1.0"
