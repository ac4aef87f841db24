"""Passive cables against analytic solutions, and the order of convergence in space and time."""

import numpy as np
import pytest
import scipy.linalg

import dendrax as dx
from dendrax.channels import Leak

# Rallpack 1 (Bhalla et al. 1992): 1 mm cable, 1 µm diameter, Rm 40 kΩ·cm², Cm 1 µF/cm²,
# Ra 100 Ω·cm, 0.1 nA injected at x = 0 from t = 0, sealed ends. lambda = tau-scaled below.
LENGTH, DIAMETER, RM, CM, RA, I_NA = 1000.0, 1.0, 40000.0, 1.0, 100.0, 0.1
E_REST = -65.0


def rallpack_cable(ncomp, delta_t, t_max, inject_at=0.0, record_at=(0.0, 1.0)):
    cable = dx.Branch(length=LENGTH, radius=DIAMETER / 2, ncomp=ncomp)
    cable.insert(Leak())
    cable.set("Leak_gLeak", 1.0 / RM)
    cable.set("Leak_eLeak", E_REST)
    cable.set("capacitance", CM)
    cable.set("axial_resistivity", RA)
    cable.loc(inject_at).stimulate(np.full(int(round(t_max / delta_t)) + 1, I_NA))
    for x in record_at:
        cable.loc(x).record("v")
    return cable


def cable_constants():
    lam = np.sqrt(RM / RA * (DIAMETER * 1e-4) / 4.0)  # cm
    tau = RM * CM * 1e-3  # ms
    r_axial = 4.0 * RA / (np.pi * (DIAMETER * 1e-4) ** 2)  # Ω/cm
    return lam, tau, r_axial


def analytic_sealed_cable(x_um, t_ms, terms=4000):
    """V - E_rest (mV) of a finite sealed cable with a current step at x = 0 (cosine series)."""
    lam, tau, r_axial = cable_constants()
    big_l = LENGTH * 1e-4 / lam
    big_x = x_um * 1e-4 / lam
    big_t = np.asarray(t_ms)[:, None] / tau
    n = np.arange(terms)[None, :]
    k = (n * np.pi / big_l) ** 2
    weight = np.where(n == 0, 1.0, 2.0) * np.cos(n * np.pi * big_x / big_l) / (1.0 + k)
    series = np.sum(weight * (1.0 - np.exp(-(1.0 + k) * big_t)), axis=1)
    return I_NA * 1e-9 * r_axial * lam / big_l * series * 1e3


def test_rallpack1_against_analytic():
    # 10 µm compartments and 5 µs steps: discretisation error ~0.03 % of max |V|, inside the
    # Rallpack criterion of 0.1 % (the error is largest just after the onset).
    dt, t_max = 0.005, 250.0
    v = np.asarray(dx.integrate(rallpack_cable(100, dt, t_max), t_max=t_max, delta_t=dt)) - E_REST
    t = np.arange(v.shape[1]) * dt
    for row, x in enumerate((0.0, LENGTH)):
        exact = analytic_sealed_cable(x, t)
        assert np.max(np.abs(v[row] - exact)) < 1e-3 * np.max(np.abs(exact))


def test_second_order_in_space():
    """Steady state at both ends against cosh/sinh; error falls as (compartment length)²."""
    lam, _, r_axial = cable_constants()
    big_l = LENGTH * 1e-4 / lam
    scale = I_NA * 1e-9 * r_axial * lam * 1e3
    exact = np.array([scale * np.cosh(big_l) / np.sinh(big_l), scale / np.sinh(big_l)])
    ncomps = np.array([5, 10, 20, 40])
    errors = []
    for n in ncomps:
        # 15 tau with backward Euler: the time error vanishes at steady state.
        v = np.asarray(dx.integrate(rallpack_cable(n, 0.5, 600.0), t_max=600.0, delta_t=0.5)) - E_REST
        errors.append(np.max(np.abs(v[:, -1] - exact)))
    order = np.polyfit(np.log(LENGTH / ncomps), np.log(errors), 1)[0]
    assert 1.9 < order < 2.1, (order, errors)


def semi_discrete_exact(n, t_max, inject_comp):
    """The same n-compartment cable solved exactly in time (matrix exponential)."""
    length = LENGTH / n
    area = np.pi * DIAMETER * length  # µm²
    capacitance = CM * area * 1e-5  # nF
    g_membrane = area * 1e-2 / RM  # µS
    g_axial = 1.0 / (1e-2 * RA * length / (np.pi * DIAMETER**2 / 4.0))  # µS
    g = np.diag(np.full(n, g_membrane))
    for i in range(n - 1):
        g[i, i] += g_axial
        g[i + 1, i + 1] += g_axial
        g[i, i + 1] -= g_axial
        g[i + 1, i] -= g_axial
    current = np.zeros(n)
    current[inject_comp] = I_NA
    steady = np.linalg.solve(g, current)
    return steady - scipy.linalg.expm(-g / capacitance * t_max) @ steady


@pytest.mark.parametrize(
    "solver, expected_order", [(dx.BackwardEuler(), 1.0), (dx.CrankNicolson(), 2.0)], ids=["BE", "CN"]
)
def test_order_in_time(solver, expected_order):
    n, t_max = 20, 5.0
    inject = 0.3  # inside compartment 6
    exact = semi_discrete_exact(n, t_max, inject_comp=int(inject * n))
    dts = np.array([0.2, 0.1, 0.05, 0.025])
    errors = []
    for dt in dts:
        cable = rallpack_cable(n, dt, t_max, inject_at=inject, record_at=[(j + 0.5) / n for j in range(n)])
        v = np.asarray(dx.integrate(cable, t_max=t_max, delta_t=dt, solver=solver))[:, -1] - E_REST
        errors.append(np.max(np.abs(v - exact)))
    order = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert abs(order - expected_order) < 0.1, (order, errors)
