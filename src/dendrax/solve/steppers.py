"""Time-stepping schemes for the voltage equation (options passed as ``solver=``)."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx

__all__ = ["BackwardEuler", "CrankNicolson", "Stepper"]


class Stepper(eqx.Module):
    """A fixed-step scheme: voltage solved implicitly, gates advanced on the new voltage.

    ``capacitance_factor`` multiplies ``C / dt`` in the linear system; the new voltage is
    ``v + extrapolation * (x - v)`` where ``x`` solves it.
    """

    capacitance_factor: eqx.AbstractClassVar[float]
    extrapolation: eqx.AbstractClassVar[float]


class BackwardEuler(Stepper):
    """NEURON's default: first order, unconditionally stable (``secondorder = 0``).

    Each step linearises the membrane currents at the present voltage (their slope by
    automatic differentiation), solves the implicit voltage equation, then advances the
    gates by exponential Euler on the new voltage: gates are staggered half a step from
    the voltage.
    """

    capacitance_factor: ClassVar[float] = 1.0
    extrapolation: ClassVar[float] = 1.0


class CrankNicolson(Stepper):
    """Second order in dt (NEURON's ``secondorder = 2``).

    Solves the implicit equation over half a step, then extrapolates the voltage to the
    full step. Less damped than backward Euler: large steps can ring.
    """

    capacitance_factor: ClassVar[float] = 2.0
    extrapolation: ClassVar[float] = 2.0
