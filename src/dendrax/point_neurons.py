"""Point neurons: leaky integrate-and-fire, Izhikevich, adaptive exponential, rate unit.

Each replaces the capacitive membrane of a single compartment (see `PointNeuron`); the
compartment's input is the current injected there (stimuli and synapses) minus its
channels' currents, in nA. Units follow dendrax: mV, ms, nA, nF, µS.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .mechanisms.gating import relax_linear
from .mechanisms.point_neuron import PointNeuron

__all__ = ["AdEx", "Izhikevich", "LIF", "RateNeuron"]


class LIF(PointNeuron):
    """Leaky integrate-and-fire neuron (Lapicque 1907; e.g. Gerstner et al. 2014, ch. 1).

    ``C dv/dt = -gLeak (v - eLeak) + I``; when ``v`` reaches ``vTh`` it is reset to
    ``vReset`` and held there for ``tRef`` ms (rounded to whole steps). Between spikes the
    input is taken as linear in the voltage over each step (its current and conductance at
    the step's start: synapses and channels in the compartment) and the voltage is
    integrated exactly (exponential relaxation), so a large synaptic conductance does not
    overshoot its reversal potential.

    Parameters: ``C`` capacitance (nF, 0.2), ``gLeak`` (µS, 0.01), ``eLeak`` (mV, -70),
    ``vTh`` (mV, -50), ``vReset`` (mV, -70, below ``vTh``), ``tRef`` (ms, 2, >= 0).
    States: ``refractory`` (ms left), ``spike`` (1 in the step of a spike), ``drive`` (mV:
    the voltage before any reset minus ``vTh``, ``vReset - vTh`` while refractory; the
    spike is ``drive >= 0``, and `dx.Surrogate` differentiates spikes through it).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.point_neurons import LIF
        >>> cell = dx.Compartment()
        >>> cell.insert(LIF())
        >>> cell.stimulate([0.3] * 4001)
        >>> cell.record("LIF_spike")
        >>> int(dx.integrate(cell, t_max=100.0).sum())  # 30 mV above rest: one spike per 24 ms
        4
    """

    params = {"C": 0.2, "gLeak": 0.01, "eLeak": -70.0, "vTh": -50.0, "vReset": -70.0, "tRef": 2.0}
    units = {"C": "nF", "gLeak": "uS", "eLeak": "mV", "vTh": "mV", "vReset": "mV", "tRef": "ms"}
    states = {"refractory": 0.0, "spike": 0.0, "drive": -20.0}

    @property
    def positive(self):
        return ("C", "gLeak")

    @property
    def nonnegative(self):
        return ("tRef", "refractory")

    input_conductance = True  # synaptic conductances are integrated with the leak

    def conflicts(self, p):
        # Found by review: a reset at or above the threshold was accepted, and the cell then
        # fired every step after its refractory period, with no input at all.
        if not {"vReset", "vTh"} <= set(p):  # a subclass with parameters of its own
            return {}
        return {
            "{name}_vReset = {vReset:g} mV is not below {name}_vTh = {vTh:g} mV: a reset at or above the threshold "
            "fires again as soon as the cell is released, with no input; set {name}_vReset below {name}_vTh": (
                p["vReset"] >= p["vTh"]
            )
        }

    def update_voltage(self, v, s, i_in, dt, p, g_in=0.0):
        # The input over the step is i_in - g_in (v' - v) (nA): a conductance held as a
        # current overshot its reversal (an inhibitory 30 µS synapse at -90 mV drove v to
        # -145 mV at dt = 0.025 ms); with it, the relaxation is exact for linear input.
        g = p["gLeak"] + g_in
        v_inf = p["eLeak"] + (i_in + g_in * (v - p["eLeak"])) / g
        v_free = relax_linear(v, v_inf, dt * g / p["C"])  # exact in float32 too
        # Held while more than half a step is left: tRef rounded to whole steps. (A test of
        # > 0 counted one step too many whenever the repeated subtraction of dt left a
        # round-off remainder, e.g. tRef = 2 ms at dt = 0.025 ms.)
        refractory = s["refractory"] > 0.5 * dt
        v_next = jnp.where(refractory, p["vReset"], v_free)
        spike = (~refractory) & (v_next >= p["vTh"])
        v_next = jnp.where(spike, p["vReset"], v_next)
        # The time left is recomputed from its count of whole steps, ceil(r / dt - 1/2) (the
        # count the hold test above gives), not by subtracting dt each step: in float32,
        # 50,000 subtractions of 0.001 ms from 50 ms accumulated 16 steps of round-off.
        steps_left = jnp.maximum(jnp.ceil(s["refractory"] / dt - 0.5) - 1.0, 0.0)
        left = jnp.where(spike, p["tRef"], steps_left * dt)
        # No spike can happen while refractory: no surrogate gradient either.
        drive = jnp.where(refractory, jax.lax.stop_gradient(p["vReset"] - p["vTh"]), v_free - p["vTh"])
        return v_next, {"refractory": left, "spike": spike.astype(v.dtype), "drive": drive}

    def init_states(self, v, p):
        return {"refractory": jnp.zeros_like(v), "spike": jnp.zeros_like(v), "drive": v - p["vTh"]}


class Izhikevich(PointNeuron):
    """Izhikevich (2003), IEEE Trans. Neural Netw. 14:1569-1572.

    ``dv/dt = 0.04 v² + 5 v + 140 - u + I / C``, ``du/dt = a (b v - u)``; when ``v >= 30`` mV:
    ``v = c``, ``u += d``. Forward Euler with the step ``dt`` (the paper uses 1 ms split in
    two half steps for v; use a small ``dt`` for accuracy). ``C`` (nF, 1) converts the input
    current to the paper's units (mV/ms): with the default, 10 nA is the paper's ``I = 10``.

    Parameters: ``a`` (1/ms, 0.02), ``b`` (1/ms, 0.2), ``c`` (mV, -65, below 30), ``d`` (mV/ms, 8),
    ``C`` (nF, 1). States: ``u`` (mV/ms), ``spike``, ``drive`` (mV: ``v`` before the reset
    minus 30, through which `dx.Surrogate` differentiates spikes). Defaults: regular spiking.

    Example:
        >>> import numpy as np
        >>> import dendrax as dx
        >>> from dendrax.point_neurons import Izhikevich
        >>> cell = dx.Compartment()
        >>> cell.insert(Izhikevich())
        >>> cell.stimulate(np.full(401, 10.0))            # nA: the paper's I = 10, for 10 ms
        >>> cell.record("Izhikevich_spike")
        >>> spikes = np.asarray(dx.integrate(cell, t_max=10.0))[0]
        >>> [round(float(t), 3) for t in np.flatnonzero(spikes) * 0.025]   # ms, from v = -65 mV
        [3.175]
    """

    params = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0, "C": 1.0}
    units = {"a": "1/ms", "b": "1/ms", "c": "mV", "d": "mV/ms", "C": "nF"}
    states = {"u": -13.0, "spike": 0.0, "drive": -95.0}

    @property
    def positive(self):
        return ("C",)

    def conflicts(self, p):
        # Found by review: c >= 30 mV was accepted; the reset was then a spike again, every step.
        if "c" not in p:  # a subclass with parameters of its own
            return {}
        return {
            "{name}_c = {c:g} mV is not below the spike peak, 30 mV: the reset would be a spike again, every "
            "step with no input; set {name}_c below 30 mV (the paper's regular spiking: -65)": p["c"] >= 30.0
        }

    def update_voltage(self, v, s, i_in, dt, p):
        u = s["u"]
        v_next = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + i_in / p["C"])
        u_next = u + dt * p["a"] * (p["b"] * v - u)
        spike = v_next >= 30.0
        u_next = jnp.where(spike, u_next + p["d"], u_next)
        states = {"u": u_next, "spike": spike.astype(v.dtype), "drive": v_next - 30.0}
        return jnp.where(spike, p["c"], v_next), states

    def init_states(self, v, p):
        return {"u": p["b"] * v, "spike": jnp.zeros_like(v), "drive": v - 30.0}


class AdEx(PointNeuron):
    """Adaptive exponential integrate-and-fire (Brette & Gerstner 2005, J. Neurophysiol. 94:3637).

    ``C dv/dt = -gLeak (v - eLeak) + gLeak deltaT exp((v - vT) / deltaT) - w + I``,
    ``tauW dw/dt = a (v - eLeak) - w``; when ``v`` reaches ``vPeak``: ``v = vReset``,
    ``w += b``. Forward Euler with the step ``dt``; the exponential is evaluated at
    ``min(v, vPeak)`` so that it cannot overflow.

    Parameters (the paper's, converted to nF, µS, nA): ``C`` 0.281, ``gLeak`` 0.030,
    ``eLeak`` -70.6, ``vT`` -50.4, ``deltaT`` 2, ``tauW`` 144, ``a`` 0.004, ``b`` 0.0805,
    ``vReset`` -70.6 (below ``vPeak``), ``vPeak`` -40.4 (= vT + 5 deltaT, as in the paper's
    simulations).
    States: ``w`` (nA), ``spike``, ``drive`` (mV: ``v`` before the reset minus ``vPeak``,
    through which `dx.Surrogate` differentiates spikes).

    Example:
        >>> import numpy as np
        >>> import dendrax as dx
        >>> from dendrax.point_neurons import AdEx
        >>> cell = dx.Compartment()
        >>> cell.insert(AdEx())
        >>> cell.set("v", -70.6)                          # mV: at rest
        >>> cell.stimulate(np.full(401, 2.0))             # nA, for 10 ms
        >>> cell.record("AdEx_spike")
        >>> cell.record("AdEx_w")
        >>> spikes, w = np.asarray(dx.integrate(cell, t_max=10.0))
        >>> [round(float(t), 3) for t in np.flatnonzero(spikes) * 0.025]   # ms: the interval grows
        [4.675, 9.6]
        >>> round(float(w[-1]), 3)                        # nA of adaptation current
        0.162
    """

    params = {
        "C": 0.281, "gLeak": 0.030, "eLeak": -70.6, "vT": -50.4, "deltaT": 2.0,
        "tauW": 144.0, "a": 0.004, "b": 0.0805, "vReset": -70.6, "vPeak": -40.4,
    }
    units = {
        "C": "nF", "gLeak": "uS", "eLeak": "mV", "vT": "mV", "deltaT": "mV", "tauW": "ms",
        "a": "uS", "b": "nA", "vReset": "mV", "vPeak": "mV",
    }
    states = {"w": 0.0, "spike": 0.0, "drive": -30.2}

    @property
    def positive(self):
        return ("C", "gLeak", "deltaT", "tauW")

    def conflicts(self, p):
        # Found by review: a reset at or above vPeak was accepted; the cell then fired every step.
        if not {"vReset", "vPeak"} <= set(p):  # a subclass with parameters of its own
            return {}
        return {
            "{name}_vReset = {vReset:g} mV is not below {name}_vPeak = {vPeak:g} mV: a reset at or above the "
            "spike's peak is a spike again, every step with no input; set {name}_vReset below {name}_vPeak": (
                p["vReset"] >= p["vPeak"]
            )
        }

    def update_voltage(self, v, s, i_in, dt, p):
        w = s["w"]
        spiking = p["gLeak"] * p["deltaT"] * jnp.exp((jnp.minimum(v, p["vPeak"]) - p["vT"]) / p["deltaT"])
        dv = (-p["gLeak"] * (v - p["eLeak"]) + spiking - w + i_in) / p["C"]
        v_next = v + dt * dv
        w_next = w + dt * (p["a"] * (v - p["eLeak"]) - w) / p["tauW"]
        spike = v_next >= p["vPeak"]
        w_next = jnp.where(spike, w_next + p["b"], w_next)
        states = {"w": w_next, "spike": spike.astype(v.dtype), "drive": v_next - p["vPeak"]}
        return jnp.where(spike, p["vReset"], v_next), states

    def init_states(self, v, p):
        return {"w": jnp.zeros_like(v), "spike": jnp.zeros_like(v), "drive": v - p["vPeak"]}


class RateNeuron(PointNeuron):
    """A firing-rate unit: ``tau dr/dt = -r + gain * tanh(I / scale)``; its "voltage" is ``r``.

    ``r`` is dimensionless (or in the units of ``gain``); integrated exactly for input held
    over each step. Graded synapses read ``r`` as the presynaptic voltage.

    Parameters: ``tau`` (ms, 10), ``gain`` (1), ``scale`` (nA, 1). States: ``spike`` (always 0).

    Example:
        >>> import numpy as np
        >>> import dendrax as dx
        >>> from dendrax.point_neurons import RateNeuron
        >>> unit = dx.Compartment()
        >>> unit.insert(RateNeuron())
        >>> unit.set("v", 0.0)                            # the rate r starts at 0
        >>> unit.stimulate(np.full(401, 1.0))             # nA
        >>> unit.record("v")
        >>> r = dx.integrate(unit, t_max=10.0)            # one tau: tanh(1) (1 - 1/e)
        >>> r.shape, round(float(r[0, -1]), 4)
        ((1, 401), 0.4814)
    """

    spikes = False
    params = {"tau": 10.0, "gain": 1.0, "scale": 1.0}
    units = {"tau": "ms", "scale": "nA"}
    states = {"spike": 0.0}

    @property
    def positive(self):
        return ("tau", "scale")

    def update_voltage(self, v, s, i_in, dt, p):
        target = p["gain"] * jnp.tanh(i_in / p["scale"])
        r = relax_linear(v, target, dt / p["tau"])
        return r, {"spike": jnp.zeros_like(v)}

    def init_states(self, v, p):
        return {"spike": jnp.zeros_like(v)}
