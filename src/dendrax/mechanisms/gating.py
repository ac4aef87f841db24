"""Helpers for gating variables: stable rate functions and the exponential-Euler update."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

__all__ = ["Gate", "exponential_euler", "gate_from_rates", "vtrap"]


class Gate(NamedTuple):
    """A gating variable's steady state (dimensionless) and time constant (ms)."""

    steady_state: Array
    time_constant: Array


def gate_from_rates(alpha: Array, beta: Array, rate_factor: ArrayLike = 1.0) -> Gate:
    """Gate from its opening rate ``alpha`` and closing rate ``beta`` (1/ms).

    ``rate_factor`` multiplies both rates (a temperature factor, e.g. ``q10 ** ((celsius -
    T0) / 10)``); it changes the time constant, not the steady state.
    """
    total = alpha + beta
    return Gate(alpha / total, 1.0 / (rate_factor * total))


def exponential_euler(x: Array, x_inf: Array, tau: Array, dt: ArrayLike) -> Array:
    """``x`` after ``dt`` ms of ``dx/dt = (x_inf - x) / tau`` with ``x_inf`` and ``tau`` held fixed.

    This is NEURON's ``cnexp`` for gating variables: exact for a linear equation.
    """
    return x_inf + (x - x_inf) * jnp.exp(-dt / tau)


def vtrap(x: Float[ArrayLike, "..."], y: Float[ArrayLike, "..."]) -> Array:
    """``x / (exp(x / y) - 1)``, continuous at ``x = 0`` where it equals ``y``.

    Rate functions of Hodgkin-Huxley type have this removable singularity (for example
    at ``v = -40`` mV in the sodium activation rate). Near it the function is evaluated by
    its Taylor expansion, ``y (1 - u / 2 + u**2 / 12)`` with ``u = x / y``; elsewhere with
    ``expm1``. Gradients are finite everywhere (no ``0 / 0`` on the branch not taken).
    """
    x = jnp.asarray(x)
    u = x / y
    small = jnp.abs(u) < 1e-4
    u_safe = jnp.where(small, 1.0, u)
    far = x / jnp.expm1(u_safe)
    near = y * (1.0 - u / 2.0 + u * u / 12.0)
    return jnp.where(small, near, far)
