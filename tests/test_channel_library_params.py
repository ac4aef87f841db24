"""The channel library's declarations: citations, units, temperature rules, bad input."""

from __future__ import annotations

import sys

import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
import dendrax.channels as channels

LIBRARY = [
    "Na", "K", "Km", "CaL", "CaT",
    "NaTa_t", "NaTs2_t", "Nap_Et2", "K_Pst", "K_Tst", "SKv3_1", "SK_E2", "Im", "Ih",
    "Ca_HVA", "Ca_LVAst", "CaDynamics_E2",
]  # fmt: skip
PAPER = {name: "Pospischil et al. 2008" for name in LIBRARY[:5]} | {
    name: "Hay et al. 2011" for name in LIBRARY[5:]
}
# Each channel's temperature rule: all its time constants scale by 1 / Q10 per 10 °C.
Q10 = {
    "Na": 3.0, "K": 3.0, "Km": 2.3, "CaL": 1.0, "CaT": 3.0,
    # Hay et al.'s published files fix their Q10 factor (2.3) at 34 °C: no change with celsius.
    "NaTa_t": 1.0, "NaTs2_t": 1.0, "Nap_Et2": 1.0, "K_Pst": 1.0, "K_Tst": 1.0, "SKv3_1": 1.0, "SK_E2": 1.0,
    "Im": 1.0, "Ih": 1.0, "Ca_HVA": 1.0, "Ca_LVAst": 1.0,
}  # fmt: skip


@pytest.mark.parametrize("name", LIBRARY)
def test_documented(name):
    """Each class cites its paper; its module gives the full reference; every parameter has
    a unit and a line in the docstring, every state is named there."""
    cls = getattr(channels, name)
    author, year = PAPER[name].split()[0], PAPER[name].split()[-1]
    assert f"{author} et al. {year}" in cls.__doc__
    module_doc = sys.modules[cls.__module__].__doc__
    assert author in module_doc and f"({year})" in module_doc
    for k in cls.params:
        assert f"{k}:" in cls.__doc__, f"{name}.{k} is not documented"
        if k != "gamma":  # CaDynamics_E2's free fraction is dimensionless
            assert k in cls.units, f"{name}.{k} has no unit"
    for k in cls.states:
        assert f"``{k}``" in cls.__doc__, f"{name}'s state {k} is not documented"
    if "gbar" in cls.params:
        assert cls.units["gbar"] == "S/cm2"


def _time_constants(mech, v, celsius):
    p = {k: jnp.full_like(v, x) for k, x in mech.params.items()}
    p.update({"celsius": jnp.full_like(v, celsius), "cai": jnp.full_like(v, 3e-4)})
    return mech.gates(v, p)


@pytest.mark.parametrize("name", list(Q10))
def test_temperature_rule(name):
    mech = getattr(channels, name)()
    v = jnp.linspace(-100.0, 40.0, 15)
    cold, warm = _time_constants(mech, v, 24.0), _time_constants(mech, v, 34.0)
    for gate in cold:
        np.testing.assert_allclose(cold[gate].steady_state, warm[gate].steady_state, rtol=1e-12)
        np.testing.assert_allclose(cold[gate].time_constant / warm[gate].time_constant, Q10[name], rtol=1e-12)


@pytest.mark.parametrize("name", LIBRARY)
def test_negative_conductance_is_refused_before_compilation(name):
    mech = getattr(channels, name)()
    comp = dx.Compartment()
    comp.insert(mech)
    for k in mech.nonnegative:
        with pytest.raises(ValueError, match=f"{name}_{k}.* must be >= 0"):
            comp.set(f"{name}_{k}", -1e-3)
        comp.set(f"{name}_{k}", 0.0)  # zero is allowed: the channel is off


@pytest.mark.parametrize(
    ("name", "key", "unit"),
    [
        ("Km", "taumax", "ms"),
        ("SK_E2", "zTau", "ms"),
        ("CaDynamics_E2", "decay", "ms"),
        ("CaDynamics_E2", "depth", "um"),
        ("CaDynamics_E2", "cai", "mM"),  # the initial concentration, a state
    ],
)
def test_non_positive_values_are_refused(name, key, unit):
    comp = dx.Compartment()
    comp.insert(getattr(channels, name)())
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match=f"{name}_{key} must be > 0 {unit}; got {bad}"):
            comp.set(f"{name}_{key}", bad)
    with pytest.raises(ValueError, match=r"CaDynamics_E2_gamma must be >= 0"):
        comp2 = dx.Compartment()
        comp2.insert(channels.CaDynamics_E2())
        comp2.set("CaDynamics_E2_gamma", -0.5)


