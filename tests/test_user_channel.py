"""User-defined channels from the docs run exactly as written there.

examples/user_channel.py is executed as a script (runpy) and its numbers are checked against
independent references: under an ideal voltage clamp, a gate held at a constant voltage
relaxes exactly exponentially, so its trace has a closed form; the gradient it prints is
checked against central differences. The `dx.Channel` docstring's example (a
delayed-rectifier channel) is executed as written and compared with `HH`'s potassium gate.
"""

from __future__ import annotations

import copy
import pickle
import re
import runpy
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "user_channel.py"


# The Connor-Stevens A-current's gates (Dayan & Abbott 2001), written again in NumPy.
def a_inf(v):
    return (0.0761 * np.exp((v + 94.22) / 31.84) / (1.0 + np.exp((v + 1.17) / 28.93))) ** (1.0 / 3.0)


def tau_a(v):
    return 0.3632 + 1.158 / (1.0 + np.exp((v + 55.96) / 20.12))


def b_inf(v):
    return (1.0 / (1.0 + np.exp((v + 53.3) / 14.54))) ** 4


def tau_b(v):
    return 1.24 + 2.678 / (1.0 + np.exp((v + 50.0) / 16.027))


def relaxation(t, inf, tau, v0, v1, t_step):
    """A gate at steady state at v0 until t_step, then held at v1."""
    after = inf(v1) + (inf(v0) - inf(v1)) * np.exp(-(t - t_step) / tau(v1))
    return np.where(t <= t_step, inf(v0), after)


def test_the_example_runs_as_written(capsys):
    ns = runpy.run_path(str(EXAMPLE), run_name="__main__")
    printed = capsys.readouterr().out
    t = ns["t"]
    # The clamp holds -90 mV until t = 5 ms, then -30 mV; each step is exact for a clamped
    # gate, so the traces are the closed form to round-off.
    a = relaxation(t, a_inf, tau_a, -90.0, -30.0, 5.0)
    b = relaxation(t, b_inf, tau_b, -90.0, -30.0, 5.0)
    # The recorded current: 4.77e-3 S/cm² · a³ b · (v - ek) (mA/cm²; ~3e-2 at its peak, so
    # 1e-15 is round-off); at each point that of the step leading to it, as NEURON records.
    i = 4.77e-3 * a**3 * b * (ns["command"] + 75.0)
    np.testing.assert_allclose(ns["i_a"][1:], i[:-1], rtol=0, atol=1e-15)
    assert abs(ns["peak"] - i.max()) < 1e-12
    assert f"{i.max() * 1e3:.3f} µA/cm²" in printed
    # The printed gradient, against central differences of the example's own function.
    f = ns["mean_depolarisation"]
    g, h = 4.77e-3, 4.77e-8
    fd = (float(f(g + h)) - float(f(g - h))) / (2.0 * h)
    np.testing.assert_allclose(ns["slope"], fd, rtol=1e-5)
    assert ns["slope"] < 0.0  # more potassium conductance, less depolarisation
    assert f"= {ns['slope']:.1f} mV per S/cm²" in printed


def test_the_channel_docstring_example_runs_as_written():
    """The 15-line channel in `dx.Channel`'s documentation, executed verbatim."""
    doc = dx.mechanisms.channel.__doc__
    block = doc.split("::\n", 1)[1]
    code = "\n".join(line[4:] for line in block.splitlines() if line.startswith("    ") or not line.strip())
    code = code.replace('\\"\\"\\"', '"""')
    assert re.search(r"class Kdr\(dx\.Channel\)", code)
    ns: dict = {}
    exec(compile(code, "dendrax.mechanisms.channel (docstring)", "exec"), ns)
    kdr = ns["Kdr"]()

    def potassium_gate(mech, name):
        comp = dx.Compartment(length=20.0, radius=10.0)
        comp.insert(mech)
        n = int(round(10.0 / 0.025)) + 1
        comp.clamp("v", np.where(np.arange(n) * 0.025 <= 2.0, -65.0, 0.0))
        comp.record(name)
        return np.asarray(dx.integrate(comp, t_max=10.0, delta_t=0.025))[0]

    # At NEURON's default 6.3 °C, HH's temperature factor is 1 and its n gate is Kdr's.
    np.testing.assert_allclose(potassium_gate(kdr, "Kdr_n"), potassium_gate(HH(), "HH_n"), rtol=0, atol=1e-14)
    v = jnp.array([-65.0, 0.0])
    p = {"gK": jnp.full(2, 0.036), "ek": jnp.full(2, -77.0)}
    s = {"n": jnp.array([0.3, 0.9])}
    np.testing.assert_allclose(kdr.current(s, v, p)["k"], 0.036 * s["n"] ** 4 * (v + 77.0))


