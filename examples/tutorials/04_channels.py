"""Tutorial 4: your own channels, pumps and synapses in Python, and importing .mod files.

Run it from the repository root:

    python examples/tutorials/04_channels.py

Figures go to examples/tutorials/out/ (or $DENDRAX_TUTORIAL_OUT); DENDRAX_QUICK=1 shortens
the simulations. The .mod import needs `dendrax.nmodl`; the script skips that part, with a
message, in versions of dendrax without it.
"""

# --8<-- [start:setup]
import os
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dendrax as dx  # noqa: E402
from dendrax.channels import HH, SK_E2, Ca_HVA  # noqa: E402

QUICK = os.environ.get("DENDRAX_QUICK") == "1"
OUT = Path(os.environ.get("DENDRAX_TUTORIAL_OUT", Path(__file__).parent / "out"))
OUT.mkdir(parents=True, exist_ok=True)
DT = 0.025  # ms
# --8<-- [end:setup]


# --8<-- [start:channel]
class Kdr(dx.Channel):
    """Delayed-rectifier potassium current (Hodgkin & Huxley 1952), with a Q10 of 3."""

    params = {"gbar": 0.036}  # default value of each parameter
    units = {"gbar": "S/cm2"}  # S/cm2: dendrax refuses negative values
    states = {"n": 0.3177}  # used only if you ask n not to start at steady state
    ions = ("k",)  # gives p["ek"] (mV); the current below is carried by potassium

    def gates(self, v, p):
        """For each gate: steady state and time constant at voltage v (mV), here from rates (1/ms)."""
        q10 = 3.0 ** ((p["celsius"] - 6.3) / 10.0)  # p["celsius"]: the model's temperature, °C
        alpha = 0.01 * dx.vtrap(-(v + 55.0), 10.0)  # x / (exp(x / y) - 1), finite at x = 0
        beta = 0.125 * jnp.exp(-(v + 65.0) / 80.0)
        return {"n": dx.gate_from_rates(alpha, beta, q10)}

    def current(self, s, v, p):
        """Outward current density, mA/cm², per ion."""
        return {"k": p["gbar"] * s["n"] ** 4 * (v - p["ek"])}


# --8<-- [end:channel]

# --8<-- [start:clamp]
# A voltage-clamp family: hold at -80 mV, step to a command, record the gate. The clamp values
# are an input of the simulation, so vmap runs all commands in one call.
comp = dx.Compartment(length=20.0, radius=10.0)
comp.insert(Kdr())
comp.set("celsius", 16.3)  # °C: the gate is 3 times faster than at 6.3 °C
t_max = 20.0
n_points = int(round(t_max / DT)) + 1
t = np.arange(n_points) * DT
comp.clamp("v", np.full(n_points, -80.0))  # mV, one value per time point
comp.record("Kdr_n")  # the gate
comp.record("i_Kdr")  # the channel's current density, mA/cm² (outward positive)
sim = dx.simulator(comp, t_max=t_max, delta_t=DT)
commands = jnp.arange(-60.0, 41.0, 20.0 if QUICK else 10.0)  # mV
waves = jnp.where(jnp.asarray(t)[None, :] >= 2.0, commands[:, None], -80.0)  # (commands, time)
recorded = np.asarray(jax.vmap(lambda w: sim(None, clamps=w[None]))(waves))  # (commands, recordings, time)
n_gate, i_k = recorded[:, 0], recorded[:, 1]
print(f"Kdr: steady-state current at +40 mV {i_k[-1, -1] * 1e3:.0f} µA/cm²")
# --8<-- [end:clamp]


# --8<-- [start:pump]
class CaPump(dx.Mechanism):
    """Calcium in a submembrane shell: influx from the calcium current, removal by a pump.

    dcai/dt = -gamma ica / (2 F depth) - vmax (cai - cai0) / (km + cai)

    (gamma: the fraction of the influx not taken up by buffers.)
    The pump's rate is taken at the step's start, so each step is exact for it (and cai stays
    positive). The mechanism *writes* cai: where it is inserted, eca follows the Nernst
    equation, and other mechanisms read this step's cai (writers update first).
    """

    params = {"gamma": 0.05, "depth": 0.1, "vmax": 1e-4, "km": 1e-3, "cai0": 5e-5}
    units = {"depth": "um", "vmax": "mM/ms", "km": "mM", "cai0": "mM", "cai": "mM"}  # um, mM: must be > 0
    states = {"cai": 5e-5}
    ions = ("ca",)  # gives p["ica"] (mA/cm², all calcium currents), p["cai"], p["cao"], p["eca"]
    writes = ("cai",)  # the state cai is the compartment's calcium concentration

    def init_states(self, v, p):
        return {"cai": jnp.broadcast_to(p["cai0"], jnp.shape(v)).astype(v.dtype)}

    def update_states(self, s, v, dt, p):
        faraday = 96485.33212  # C/mol
        influx = -1e4 * p["gamma"] * p["ica"] / (2.0 * faraday * p["depth"])  # mM/ms (1e4: units)
        rate = p["vmax"] / (p["km"] + s["cai"])  # 1/ms, held over the step
        steady = p["cai0"] + influx / rate
        return {"cai": steady + (s["cai"] - steady) * jnp.exp(-dt * rate)}