@pytest.mark.parametrize("var", ["cai", "cao", "nai", "nao", "ki", "ko"])
def test_non_positive_ion_concentrations_are_refused(var):
    comp = dx.Compartment()
    comp.insert(channels.SK_E2())
    comp.insert(channels.Na())
    with pytest.raises(ValueError, match=f"{var} is a concentration and must be > 0 mM; got 0.0"):
        comp.set(var, 0.0)
    comp.set(var, 1.5)  # a positive one is fine
    assert comp.get(var)[0] == 1.5


def test_bad_defaults_of_a_user_channel_are_refused_on_creation():
    class Bad(dx.Channel):
        params = {"gbar": -0.1}
        units = {"gbar": "S/cm2"}

    with pytest.raises(ValueError, match=r"Bad: the default of 'gbar' must be >= 0 S/cm2; got -0.1"):
        Bad()

    class BadTau(dx.Mechanism):
        params = {"depth": 0.0}
        units = {"depth": "um"}

    with pytest.raises(ValueError, match=r"BadTau: the default of 'depth' must be > 0 um"):
        BadTau()


def test_defaults_of_the_library_are_valid_and_exported():
    assert set(LIBRARY) <= set(dir(channels))
    for name in LIBRARY:
        getattr(channels, name)()  # __check_init__ accepts the published defaults


def test_calcium_buffer_starts_from_the_ion_concentration():
    comp = dx.Compartment()
    comp.insert(channels.CaDynamics_E2())
    comp.set("cai", 2e-4)
    comp.record("CaDynamics_E2_cai")
    cai = np.asarray(dx.integrate(comp, t_max=1.0))[0]
    assert cai[0] == 2e-4
    # No calcium current: relaxes to minCai = 1e-4 mM with time constant decay = 80 ms.
    np.testing.assert_allclose(cai[-1], 1e-4 + 1e-4 * np.exp(-1.0 / 80.0), rtol=1e-12)


def test_default_eca_is_neurons():
    """NEURON's eca where no mechanism writes cai: eca0_ca_ion = 12.5 mV ln(2 / 5e-5)."""
    comp = dx.Compartment()
    comp.insert(channels.CaL())
    assert comp.get("eca")[0] == pytest.approx(12.5 * np.log(2.0 / 5e-5), rel=1e-15)


def test_the_calcium_floor_may_be_zero_as_in_neuron():
    """A review: minCai = 0 was refused as a non-positive concentration; NEURON takes it (it
    is a floor the buffer relaxes to, not a concentration anything divides by)."""
    comp = dx.Compartment()
    comp.insert(channels.CaDynamics_E2())
    comp.set("CaDynamics_E2_minCai", 0.0)
    with pytest.raises(ValueError, match=r"CaDynamics_E2_minCai must be >= 0 mM; got -0.0001"):
        comp.set("CaDynamics_E2_minCai", -1e-4)


def test_cat_time_constant_and_its_slope_are_finite_in_float32():
    """A review: (211.4 + exp(a)) / (1 + exp(b)) was inf/inf in float32 above 328 mV (its slope
    above 198 mV), a NaN in a run or gradient that strays there. The rewritten form equals
    the formula to float64 round-off where both are finite (1e-13) and is finite everywhere."""
    import jax

    cat = channels.CaT()
    p = {"vx": 2.0, "celsius": 24.0}  # 24 °C: the rates' own temperature (factor 1)

    def tau(v):
        return cat.gates(v, p)["u"].time_constant

    v32 = jnp.linspace(-400.0, 600.0, 2001, dtype=jnp.float32)
    assert tau(v32).dtype == jnp.float32
    assert bool(jnp.all(jnp.isfinite(tau(v32))))
    assert bool(jnp.all(jnp.isfinite(jax.vmap(jax.grad(tau))(v32))))
    v = np.linspace(-150.0, 100.0, 501)
    w = v + 2.0
    formula = 30.8 + (211.4 + np.exp((w + 113.2) / 5.0)) / (1.0 + np.exp((w + 84.0) / 3.2))
    np.testing.assert_allclose(np.asarray(tau(jnp.asarray(v))), formula, rtol=1e-13)
