"""Gradients through every channel parameter of the library, against central differences.

One compartment per family with all its channels (so two compilations of the gradient, not
seventeen), driven through a spike; the loss reads the voltage and the calcium
concentration, so every parameter (conductances, shifts, time constants, the buffer's) acts
on it. Also: the rate functions' removable singularities give finite values and gradients.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
import dendrax.channels as channels

T_MAX, DT = 10.0, 0.025
# Central differences with a relative step of 1e-5: truncation error ~1e-10 relative and
# round-off ~1e-16 / 1e-5 ~ 1e-11 relative of the loss, far below the 1e-4 required.
REL_STEP = 1e-5
RTOL = 1e-4

LEAK = {"Leak_gLeak": 3e-4, "Leak_eLeak": -70.0}
FAMILIES = {
    # Pospischil et al. (2008): a bursting-type cell at the paper's 36 °C.
    "pospischil": (
        ["Na", "K", "Km", "CaL", "CaT", "Leak"],
        {
            "Na_gbar": 0.05, "Na_vt": -55.0, "K_gbar": 0.005, "K_vt": -55.0, "Km_gbar": 7e-4,
            "Km_taumax": 300.0, "CaL_gbar": 2e-4, "CaT_gbar": 4e-4, "CaT_vx": 2.0, **LEAK, "celsius": 36.0,
        },
    ),
    # Hay et al. (2011): all channels and the calcium buffer at 34 °C.
    "hay": (
        ["CaDynamics_E2", "NaTa_t", "NaTs2_t", "Nap_Et2", "K_Pst", "K_Tst", "SKv3_1", "SK_E2", "Im", "Ih",
         "Ca_HVA", "Ca_LVAst", "Leak"],
        {
            "NaTa_t_gbar": 0.02, "NaTs2_t_gbar": 0.02, "Nap_Et2_gbar": 2e-3, "K_Pst_gbar": 5e-3,
            "K_Tst_gbar": 0.03, "SKv3_1_gbar": 0.02, "SK_E2_gbar": 5e-3, "SK_E2_zTau": 2.0, "Im_gbar": 2e-3,
            "Ih_gbar": 2e-4, "Ih_ehcn": -45.0, "Ca_HVA_gbar": 1e-3, "Ca_LVAst_gbar": 2e-3,
            "CaDynamics_E2_gamma": 0.3, "CaDynamics_E2_decay": 30.0, "CaDynamics_E2_depth": 0.2,
            "CaDynamics_E2_minCai": 1e-4, **LEAK, "celsius": 34.0,
        },
    ),
}  # fmt: skip


def compartment(names):
    comp = dx.Compartment(length=20.0, radius=10.0)
    for name in names:
        comp.insert(getattr(channels, name)())
    comp.set("v", -70.0)
    comp.stimulate(dx.step_current(1.0, 4.0, 0.3, DT, T_MAX))
    comp.record("v")
    if "CaDynamics_E2" in names:
        comp.record("CaDynamics_E2_cai")
    else:
        comp.record("CaL_q")
    return comp


MODELS = {family: compartment(names) for family, (names, _) in FAMILIES.items()}


def loss(family, params):
    out = dx.integrate(MODELS[family], t_max=T_MAX, delta_t=DT, params=params)
    v, other = out[0], out[1]
    scale = 1e3 if family == "hay" else 1.0  # cai (mM) -> µM
    return jnp.mean((v + 60.0) ** 2) / 100.0 + jnp.mean((scale * other) ** 2)


def central_difference(family, params, name):
    value = params[name]
    step = REL_STEP * abs(value)
    plus = float(loss(family, dict(params, **{name: value + step})))
    minus = float(loss(family, dict(params, **{name: value - step})))
    return (plus - minus) / (2.0 * step)


_GRADIENTS = {}


def gradient(family):
    if family not in _GRADIENTS:
        _GRADIENTS[family] = jax.grad(lambda p: loss(family, p))(FAMILIES[family][1])
    return _GRADIENTS[family]


@pytest.mark.parametrize("family", FAMILIES)
def test_the_models_spike(family):
    v = np.asarray(dx.integrate(MODELS[family], t_max=T_MAX, delta_t=DT, params=FAMILIES[family][1]))[0]
    assert v.max() > 0.0


CASES = [(family, name) for family, (_, params) in FAMILIES.items() for name in params]


@pytest.mark.parametrize(("family", "name"), CASES, ids=[n for _, n in CASES])
def test_parameter_gradient(family, name):
    params = FAMILIES[family][1]
    g = float(gradient(family)[name])
    fd = central_difference(family, params, name)
    assert g != 0.0 and np.isfinite(g)
    np.testing.assert_allclose(g, fd, rtol=RTOL)


def test_every_channel_parameter_is_covered():
    for names, params in FAMILIES.values():
        for name in names:
            for k in getattr(channels, name).params:
                assert f"{name}_{k}" in params, f"{name}_{k} has no gradient test"


# ---------------------------------------------------------------------- singularities
# (channel, parameters, voltages where a rate is 0/0): the rate functions' removable
# singularities, where published model files step over v with "v = v + 0.0001".
SINGULAR = [
    ("Na", {"vt": -55.0}, [-42.0, -15.0]),  # v - vt = 13, 40
    ("K", {"vt": -55.0}, [-40.0]),  # v - vt = 15
    ("CaL", {}, [-27.0]),
    ("Ca_HVA", {}, [-27.0]),
    ("NaTa_t", {}, [-38.0, -66.0]),
    ("NaTs2_t", {}, [-32.0, -60.0]),
    ("Nap_Et2", {}, [-38.0, -17.0, -64.4]),
    ("Ih", {}, [-154.9]),
]


def gate_values(mech, v, params):
    p = {k: jnp.full_like(v, x) for k, x in {**mech.params, **params}.items()}
    p["celsius"] = jnp.full_like(v, 34.0)
    gates = mech.gates(v, p)
    return jnp.stack([jnp.stack([g.steady_state, g.time_constant]) for g in gates.values()])


@pytest.mark.parametrize(("name", "params", "voltages"), SINGULAR, ids=[s[0] for s in SINGULAR])
def test_removable_singularities(name, params, voltages):
    mech = getattr(channels, name)()
    for v0 in voltages:
        at = gate_values(mech, jnp.array([v0]), params)
        assert np.all(np.isfinite(at)), f"{name} at {v0} mV: {at}"
        # Continuous: the neighbours 1e-6 mV away differ by ~slope * 1e-6.
        for dv in (-1e-6, 1e-6):
            near = gate_values(mech, jnp.array([v0 + dv]), params)
            np.testing.assert_allclose(at, near, rtol=1e-5)
        # Finite derivatives with respect to the voltage and every parameter.
        dv_ = jax.grad(lambda v: jnp.sum(gate_values(mech, v, params)))(jnp.array([v0]))
        assert np.all(np.isfinite(dv_))
        if params:
            at_v0 = functools.partial(gate_values, mech, jnp.array([v0]))
            dp = jax.grad(lambda q, f=at_v0: jnp.sum(f(q)))({k: jnp.asarray(x) for k, x in params.items()})
            assert all(np.isfinite(float(x)) for x in dp.values())


def test_gradient_through_a_clamp_at_a_singularity():
    """A simulation held exactly at NaTa_t's singular -38 mV has finite gradients."""
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(channels.NaTa_t())
    comp.insert(channels.Ih())
    n = int(round(2.0 / DT)) + 1
    waveform = np.concatenate([np.full(n // 2, -154.9), np.full(n - n // 2, -38.0)])  # mV
    comp.clamp("v", waveform)
    comp.record("NaTa_t_m")
    comp.record("Ih_m")

    def f(values):  # the clamp's voltages (mV), through the gates' rates at -38 mV
        return jnp.sum(dx.integrate(comp, t_max=2.0, delta_t=DT, clamps=values[None]))

    g = np.asarray(jax.grad(f)(jnp.asarray(waveform)))
    assert np.all(np.isfinite(g)) and np.any(g[n // 2 :] != 0.0)


@pytest.mark.parametrize("name", ["CaDynamics_E2_gamma", "Ca_HVA_gbar", "SK_E2_gbar"])
def test_crank_nicolson_gradient_through_the_calcium_buffer(name):
    """Under Crank–Nicolson the buffer reads ica moved to the half-step voltage along its
    slope (`simulate.advance`); the gradient flows through that correction too."""
    params = FAMILIES["hay"][1]

    def cn_loss(p):
        out = dx.integrate(MODELS["hay"], t_max=T_MAX, delta_t=DT, params=p, solver=dx.CrankNicolson())
        return jnp.mean((out[0] + 60.0) ** 2) / 100.0 + jnp.mean((1e3 * out[1]) ** 2)

    g = float(jax.grad(cn_loss)(params)[name])
    step = REL_STEP * abs(params[name])
    fd = (float(cn_loss(dict(params, **{name: params[name] + step}))) - float(
        cn_loss(dict(params, **{name: params[name] - step})))) / (2.0 * step)
    assert g != 0.0 and np.isfinite(g)
    np.testing.assert_allclose(g, fd, rtol=RTOL)