def test_a_channels_defaults_are_read_only_and_shared_safely():
    class Slow(dx.Channel):
        params = {"gbar": 1e-3}  # S/cm²
        units = {"gbar": "S/cm2"}
        states = {"n": 0.1}

    for cls in (Slow, HH):
        with pytest.raises(TypeError):
            cls.params["gbar" if cls is Slow else "gNa"] = 1.0
    assert dict(Slow.params) == {"gbar": 1e-3} and HH.params["gNa"] == 0.12
    comp = dx.Compartment()
    comp.insert(Slow())
    comp.set("Slow_gbar", 2e-3)  # a model's value, not the class's default
    assert comp.get("Slow_gbar").tolist() == [2e-3] and Slow.params["gbar"] == 1e-3
    assert copy.deepcopy(HH.params) == HH.params == pickle.loads(pickle.dumps(HH.params))
    # Classes that declare no dict of their own share the base class's: read-only too.
    for defaults in (dx.Mechanism.states, dx.channels.Leak.states, dx.synapses.GapJunction.states):
        with pytest.raises(TypeError):
            defaults["x"] = 0.0
    assert jax.tree.leaves(HH.params) == [0.12, 0.036, 0.0003, -54.3]  # a pytree like a dict


@pytest.mark.parametrize("name", ["ek", "celsius"])
def test_a_parameter_named_as_a_supplied_variable_is_refused(name):
    """``p["ek"]`` is the ion's reversal potential and ``p["celsius"]`` the model's
    temperature: a parameter of that name was silently shadowed (settable and trainable, and
    never used). Refused when the class is defined, naming the clash."""
    with pytest.raises(TypeError, match=f"Kx.params declares '{name}', but p\\['{name}'\\] is"):

        class Kx(dx.Channel):
            params = {"gK": 0.036, name: -90.0 if name == "ek" else 20.0}
            units = {"gK": "S/cm2"}
            ions = ("k",)


def test_mistakes_in_a_user_mechanism_name_it():
    """A misspelt parameter, an ion not declared, and states or currents of the wrong shape or
    dtype failed inside JAX's tracing with a bare ``KeyError: 'gk'`` or "scan body function
    carry input and carry output must have equal types"; each now names the mechanism."""

    class Kx(dx.Channel):
        params = {"gK": 0.036}
        units = {"gK": "S/cm2"}
        states = {"n": 0.3}
        ions = ("k",)

        def gates(self, v, p):
            return {"n": dx.Gate(jnp.full_like(v, 0.3), jnp.full_like(v, 5.0))}  # tau ms

        def current(self, s, v, p):
            return {"k": p["gk"] * s["n"] * (v - p["ek"])}

    class NoIon(Kx):
        ions = ()

        def current(self, s, v, p):
            return p["gK"] * s["n"] * (v - p["ek"])

    class Float32State(dx.Mechanism):
        states = {"a": 0.0}

        def update_states(self, s, v, dt, p):
            return {"a": s["a"].astype(jnp.float32)}

    class ScalarState(dx.Mechanism):
        states = {"a": 0.0}

        def init_states(self, v, p):
            return {"a": 0.0}

    class WrongCurrent(dx.Mechanism):
        def current(self, s, v, p):
            return jnp.zeros(3)

    cases = [
        (Kx, KeyError, r"Kx: p\['gk'\] is none of its inputs \(celsius, ek, gK, ki, ko\); did you mean 'gK'\?"),
        (NoIon, KeyError, r"NoIon: p\['ek'\] is a variable of ion 'k', which NoIon does not use: add it"),
        (Float32State, TypeError, r"Float32State.update_states\(\) returned state 'a' of shape \(2,\) and dtype float32"),
        (ScalarState, TypeError, r"ScalarState.init_states\(\) returned state 'a' of shape \(\)"),
        (WrongCurrent, ValueError, r"WrongCurrent.current\(\) returned a current of shape \(3,\)"),
    ]
    for cls, error, match in cases:
        branch = dx.Branch(ncomp=2)
        branch.insert(cls())
        branch.record("v")
        with pytest.raises(error, match=match):
            dx.integrate(branch, t_max=0.1)


@pytest.mark.parametrize("through", ["tree_map", "cond", "checkpoint"])
def test_p_passes_through_jax_functions_as_a_dict(through):
    """``p`` (the mechanism's inputs) is a pytree like the plain dict it was: a mechanism may
    hand it to jax.tree.map, lax.cond or jax.checkpoint (it failed as "Inputs is not a valid
    JAX type" once ``p`` gained its helpful KeyError)."""
    wrap = {
        "tree_map": lambda p: jax.tree.map(lambda x: 1.0 * x, p),
        "cond": lambda p: jax.lax.cond(True, lambda q: q, lambda q: q, p),
        "checkpoint": lambda p: jax.checkpoint(lambda q: q)(p),
    }[through]

    class Kp(dx.Channel):
        params = {"gK": 0.01}  # S/cm²
        units = {"gK": "S/cm2"}
        states = {"n": 0.3}
        ions = ("k",)

        def update_states(self, s, v, dt, p):
            return dict(s)

        def current(self, s, v, p):
            q = wrap(p)
            return {"k": q["gK"] * s["n"] * (v - q["ek"])}

    comp = dx.Compartment()
    comp.insert(Kp())
    comp.record("v")
    v = np.asarray(dx.integrate(comp, t_max=0.1))[0]
    # mV: dv/dt = -g n (v - ek) / cm with a constant n: exponential relaxation towards ek.
    rate = 0.01 * 0.3 / 1e-3  # 1/ms (S/cm² over µF/cm²)
    np.testing.assert_allclose(v[-1], -77.0 + 12.0 * (1 + rate * 0.025) ** -4, rtol=1e-12)
