"""The numerical core: the exact tree solve of the voltage equation and the time steppers."""

from .hines import solve_voltage_system as solve_voltage_system
from .layout import SolverLayout as SolverLayout
from .layout import plan_solver as plan_solver
from .steppers import BackwardEuler as BackwardEuler
from .steppers import CrankNicolson as CrankNicolson
