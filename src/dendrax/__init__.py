"""dendrax: differentiable simulation of biophysical neuron models in JAX.

Describe a neuron (`Compartment`, `Branch`, `Cell`), insert channels, stimulate and record,
then `integrate`: a pure JAX function that ``jit``, ``vmap`` and ``grad`` apply to.
"""

from . import fit as fit
from .checkpointing import Checkpoint as Checkpoint
from .compile.system import System as System
from .mechanisms.channel import Channel as Channel
from .mechanisms.channel import Mechanism as Mechanism
from .mechanisms.gating import Gate as Gate
from .mechanisms.gating import exponential_euler as exponential_euler
from .mechanisms.gating import gate_from_rates as gate_from_rates
from .mechanisms.gating import vtrap as vtrap
from .model.cell import Branch as Branch
from .model.cell import Cell as Cell
from .model.cell import Compartment as Compartment
from .model.module import Module as Module
from .model.site import Site as Site
from .model.stimulus import step_current as step_current
from .model.view import View as View
from .integrate import Rest as Rest
from .integrate import Simulator as Simulator
from .integrate import integrate as integrate
from .integrate import simulator as simulator
from . import synapses as synapses
from .mechanisms.synapse import Synapse as Synapse
from .model.connect import connect as connect
from .model.connect import connectivity_matrix_connect as connectivity_matrix_connect
from .model.connect import fully_connect as fully_connect
from .model.connect import sparse_connect as sparse_connect
from .model.network import Network as Network
from .synaptic import Surrogate as Surrogate
from .solve.steppers import BackwardEuler as BackwardEuler
from .solve.steppers import CrankNicolson as CrankNicolson

__version__ = "0.1.0"
