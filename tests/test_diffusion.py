"""Longitudinal diffusion of an intracellular concentration: conservation and the decay of a mode."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx

DT = 0.025


class Store(dx.Mechanism):
    """Holds calcium without sources or sinks (so that only diffusion changes it)."""

    states = {"cai": 5e-5}
    ions = ("ca",)
    writes = ("cai",)


def tree(initial):
    branches = [dx.Branch(length=100.0, radius=r, ncomp=n) for r, n in ((1.5, 5), (0.5, 4), (0.8, 3))]
    cell = dx.Cell(branches, parents=[-1, 0, 0], parent_locs=[1.0, 1.0, 0.5])
    cell.insert(Store())
    cell.set("Store_cai", initial)
    cell.diffuse("cai", 6.0)  # µm²/ms: fast, so that a short test sees it
    for k in range(cell.n_comps):
        cell.comp(k).record("Store_cai")
    return cell


def test_amount_of_ion_is_conserved():
    rng = np.random.default_rng(0)
    cell = tree(rng.uniform(1e-5, 1e-3, size=12))
    c = np.asarray(dx.integrate(cell, t_max=200.0, delta_t=0.5))
    radius, length = cell.get("radius"), cell.get("length")
    amount = (np.pi * radius**2 * length) @ c  # µm³·mM per time point
    # Implicit Euler with an antisymmetric flux conserves the amount exactly; what is left
    # is round-off. Solved for the change (from differences), 2e-16 here; solved for the
    # new values, the solve's round-off relative to the concentration gave 5.7e-14.
    assert np.max(np.abs(amount / amount[0] - 1.0)) < 1e-14
    assert np.ptp(c[:, -1]) < 0.5 * np.ptp(c[:, 0])  # and it does diffuse


def test_amount_of_ion_is_conserved_in_float32():
    # Bug: the implicit step was solved for the new concentrations, so the solve's round-off
    # (6e-8 of the concentration) changed the amount each step: 5.3e-4 in 40,000 steps.
    rng = np.random.default_rng(0)
    cell = tree(rng.uniform(1e-5, 1e-3, size=12))
    with jax.enable_x64(False):
        c = np.asarray(dx.integrate(cell, t_max=1000.0, delta_t=0.025), np.float64)
    radius, length = cell.get("radius"), cell.get("length")
    amount = (np.pi * radius**2 * length) @ c
    # Solved for the change, what is left is adding it to each concentration (half an ulp,
    # 3e-8 relative, per step): a walk of 40,000 such errors, 8e-5 here; 2e-4 bounds it.
    assert np.max(np.abs(amount / amount[0] - 1.0)) < 2e-4


def test_cosine_mode_decays_at_the_diffusion_rate():
    length, n, coefficient = 200.0, 100, 0.6
    cable = dx.Branch(length=length, radius=0.5, ncomp=n)
    cable.insert(Store())
    x = (np.arange(n) + 0.5) / n * length
    cable.set("Store_cai", 1e-4 + 5e-5 * np.cos(np.pi * x / length))
    cable.diffuse("cai", coefficient)
    cable.comp(0).record("Store_cai")
    t_max = 2000.0
    c0 = np.asarray(dx.integrate(cable, t_max=t_max, delta_t=1.0))[0]
    rate = np.log((c0[0] - 1e-4) / (c0[-1] - 1e-4)) / t_max
    expected = coefficient * (np.pi / length) ** 2
    # Discretisation: second order in space (2e-4 relative here), first order in time
    # (rate * dt / 2 ~ 7e-5 relative): 1e-3 covers both.
    assert abs(rate / expected - 1.0) < 1e-3


def test_diffusion_needs_a_writer_everywhere():
    cell = dx.Cell([dx.Branch(ncomp=2)] * 2, parents=[-1, 0])
    cell.branch(0).insert(Store())
    cell.diffuse("cai", 0.6)
    cell.comp(0).record("v")
    with pytest.raises(ValueError, match="writes it in every compartment"):
        dx.integrate(cell, t_max=1.0)
    with pytest.raises(ValueError, match=">= 0"):
        cell.diffuse("cai", -1.0)
    with pytest.raises(ValueError, match="intracellular concentration"):
        cell.diffuse("cao", 1.0)


def test_diffusion_coefficient_is_a_parameter():
    cell = tree(np.linspace(1e-5, 1e-3, 12))
    a = dx.integrate(cell, t_max=5.0, delta_t=DT, params={"cai_diffusion": 0.0})
    np.testing.assert_allclose(np.asarray(a[:, -1]), np.linspace(1e-5, 1e-3, 12), rtol=1e-12)
    b = dx.integrate(cell, t_max=5.0, delta_t=DT, params={"cai_diffusion": jnp.asarray(1.2)})
    assert np.ptp(np.asarray(b[:, -1])) < np.ptp(np.asarray(a[:, -1]))


def test_gradient_with_respect_to_the_coefficient_at_zero():
    # Bug: at coefficient 0 the branch point between two branches held 0 mM (its row became
    # 1 x = 0), and the gradient saw it as a sink: [-2e-4, -2e-5] instead of [-9e-5, +9e-5]
    # mM per µm²/ms at the two compartments beside it (review). The same cable as one branch,
    # without a branch point, was right; the two must agree.
    def cable(two_branches):
        if two_branches:
            cell = dx.Cell([dx.Branch(length=50.0, radius=0.5, ncomp=5)] * 2, parents=[-1, 0])
        else:
            cell = dx.Branch(length=100.0, radius=0.5, ncomp=10)
        cell.insert(Store())
        cell.set("Store_cai", np.where(np.arange(10) < 5, 1e-3, 1e-4))  # mM: a step
        cell.diffuse("cai", 0.0)
        for k in (4, 5):
            cell.comp(k).record("Store_cai")
        return cell

    grads = []
    for two_branches in (True, False):
        cell = cable(two_branches)

        def last(coefficient, cell=cell):
            return dx.integrate(cell, t_max=10.0, delta_t=DT, params={"cai_diffusion": coefficient})[:, -1]

        zero = jnp.asarray(0.0)
        g = np.asarray(jax.jacrev(last)(zero))
        h = 1e-7  # µm²/ms: one-sided, as the coefficient cannot be negative
        fd = (np.asarray(last(zero + h)) - np.asarray(last(zero))) / h
        np.testing.assert_allclose(g, fd, rtol=1e-4)  # truncation h * c'' / c' ~ 1e-5
        grads.append(g)
        # Coefficient 0 is no diffusion: the step stays as it was.
        np.testing.assert_allclose(np.asarray(last(zero)), [1e-3, 1e-4], rtol=1e-14)
    assert grads[0][0] < 0.0 < grads[0][1]  # calcium flows from the high side to the low
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9)  # a branch point changes nothing
