"""Writing your own channel: the A-type potassium current of the Connor-Stevens model.

A channel is a small class with four declarations and two methods; dendrax does the rest
(storing it per compartment, linearising its current for the implicit voltage step,
advancing its gates exactly over each step, recording, gradients).

1. ``params``: each parameter's default; ``units`` documents them, and dendrax checks the
   physical ones (a conductance in ``S/cm2`` may not be negative).
2. ``states``: the gating variables (their values here only matter if you ask a state not
   to start at steady state).
3. ``ions``: the ions whose variables the channel reads; ``"k"`` gives it ``p["ek"]`` (mV).
4. ``gates(v, p)``: for each gating variable, its steady state and time constant (ms) at
   the membrane potential ``v`` (mV), as ``dx.Gate(inf, tau)``, or from opening and closing
   rates with ``dx.gate_from_rates(alpha, beta)``. Gates start at steady state and relax
   exponentially (NEURON's ``cnexp``). Use ``p["celsius"]`` for a temperature rule, and
   ``dx.vtrap`` for rates of the form x / (exp(x / y) - 1).
5. ``current(s, v, p)``: the outward current density (mA/cm²) per ion (``"k"``, ``"na"``,
   ``"ca"`` or ``"nonspecific"``), from the states ``s``.

The channel's name prefixes its parameters and states in a cell: ``"KA_gbar"``, ``"KA_a"``.

Run it: ``python examples/user_channel.py``.
"""

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import dendrax as dx  # noqa: E402
from dendrax.channels import Leak  # noqa: E402


class KA(dx.Channel):
    """A-type potassium current (Connor & Stevens 1971), as in Dayan & Abbott (2001), §6.2."""

    params = {"gbar": 4.77e-3}  # 47.7 µS/mm²
    units = {"gbar": "S/cm2"}
    states = {"a": 0.0, "b": 1.0}
    ions = ("k",)

    def gates(self, v, p):
        a_inf = (0.0761 * jnp.exp((v + 94.22) / 31.84) / (1.0 + jnp.exp((v + 1.17) / 28.93))) ** (1.0 / 3.0)
        tau_a = 0.3632 + 1.158 / (1.0 + jnp.exp((v + 55.96) / 20.12))
        b_inf = (1.0 / (1.0 + jnp.exp((v + 53.3) / 14.54))) ** 4
        tau_b = 1.24 + 2.678 / (1.0 + jnp.exp((v + 50.0) / 16.027))
        return {"a": dx.Gate(a_inf, tau_a), "b": dx.Gate(b_inf, tau_b)}

    def current(self, s, v, p):
        return {"k": p["gbar"] * s["a"] ** 3 * s["b"] * (v - p["ek"])}


# A voltage-clamp experiment: hold at -90 mV, step to -30 mV at t = 5 ms. The A-current
# activates within a millisecond and inactivates over a few: a transient outward current.
dt, t_max = 0.025, 20.0
t = np.arange(int(round(t_max / dt)) + 1) * dt
command = np.where(t - dt / 2 < 5.0, -90.0, -30.0)  # mV, one value per time point

comp = dx.Compartment(length=20.0, radius=10.0)  # µm
comp.insert(KA())
comp.insert(Leak())
comp.set("ek", -75.0)  # the A-current's reversal potential in the Connor-Stevens model
comp.clamp("v", command)
comp.record("i_KA")  # the channel's current, mA/cm² (outward positive); as NEURON records it,
# each time point holds the current of the step leading to it
i_a = np.asarray(dx.integrate(comp, t_max=t_max, delta_t=dt))[0]
peak = float(i_a.max())
print(f"peak A-current after the step: {peak * 1e3:.3f} µA/cm² at t = {t[i_a.argmax()]:.3f} ms")

# The same channel in a current-clamped compartment, and a gradient through its conductance.
cell = dx.Compartment(length=20.0, radius=10.0)
cell.insert(KA())
cell.insert(Leak())
cell.set("Leak_gLeak", 1e-4)
cell.set("v", -70.0)
cell.stimulate(dx.step_current(i_delay=2.0, i_dur=10.0, i_amp=0.05, delta_t=dt, t_max=t_max))  # nA
cell.record("v")


def mean_depolarisation(gbar):
    v = dx.integrate(cell, t_max=t_max, delta_t=dt, params={"KA_gbar": gbar})[0]
    return jnp.mean(v + 70.0)


slope = float(jax.grad(mean_depolarisation)(4.77e-3))
print(f"d(mean depolarisation)/d(KA_gbar) = {slope:.1f} mV per S/cm²")
