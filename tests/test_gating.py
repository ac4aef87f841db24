"""Rate-function helpers (`reciprocal`, `vtrap`, `gate_from_rates`) and HH's rates against
hh.mod's formulas written out in NumPy, values and derivatives, in float64."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH

jax.config.update("jax_enable_x64", True)


def test_reciprocal_value_and_derivatives_are_analytic():
    x = jnp.array([-3.0, -0.5, 0.25, 2.0, 1e3])
    # 1/x, -1/x², 2/x³ computed in float64: agreement to a few units in the last place.
    np.testing.assert_allclose(dx.reciprocal(x), 1.0 / np.asarray(x), rtol=1e-15)
    d1 = jax.vmap(jax.grad(dx.reciprocal))(x)
    np.testing.assert_allclose(d1, -1.0 / np.asarray(x) ** 2, rtol=1e-14)
    d2 = jax.vmap(jax.grad(jax.grad(dx.reciprocal)))(x)
    np.testing.assert_allclose(d2, 2.0 / np.asarray(x) ** 3, rtol=1e-14)
    _, tangent = jax.jvp(dx.reciprocal, (x,), (jnp.full_like(x, 3.0),))
    np.testing.assert_allclose(tangent, -3.0 / np.asarray(x) ** 2, rtol=1e-14)


def _vtrap_numpy(x, y):
    return x / np.expm1(x / y)


@pytest.mark.parametrize("shared_exp", [False, True])
def test_vtrap_value_and_slope_across_its_removable_singularity(shared_exp):
    y = 10.0
    x = jnp.array([-25.0, -3.0, -0.2, -0.05, -1e-3, 0.0, 1e-3, 0.05, 0.2, 3.0, 25.0])

    def f(x):
        return dx.vtrap(x, y, jnp.exp(x / y) if shared_exp else None)

    xs = np.asarray(x)
    exact = np.where(xs == 0.0, y, _vtrap_numpy(np.where(xs == 0.0, 1.0, xs), y))
    # Taylor branch truncation < 1e-16 relative; exp round-off ~1e-15 relative.
    np.testing.assert_allclose(f(x), exact, rtol=1e-13)
    slope = jax.vmap(jax.grad(f))(x)
    assert np.all(np.isfinite(slope))
    h = 1e-5  # central difference: error ~h² f''' ~ 1e-12 here, round-off ~1e-16/h ~ 1e-11
    fd = (np.asarray(f(x + h)) - np.asarray(f(x - h))) / (2 * h)
    np.testing.assert_allclose(slope, fd, rtol=1e-8, atol=1e-10)


def test_gate_from_rates_slopes_match_finite_differences():
    def steady(v):
        return dx.gate_from_rates(0.1 * jnp.exp(v / 20.0), 0.3 * jnp.exp(-v / 15.0), 2.0).steady_state

    v = jnp.linspace(-90.0, 40.0, 14)
    h = 1e-4
    fd = (np.asarray(steady(v + h)) - np.asarray(steady(v - h))) / (2 * h)
    np.testing.assert_allclose(jax.vmap(jax.grad(steady))(v), fd, rtol=1e-7, atol=1e-12)


def _hh_rates_numpy(v):
    """hh.mod's rates (1/ms at 6.3 °C), each written as in the file."""
    alpha_m = 0.1 * _vtrap_numpy(-(v + 40.0), 10.0)
    beta_m = 4.0 * np.exp(-(v + 65.0) / 18.0)
    alpha_h = 0.07 * np.exp(-(v + 65.0) / 20.0)
    beta_h = 1.0 / (np.exp(-(v + 35.0) / 10.0) + 1.0)
    alpha_n = 0.01 * _vtrap_numpy(-(v + 55.0), 10.0)
    beta_n = 0.125 * np.exp(-(v + 65.0) / 80.0)
    return {"m": (alpha_m, beta_m), "h": (alpha_h, beta_h), "n": (alpha_n, beta_n)}


def test_hh_gates_match_hh_mod_and_their_slopes_match_finite_differences():
    # Voltages away from vtrap's singular points (-40, -55 mV), where the NumPy formula is 0/0.
    v = np.array([-100.0, -80.0, -65.0, -54.0, -39.0, -35.0, -20.0, 0.0, 30.0, 50.0])
    celsius = 16.3  # rates scaled by 3 ** ((16.3 - 6.3) / 10) = 3
    gates = HH().gates(jnp.asarray(v), {"celsius": jnp.asarray(celsius)})
    for name, (alpha, beta) in _hh_rates_numpy(v).items():
        # A few roundings of exp and divisions apart: 1e-13 relative.
        np.testing.assert_allclose(gates[name].steady_state, alpha / (alpha + beta), rtol=1e-13)
        np.testing.assert_allclose(gates[name].rate, 3.0 * (alpha + beta), rtol=1e-13)

        def steady(u, name=name):
            return HH().gates(u, {"celsius": jnp.asarray(celsius)})[name].steady_state

        h = 1e-4
        fd = (np.asarray(steady(jnp.asarray(v + h))) - np.asarray(steady(jnp.asarray(v - h)))) / (2 * h)
        np.testing.assert_allclose(jax.vmap(jax.grad(steady))(jnp.asarray(v)), fd, rtol=1e-6, atol=1e-12)
