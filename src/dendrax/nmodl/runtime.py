"""Helpers that mechanisms generated from .mod files call (``from dendrax.nmodl import
runtime as nm``): NEURON's ``cnexp`` update, backward Euler with Newton iterations (for
``derivimplicit`` and KINETIC ``sparse``), and the guard that keeps gradients of ``if``
branches finite. All are pure JAX: they run under ``jit``, ``vmap`` and ``grad``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike

from ..mechanisms.gating import reciprocal, relaxed_fraction

__all__ = ["cnexp", "exp", "extrapolated", "guard", "implicit_euler", "like"]

MAX_ITERATIONS = 50  # NEURON's MAXITERS


def cnexp(x: Array, a: Array, b: Array, dt: ArrayLike) -> Array:
    """``x`` after ``dt`` of ``dx/dt = a + b x`` with ``a`` and ``b`` held fixed: NEURON's
    ``cnexp`` formula ``x + (1 - exp(dt b)) (-a / b - x)``, exact for a linear equation
    (``1 - exp`` by `relaxed_fraction`, accurate in float32 when ``dt |b|`` is small).

    Example:
        >>> from dendrax.nmodl.runtime import cnexp
        >>> round(float(cnexp(0.0, 1.0, -2.0, 10.0)), 6)   # relaxes to -a/b = 0.5
        0.5
    """
    return x + relaxed_fraction(-dt * b) * (-a * reciprocal(b) - x)


def exp(x: Array) -> Array:
    """NMODL's ``exp``, as NEURON compiles it (``hoc_Exp``): ``exp(700)`` above 700, 0 below
    -700, so that a steep sigmoid such as ``1 / (1 + exp((v - vh) / 0.05))`` saturates
    instead of overflowing to inf and NaN (NEURON prints a warning there; dendrax cannot
    from inside a compiled step). In float32 the cap is 78: NEURON's margin below the
    largest number (exp(700) is 1.8e4 times below float64's), so that ``1 / (1 + exp(x))``
    and ``a / (a + b)`` stay normal numbers (under a cap of 88 they were subnormal, which the
    CPU flushes to 0: a sigmoid gave 0 instead of 1). The gradient is 0 where the argument
    is clipped.

    Example:
        >>> from dendrax.nmodl.runtime import exp
        >>> float(exp(800.0)) == float(exp(700.0)), float(exp(-800.0))
        (True, 0.0)
    """
    x = jnp.asarray(x, jnp.result_type(x, float))
    finfo = np.finfo(x.dtype)
    top = 700.0 if finfo.bits > 32 else 78.0 if finfo.bits == 32 else float(np.floor(np.log(finfo.max)))
    return jnp.where(x < -700.0, 0.0, jnp.exp(jnp.minimum(x, top)))


def guard(taken: Array, *values: Array) -> tuple[Array, ...]:
    """The inputs of an ``if`` branch: ``values`` where the branch is ``taken``; elsewhere the
    same numbers with their gradients stopped.

    Both branches of an ``if`` are computed and the result is chosen with `jnp.where`; the
    branch not taken may divide by zero (``x / (exp(x) - 1)`` at ``x = 0``, which the other
    branch avoids). Its value is discarded, but reverse-mode gradients would multiply a zero
    by an infinity. Stopping the gradient of the branch's inputs where it is not taken keeps
    every gradient finite and exact.
    """
    return tuple(jnp.where(taken, x, jax.lax.stop_gradient(x)) for x in values)


def like(v: Array, x: ArrayLike) -> Array:
    """``x`` broadcast to the shape and dtype of ``v`` (a state from a constant)."""
    return jnp.broadcast_to(jnp.asarray(x, dtype=jnp.result_type(v)), jnp.shape(v))


Rhs = Callable[..., tuple]


def extrapolated(x_half: Array, x_old: ArrayLike, second_order: bool) -> Array:
    """A state after a ``derivimplicit`` or ``sparse`` step: ``x_half``, the backward-Euler
    step, or under Crank–Nicolson (``second_order``), where NEURON's ``secondorder`` takes a
    backward-Euler half step and then an explicit one with the derivative found there,
    ``2 x_half - x_old`` (``x_half - x_old`` is half a step's change).

    Example:
        >>> from dendrax.nmodl.runtime import extrapolated
        >>> float(extrapolated(0.6, 0.5, False)), float(extrapolated(0.6, 0.5, True))
        (0.6, 0.7)
    """
    if not second_order:
        return x_half
    return 2.0 * x_half - jnp.asarray(x_old)


def implicit_euler(rhs: Rhs, x_old: Sequence[Array], dt: ArrayLike) -> tuple[Array, ...]:
    """States one backward-Euler step ``dt`` later: the ``x`` with ``(x - x_old) / dt = f(x)``.

    ``rhs(*x)`` returns ``(f, conserve)`` (and possibly more, ignored here): ``f`` the time
    derivatives of the states, ``conserve`` a dict from a state's position to a residual
    that replaces its equation (a KINETIC block's CONSERVE: ``sum - total``). This is
    NEURON's ``derivimplicit`` and ``sparse``: the same equations solved by Newton's method,
    here with an exact Jacobian (forward-mode derivatives), per compartment.

    Differentiable: the iterations run without gradients; a last Newton step with the
    Jacobian held fixed carries them, which gives the exact derivative of the solution
    (implicit function theorem) without differentiating the loop. The iterations stop when
    the largest relative change is below the square root of the machine epsilon (the last
    step then brings the error to round-off), or after 50 iterations (NEURON's limit).

    Example:
        >>> from dendrax.nmodl.runtime import implicit_euler
        >>> (x,) = implicit_euler(lambda x: ((-x * x,), {}), (1.0,), 1.0)   # x - 1 = -x²
        >>> round(float(x), 10)
        0.6180339887
    """
    x0 = jnp.stack(jnp.broadcast_arrays(*[jnp.asarray(x) for x in x_old]))
    k = x0.shape[0]
    # States set from constants (INITIAL { C = 1 }) are scalars; the equations are per
    # compartment: start from the states broadcast to the equations' shape and dtype.
    f = jax.eval_shape(lambda x: rhs(*x)[0], x0)
    shape = jnp.broadcast_shapes(x0.shape[1:], *[fi.shape for fi in f])
    x0 = x0.reshape((k,) + (1,) * (len(shape) - (x0.ndim - 1)) + x0.shape[1:])
    x0 = jnp.broadcast_to(x0.astype(jnp.result_type(x0, *[fi.dtype for fi in f])), (k, *shape))

    def residual(x: Array) -> Array:
        f, conserve = rhs(*x)[:2]
        rows = [(x[i] - x0[i]) / dt - f[i] for i in range(k)]
        for i, r in conserve.items():
            rows[i] = r
        return jnp.stack(jnp.broadcast_arrays(*rows)).astype(x.dtype)

    def step(x: Array) -> Array:
        r, jac = _linearise(residual, x)
        return _newton_step(jac, r)

    tol = jnp.sqrt(jnp.finfo(x0.dtype).eps)

    def body(carry):
        x, i, _ = carry
        delta = jax.lax.stop_gradient(step(x))
        change = jnp.max(jnp.abs(delta) / (1.0 + jnp.abs(x)), initial=0.0)
        return x + delta, i + 1, change

    def cond(carry):
        _, i, change = carry
        return (i < MAX_ITERATIONS) & (change > tol)

    start = (jax.lax.stop_gradient(x0), jnp.asarray(0), jnp.asarray(jnp.inf, x0.dtype))
    x = jax.lax.stop_gradient(jax.lax.while_loop(cond, body, start)[0])
    jac = jax.lax.stop_gradient(_linearise(residual, x)[1])
    x = x + _newton_step(jac, residual(x))
    return tuple(x[i] for i in range(k))


def _linearise(residual: Callable[[Array], Array], x: Array) -> tuple[Array, Array]:
    """``residual(x)`` and its per-compartment Jacobian (states first; shape (..., k, k)),
    from one forward-mode pass per state, batched."""
    k = x.shape[0]
    basis = jnp.eye(k, dtype=x.dtype).reshape((k, k) + (1,) * (x.ndim - 1))
    tangents = jnp.broadcast_to(basis, (k,) + x.shape)
    values, columns = jax.vmap(lambda t: jax.jvp(residual, (x,), (t,)))(tangents)  # [column, row, ...]
    return values[0], jnp.moveaxis(columns, (0, 1), (-1, -2))


def _newton_step(jac: Array, r: Array) -> Array:
    """``-J⁻¹ r`` per compartment (``r`` with states first)."""
    solved = jnp.linalg.solve(jac, jnp.moveaxis(r, 0, -1)[..., None])[..., 0]
    return -jnp.moveaxis(solved, -1, 0)
