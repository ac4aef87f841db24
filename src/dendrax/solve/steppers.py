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

    Example:
        A passive compartment (τ = 1 ms) relaxing from -60 mV to -70 mV, with 0.25 ms steps.

        >>> import math
        >>> import dendrax as dx
        >>> from dendrax.channels import Leak
        >>> comp = dx.Compartment()
        >>> comp.insert(Leak())                           # 1e-3 S/cm², -70 mV: τ = C / g = 1 ms
        >>> comp.set("v", -60.0)                          # mV
        >>> comp.record("v")
        >>> v = dx.integrate(comp, t_max=2.0, delta_t=0.25, solver=dx.BackwardEuler())
        >>> exact = -70.0 + 10.0 * math.exp(-2.0)         # mV at 2 ms
        >>> round(float(v[0, -1]), 3), round(abs(float(v[0, -1]) - exact), 3)   # first order: 0.3 mV off
        (-68.322, 0.324)
    """

    capacitance_factor: ClassVar[float] = 1.0
    extrapolation: ClassVar[float] = 1.0


class CrankNicolson(Stepper):
    """Second order in dt (NEURON's ``secondorder = 2``).

    Solves the implicit equation over half a step, then extrapolates the voltage to the
    full step. Less damped than backward Euler: large steps can ring. As in NEURON, .mod
    states solved by ``derivimplicit`` or KINETIC ``sparse`` take a backward-Euler half step
    extrapolated to the whole step (``2 x_half - x_old``); gates (exponential Euler,
    ``cnexp``) take the whole step.

    Example:
        The passive compartment of `BackwardEuler`'s example, with the same 0.25 ms steps.

        >>> import math
        >>> import dendrax as dx
        >>> from dendrax.channels import Leak
        >>> comp = dx.Compartment()
        >>> comp.insert(Leak())                           # 1e-3 S/cm², -70 mV: τ = C / g = 1 ms
        >>> comp.set("v", -60.0)                          # mV
        >>> comp.record("v")
        >>> v = dx.integrate(comp, t_max=2.0, delta_t=0.25, solver=dx.CrankNicolson())
        >>> exact = -70.0 + 10.0 * math.exp(-2.0)         # mV at 2 ms
        >>> round(float(v[0, -1]), 3), round(abs(float(v[0, -1]) - exact), 3)   # second order: 0.014 mV off
        (-68.661, 0.014)
    """

    capacitance_factor: ClassVar[float] = 2.0
    extrapolation: ClassVar[float] = 2.0