# --8<-- [end:pump]


# --8<-- [start:pump_use]
# A spiking compartment with calcium channels, the pump, and a calcium-activated potassium
# current (SK, from the library) that reads cai: SK opens with the calcium each spike lets in
# and slows the firing (16 spikes instead of 18 in 250 ms here).
def bursting(with_sk: bool):
    c = dx.Compartment(length=20.0, radius=10.0)
    c.insert(CaPump())  # writes cai: the mechanisms that read it see this step's calcium
    c.insert(HH())
    c.insert(Ca_HVA())
    c.set("Ca_HVA_gbar", 5e-4)  # S/cm²
    c.set("ek", -85.0)  # mV, in both cells: only SK differs
    if with_sk:
        c.insert(SK_E2())
        c.set("SK_E2_gbar", 2e-4)
    c.stimulate(dx.step_current(i_delay=5.0, i_dur=200.0, i_amp=0.3, delta_t=DT, t_max=t_pump))
    c.record("v")
    c.record("CaPump_cai")
    return c


t_pump = 100.0 if QUICK else 250.0
(v_plain, ca_plain), (v_sk, ca_sk) = (
    np.asarray(dx.integrate(bursting(sk), t_max=t_pump, delta_t=DT)) for sk in (False, True)
)
n_plain, n_sk = (int(np.sum((v[1:] >= 0.0) & (v[:-1] < 0.0))) for v in (v_plain, v_sk))
print(
    f"without SK: {n_plain} spikes, peak cai {ca_plain.max() * 1e3:.2f} µM; "
    f"with SK: {n_sk} spikes, peak cai {ca_sk.max() * 1e3:.2f} µM"
)
# --8<-- [end:pump_use]


# --8<-- [start:synapse]
class NMDA(dx.Synapse):
    """NMDA receptor: a double-exponential conductance (like Exp2Syn) with a magnesium block
    (Jahr & Stevens 1990): i = g B(v) (v - e), B(v) = 1 / (1 + exp(-0.062 v) [Mg] / 3.57)."""

    params = {"tau1": 2.0, "tau2": 80.0, "e": 0.0, "mg": 1.0}  # ms, ms, mV, mM
    units = {"tau1": "ms", "tau2": "ms", "e": "mV", "mg": "mM"}
    states = {"A": 0.0, "B": 0.0}  # µS
    event_driven = True  # driven by presynaptic spikes (weight in µS, delay in ms)

    def current(self, s, v, v_pre, p):
        """Outward current, nA (a point current, like NEURON's point processes)."""
        block = 1.0 / (1.0 + jnp.exp(-0.062 * v) * p["mg"] / 3.57)
        return (s["B"] - s["A"]) * block * (v - p["e"])

    def update_states(self, s, v, v_pre, dt, p):
        return {"A": s["A"] * jnp.exp(-dt / p["tau1"]), "B": s["B"] * jnp.exp(-dt / p["tau2"])}

    def receive(self, s, weight, p):
        """Add a spike's weight so that the conductance peaks at `weight` (µS)."""
        t_peak = p["tau1"] * p["tau2"] / (p["tau2"] - p["tau1"]) * jnp.log(p["tau2"] / p["tau1"])
        factor = 1.0 / (jnp.exp(-t_peak / p["tau2"]) - jnp.exp(-t_peak / p["tau1"]))
        return {"A": s["A"] + weight * factor, "B": s["B"] + weight * factor}


# --8<-- [end:synapse]

# --8<-- [start:synapse_use]
pre = dx.Compartment(length=20.0, radius=10.0)
pre.insert(HH())
post = dx.Cell(
    [dx.Branch(length=20.0, radius=8.0), dx.Branch(length=300.0, radius=1.0, ncomp=5)], parents=[-1, 0]
)
post.insert(HH())
pair = dx.Network([pre, post])
dx.connect(pair.cell(0), pair.cell(1).branch(1).loc(0.7), NMDA(), weight=0.001, delay=1.0)
t_syn = 150.0 if QUICK else 300.0
pulses = sum(dx.step_current(10.0 + 10.0 * k, 1.0, 1.0, DT, t_syn) for k in range(3))  # three spikes
pair.cell(0).stimulate(pulses)
pair.cell(1).branch(1).loc(0.7).record("v")
v_mg = np.asarray(dx.integrate(pair, t_max=t_syn, delta_t=DT))[0]
pair.synapses.NMDA.set("mg", 0.0)  # a synapse parameter: same model, new values
v_no_mg = np.asarray(dx.integrate(pair, t_max=t_syn, delta_t=DT))[0]
print(
    f"NMDA EPSP in the dendrite: {v_mg.max() + 65:.1f} mV with 1 mM Mg, {v_no_mg.max() + 65:.1f} mV without"
)
# --8<-- [end:synapse_use]

