"""Helpers for gating variables: stable rate functions and the exponential-Euler update."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

__all__ = ["Gate", "exponential_euler", "gate_from_rates", "reciprocal", "relax_linear", "relaxed_fraction", "vtrap"]


class Gate(NamedTuple):
    """A gating variable's steady state (dimensionless) and time constant (ms).

    ``rate`` (1/ms), when given, is ``1 / time_constant``; `gate_from_rates` fills it so
    that the update needs no division.

    Example:
        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> gate = dx.Gate(steady_state=jnp.array(0.8), time_constant=jnp.array(2.0))   # ms
        >>> round(float(gate.relax(0.0, 2.0)), 4)         # after one time constant: 0.8 (1 - 1/e)
        0.5057
    """

    steady_state: Array
    time_constant: Array
    rate: Array | None = None

    def relax(self, x: Array, dt: ArrayLike) -> Array:
        """``x`` after ``dt`` ms of relaxation towards the steady state (exponential Euler)."""
        rate = reciprocal(self.time_constant) if self.rate is None else self.rate
        return relax_linear(x, self.steady_state, dt * rate)


def gate_from_rates(alpha: Array, beta: Array, rate_factor: ArrayLike = 1.0) -> Gate:
    """Gate from its opening rate ``alpha`` and closing rate ``beta`` (1/ms).

    ``rate_factor`` multiplies both rates (a temperature factor, e.g. ``q10 ** ((celsius -
    T0) / 10)``); it changes the time constant, not the steady state.

    Example:
        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> gate = dx.gate_from_rates(jnp.array(0.3), jnp.array(0.1))   # 1/ms
        >>> round(float(gate.steady_state), 4), round(float(gate.time_constant), 4)   # α/(α+β), ms
        (0.75, 2.5)
        >>> warm = dx.gate_from_rates(jnp.array(0.3), jnp.array(0.1), 3.0)   # Q10 = 3, 10 °C warmer
        >>> round(float(warm.steady_state), 4), round(float(warm.time_constant), 4)
        (0.75, 0.8333)
    """
    total = alpha + beta
    rate = rate_factor * total
    return Gate(alpha * reciprocal(total), 1.0 / rate, rate)


def exponential_euler(x: Array, x_inf: Array, tau: Array, dt: ArrayLike) -> Array:
    """``x`` after ``dt`` ms of ``dx/dt = (x_inf - x) / tau`` with ``x_inf`` and ``tau`` held fixed.

    This is NEURON's ``cnexp`` for gating variables: exact for a linear equation (computed
    by `relax_linear`).

    Example:
        >>> import dendrax as dx
        >>> round(float(dx.exponential_euler(0.0, 1.0, 2.0, 2.0)), 4)   # x_inf = 1, tau = dt = 2 ms
        0.6321
    """
    return relax_linear(x, x_inf, dt * reciprocal(tau))


# Below this |k| the float32 step uses the Taylor polynomial of 1 - exp(-k) to k⁴: its
# truncation error, k⁴/120 relative, is at most 5.2e-8 there (float32's resolution: 6e-8).
SMALL_STEP = 0.05


def relaxed_fraction(k: ArrayLike) -> Array:
    """``1 - exp(-k)``: how much of the way to its steady state a linear relaxation goes in
    a step ``k = dt / tau`` (dimensionless; negative for growth), accurate to round-off.

    In float32, ``1 - exp(-k)`` loses the digits of a small ``k``: exp rounds to 6e-8, so a
    state whose time constant is 10⁵ steps (a 460 ms calcium decay at dt = 0.001 ms) relaxed
    1.2 % too fast per step, and spikes of Hay et al.'s cell moved 0.7 ms from NEURON's.
    There, below ``|k| = 0.05``, it is the Taylor polynomial; XLA's ``expm1`` would be
    exact too, at three times the cost of ``exp`` on a CPU. In float64 (round-off 1e-16
    relative to ``k``) it is ``1 - exp(-k)``.

    Example:
        >>> import numpy as np
        >>> from dendrax.mechanisms.gating import relaxed_fraction
        >>> k = np.float32(2e-6)                          # dt / tau: 0.001 ms / 500 ms
        >>> float(relaxed_fraction(k) / k), float((1 - np.exp(-k)) / k)   # exact: 0.999999
        (0.9999989867210388, 1.0132789611816406)
    """
    k = jnp.asarray(k)
    exact = 1.0 - jnp.exp(-k)
    if jnp.finfo(k.dtype).bits > 32:
        return exact
    small = jnp.abs(k) < SMALL_STEP
    # The polynomial of a large k overflows (k ~ 1e20: a saturated rate) and its zero
    # cotangent times inf was a NaN gradient through the branch not taken: fed 0 there.
    ks = jnp.where(small, k, 0.0)
    taylor = ks * (1.0 - ks * (0.5 - ks * (1.0 / 6.0 - ks * (1.0 / 24.0))))
    return jnp.where(small, taylor, exact)


def relax_linear(x: ArrayLike, x_inf: ArrayLike, k: ArrayLike) -> Array:
    """``x`` after ``k = dt / tau`` time constants of relaxation towards ``x_inf``
    (exponential Euler): ``x_inf + (x - x_inf) exp(-k)`` in float64, ``x + (x_inf - x) (1 -
    exp(-k))`` with `relaxed_fraction` in float32, so that a slow state moves at its rate."""
    k = jnp.asarray(k)
    if jnp.finfo(k.dtype).bits > 32:
        return x_inf + (x - x_inf) * jnp.exp(-k)
    return x + (x_inf - x) * relaxed_fraction(k)


@jax.custom_jvp
def reciprocal(x: Float[ArrayLike, ...]) -> Array:
    """``1 / x``, with a derivative that costs no further division.

    JAX differentiates ``a / b`` with two more divisions (``da / b - a db / b²``), and a
    division is the slowest arithmetic a CPU does (after ``exp``): the slopes of a channel's
    states in the voltage, which every gradient step computes, cost three times the rates
    themselves when written with ``/``. Here the tangent is ``-r² dx`` from ``r = 1 / x``.
    Rate functions use it for every division by a voltage-dependent quantity (``a *
    reciprocal(b)``, which differs from ``a / b`` by at most one unit in the last place,
    except where ``b`` is within a factor ~4 of overflowing (|b| > 8.5e37 in float32), where
    ``1 / b`` flushes to 0).

    Example:
        >>> import jax
        >>> import dendrax as dx
        >>> float(dx.reciprocal(4.0)), float(jax.grad(dx.reciprocal)(4.0))   # -1/x²
        (0.25, -0.0625)
    """
    return 1.0 / jnp.asarray(x)


@reciprocal.defjvp
def _reciprocal_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    r = 1.0 / jnp.asarray(x)
    return r, -(r * r) * dx


def vtrap(
    x: Float[ArrayLike, ...], y: Float[ArrayLike, ...], exp_x_over_y: ArrayLike | None = None
) -> Array:
    """``x / (exp(x / y) - 1)``, continuous at ``x = 0`` where it equals ``y``.

    Rate functions of Hodgkin-Huxley type have this removable singularity (for example
    at ``v = -40`` mV in the sodium activation rate). Near it (``|x / y| < 1e-2``) the
    function is evaluated by its Taylor series, ``y (1 - u/2 + u²/12 - u⁴/720)`` with ``u =
    x / y`` (truncation error below 1e-16 relative); elsewhere exactly. Gradients are finite
    everywhere (no ``0 / 0`` on the branch not taken).

    Args:
        x, y: the numerator and the scale (same units, typically mV).
        exp_x_over_y: ``exp(x / y)`` if the caller has it already (channels often share one
            exponential between several rates); otherwise ``expm1`` is used.

    Example:
        >>> import dendrax as dx
        >>> float(dx.vtrap(0.0, 10.0)), round(float(dx.vtrap(-25.0, 10.0)), 6)
        (10.0, 27.235637)
    """
    x = jnp.asarray(x)
    u = x / y
    small = jnp.abs(u) < 1e-2
    u_safe = jnp.where(small, 1.0, u)
    if exp_x_over_y is None:
        denominator = jnp.expm1(u_safe)
    else:
        denominator = jnp.where(small, 2.0, exp_x_over_y) - 1.0  # 1 on the branch not taken
    u2 = u * u
    near = y * (1.0 - u / 2.0 + u2 / 12.0 - u2 * u2 / 720.0)
    return jnp.where(small, near, jnp.where(small, 1.0, x) * reciprocal(denominator))