# --8<-- [start:plot]
fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
colours = plt.get_cmap("viridis")(np.linspace(0.0, 1.0, len(commands)))  # one per command
for row, vc, colour in zip(i_k, np.asarray(commands), colours):
    axes[0].plot(t, row * 1e3, color=colour, label=f"{vc:.0f} mV")
axes[0].set_xlabel("time (ms)")
axes[0].set_ylabel("I_K (µA/cm²)")
axes[0].set_title("Kdr under voltage clamp")
axes[0].legend(fontsize=7, ncol=2)
tp = np.arange(len(v_plain)) * DT
axes[1].plot(tp, v_plain, lw=0.8, label="HH + Ca_HVA + CaPump")
axes[1].plot(tp, v_sk, lw=0.8, label="... + SK_E2")
axes[1].set_xlabel("time (ms)")
axes[1].set_ylabel("v (mV)")
ax_ca = axes[1].twinx()
ax_ca.plot(tp, ca_sk * 1e3, color="k", lw=1.5, label="cai (with SK)")
ax_ca.set_ylabel("cai (µM)")
lines = axes[1].get_lines() + ax_ca.get_lines()
axes[1].legend(lines, [line.get_label() for line in lines], fontsize=7, loc="upper right")
axes[1].set_title("a pump that writes cai")
ts = np.arange(len(v_mg)) * DT
axes[2].plot(ts, v_mg, label="1 mM Mg²⁺")
axes[2].plot(ts, v_no_mg, label="0 mM Mg²⁺")
axes[2].set_xlabel("time (ms)")
axes[2].set_ylabel("dendritic v (mV)")
axes[2].set_title("NMDA synapse, three presynaptic spikes")
axes[2].legend(fontsize=7)
fig.tight_layout()
fig.savefig(OUT / "04_mechanisms.png", dpi=100)
plt.close(fig)
# --8<-- [end:plot]

# --8<-- [start:mod_file]
# The same delayed rectifier as a NEURON .mod file.
KDR_MOD = """\
NEURON {
    SUFFIX kdr
    USEION k READ ek WRITE ik
    RANGE gbar
}
UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}
PARAMETER {
    gbar = 0.036 (S/cm2)
}
ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    celsius (degC)
    ninf
    ntau (ms)
}
STATE { n }
BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * n^4 * (v - ek)
}
INITIAL {
    rates(v)
    n = ninf
}
DERIVATIVE states {
    rates(v)
    n' = (ninf - n) / ntau
}
PROCEDURE rates(v (mV)) {
    LOCAL a, b, q10
    q10 = 3^((celsius - 6.3) / 10)
    a = 0.01 * vtrap(-(v + 55), 10)
    b = 0.125 * exp(-(v + 65) / 80)
    ntau = 1 / (q10 * (a + b))
    ninf = a / (a + b)
}
FUNCTION vtrap(x, y) {
    if (fabs(x / y) < 1e-6) {
        vtrap = y * (1 - x / y / 2)
    } else {
        vtrap = x / (exp(x / y) - 1)
    }
}
"""
mod_dir = OUT / "04_mod"
mod_dir.mkdir(exist_ok=True)
(mod_dir / "kdr.mod").write_text(KDR_MOD)
# --8<-- [end:mod_file]

# --8<-- [start:mod_import]
KdrFromMod = dx.nmodl.load(mod_dir / "kdr.mod")  # a mechanism class, like Kdr above
print(dx.nmodl.to_python(mod_dir / "kdr.mod"))  # the Python it stands for
everything = dx.nmodl.load_dir(mod_dir)  # every .mod file of a folder
print(f"loaded from {mod_dir.name}: {everything}")
mech = KdrFromMod()
twin = dx.Compartment(length=20.0, radius=10.0)
twin.insert(mech)
twin.set("celsius", 16.3)
twin.clamp("v", np.asarray(waves[-1]))
twin.record(f"{mech.name}_n")
n_mod = np.asarray(dx.integrate(twin, t_max=t_max, delta_t=DT))[0]
print(
    f"{mech.name} from kdr.mod against Kdr in Python: max |Δn| = {np.abs(n_mod - n_gate[-1]).max():.2e}"
)
print(f"figures written to {OUT}")
# --8<-- [end:mod_import]
