"""The synapse library: graded synapses and NEURON's event-driven ExpSyn and Exp2Syn."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .mechanisms.gating import relax_linear
from .mechanisms.synapse import Synapse

__all__ = ["Exp2Syn", "ExpSyn", "GapJunction", "Ionotropic", "TanhRate"]


class Ionotropic(Synapse):
    """Graded chemical synapse with sigmoidal release (Prinz, Bucher & Marder 2004, Nat.
    Neurosci. 7:1345; also Abbott & Marder 1998).

    ``ds/dt = (s_inf - s) / tau_s``, ``s_inf = 1 / (1 + exp((vTh - v_pre) / delta))``,
    ``tau_s = (1 - s_inf) / kMinus``; current ``i = gS s (v - eS)``. ``s`` advances by
    exponential Euler on the new presynaptic voltage.

    Parameters: ``gS`` (µS, 1e-4), ``eS`` (mV, 0), ``vTh`` (mV, -35), ``delta`` (mV, 10),
    ``kMinus`` (1/ms, 1/40). State: ``s``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> from dendrax.synapses import Ionotropic
        >>> cell = dx.Compartment()
        >>> cell.insert(HH())
        >>> net = dx.Network([cell] * 3)
        >>> dx.connect(net.cell(0), net.cell([1, 2]), Ionotropic())   # graded: no weight, no delay
        >>> net.synapses.Ionotropic.set("gS", 0.005)                    # µS
        >>> net.synapses.Ionotropic.n, net.synapses.Ionotropic.get("gS").tolist()
        (2, [0.005, 0.005])
    """

    params = {"gS": 1e-4, "eS": 0.0, "vTh": -35.0, "delta": 10.0, "kMinus": 1.0 / 40.0}
    units = {"gS": "uS", "eS": "mV", "vTh": "mV", "delta": "mV", "kMinus": "1/ms"}
    states = {"s": 0.0}
    fractions = ("s",)

    @property
    def positive(self) -> tuple[str, ...]:
        """Also ``delta`` (at 0 the synapse passes no current and its gradients are NaN) and
        ``kMinus`` (below 0, ``s`` grows instead of relaxing)."""
        return (*super().positive, "delta", "kMinus")

    def _steady(self, v_pre, p):
        return jax.nn.sigmoid((v_pre - p["vTh"]) / p["delta"])  # no overflow far below vTh

    def init_states(self, v, v_pre, p):
        return {"s": self._steady(v_pre, p)}

    def current(self, s, v, v_pre, p):
        return p["gS"] * s["s"] * (v - p["eS"])

    def update_states(self, s, v, v_pre, dt, p):
        a = (v_pre - p["vTh"]) / p["delta"]
        s_inf = jax.nn.sigmoid(a)
        # 1 / tau_s = kMinus / (1 - s_inf) = kMinus (1 + e^a), without 1 - s_inf (which
        # rounds to 0 well above vTh: an infinite rate and NaN gradients). Beyond a = 60,
        # exp(-dt / tau_s) is 0 in any precision; the cap keeps its derivative 0, not 0 * inf.
        rate = p["kMinus"] * (1.0 + jnp.exp(jnp.minimum(a, 60.0)))
        return {"s": relax_linear(s["s"], s_inf, dt * rate)}


class TanhRate(Synapse):
    """Rate synapse for networks of rate units: ``i = -gS tanh((v_pre - x0) slope)``.

    An inward (depolarising for ``gS > 0``) current that saturates with the presynaptic
    rate or voltage; no state. Parameters: ``gS`` (nA, 1e-2), ``x0`` (mV or rate, 0),
    ``slope`` (1/mV or 1/rate, 1).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.point_neurons import RateNeuron
        >>> from dendrax.synapses import TanhRate
        >>> unit = dx.Compartment()
        >>> unit.insert(RateNeuron())
        >>> net = dx.Network([unit] * 2)
        >>> dx.connect(net.cell(0), net.cell(1), TanhRate())
        >>> net.synapses.TanhRate.get("gS").tolist()      # nA at saturation
        [0.01]
    """

    params = {"gS": 1e-2, "x0": 0.0, "slope": 1.0}
    units = {"gS": "nA"}

    def current(self, s, v, v_pre, p):
        return -p["gS"] * jnp.tanh((v_pre - p["x0"]) * p["slope"])


class ExpSyn(Synapse):
    """NEURON's ``ExpSyn``: a conductance that jumps by the connection weight (µS) on each
    spike and decays with ``tau``: ``i = g (v - e)``. Parameters: ``tau`` (ms, 0.1),
    ``e`` (mV, 0). State: ``g`` (µS).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> from dendrax.synapses import ExpSyn
        >>> cell = dx.Compartment()
        >>> cell.insert(HH())
        >>> net = dx.Network([cell] * 2)
        >>> dx.connect(net.cell(0), net.cell(1), ExpSyn(), weight=0.01, delay=1.0)   # µS, ms
        >>> net.synapses.ExpSyn.set("tau", 2.0)                                       # ms
        >>> net.synapses.ExpSyn.get("tau").tolist(), net.synapses.ExpSyn.get("weight").tolist()
        ([2.0], [0.01])
    """

    params = {"tau": 0.1, "e": 0.0}
    units = {"tau": "ms", "e": "mV", "g": "uS"}
    states = {"g": 0.0}
    event_driven = True

    def current(self, s, v, v_pre, p):
        return s["g"] * (v - p["e"])

    def update_states(self, s, v, v_pre, dt, p):
        # relax_linear: g exp(-dt / tau) in float64; in float32 the decay keeps its rate
        # for dt << tau (exp rounds to 6e-8: 0.27 % off at tau = 100 ms, dt = 0.001 ms).
        return {"g": relax_linear(s["g"], 0.0, dt / p["tau"])}

    def receive(self, s, weight, p):
        return {"g": s["g"] + weight}


class Exp2Syn(Synapse):
    """NEURON's ``Exp2Syn``: rise ``tau1`` and decay ``tau2`` (ms); ``g = B - A`` scaled so
    that a weight ``w`` (µS) gives a peak conductance ``w``; ``i = g (v - e)``.

    Parameters: ``tau1`` (0.1), ``tau2`` (10), ``e`` (mV, 0). As NEURON, ``tau1`` is limited
    to ``[1e-9, 0.9999] * tau2``.

    States: ``g`` (µS, the conductance, NEURON's ``B - A``) and ``B`` (µS; NEURON's ``A`` is
    ``B - g``). NEURON keeps ``A`` and ``B``, two states that, for ``tau1`` near ``tau2``
    (the alpha-function case ``tau1 == tau2``), are about 10⁴ times larger than their
    difference: in float32 that difference kept only three digits (``g`` 5 % off at
    ``tau1 == tau2 == 10`` ms). Keeping ``g`` itself and advancing it exactly,
    ``g(t + dt) = g e1 + B (e2 - e1)`` with ``e1, e2 = exp(-dt / tau1), exp(-dt / tau2)``
    and ``e2 - e1`` computed without cancellation, gives NEURON's numbers in float64 and
    float32 round-off in float32. NEURON computes its ``g`` in BREAKPOINT, from the states
    of the step's start, so a record of ``syn._ref_g`` is one step behind this ``g``
    (``B - A`` recorded at the same time points agrees with it).

    Example:
        >>> import numpy as np
        >>> import dendrax as dx
        >>> from dendrax.synapses import Exp2Syn
        >>> net = dx.Network([dx.Compartment()] * 2)
        >>> dx.connect(net.cell(0), net.cell(1), Exp2Syn(), weight=0.01, delay=1.0)   # µS, ms
        >>> net.synapses.Exp2Syn.set("tau1", 0.5)                                      # ms
        >>> net.synapses.Exp2Syn.get("tau1").tolist(), net.synapses.Exp2Syn.get("tau2").tolist()
        ([0.5], [10.0])

        One spike of weight 0.01 µS: the conductance ``g`` peaks at 0.01 µS.

        It peaks at ``tau1 tau2 / (tau2 - tau1) ln(tau2 / tau1)`` = 1.577 ms here:

        >>> import jax
        >>> syn, p = Exp2Syn(), {"tau1": 0.5, "tau2": 10.0}
        >>> s = syn.receive({"g": 0.0, "B": 0.0}, 0.01, p)
        >>> def one_step(s, _):                                                         # dt 0.001 ms
        ...     s = syn.update_states(s, 0.0, 0.0, 0.001, p)
        ...     return s, s["g"]
        >>> _, g = jax.lax.scan(one_step, s, length=20000)                             # 20 ms
        >>> round(float(g.max()), 6), round(0.001 * (1 + int(np.argmax(g))), 3)        # µS, ms
        (0.01, 1.577)
    """

    params = {"tau1": 0.1, "tau2": 10.0, "e": 0.0}
    units = {"tau1": "ms", "tau2": "ms", "e": "mV", "g": "uS", "B": "uS"}
    states = {"g": 0.0, "B": 0.0}
    event_driven = True

    def _tau1(self, p):
        return jnp.clip(p["tau1"], 1e-9 * p["tau2"], 0.9999 * p["tau2"])

    @staticmethod
    def _rate_gap(tau1, tau2):
        """``1/tau1 - 1/tau2`` (1/ms, > 0) from the exact difference ``tau2 - tau1``."""
        return (tau2 - tau1) / (tau1 * tau2)

    def current(self, s, v, v_pre, p):
        return s["g"] * (v - p["e"])

    def update_states(self, s, v, v_pre, dt, p):
        tau1, tau2 = self._tau1(p), p["tau2"]
        e2 = jnp.exp(-dt / tau2)
        e2_minus_e1 = -e2 * jnp.expm1(-dt * self._rate_gap(tau1, tau2))
        g = relax_linear(s["g"], 0.0, dt / tau1) + s["B"] * e2_minus_e1  # g e1 + B (e2 - e1)
        return {"g": g, "B": relax_linear(s["B"], 0.0, dt / tau2)}  # B e2

    def receive(self, s, weight, p):
        # A and B both jump by weight * factor: g = B - A does not move.
        tau1, tau2 = self._tau1(p), p["tau2"]
        t_peak = tau1 * tau2 / (tau2 - tau1) * jnp.log1p((tau2 - tau1) / tau1)  # ms
        peak = -jnp.exp(-t_peak / tau2) * jnp.expm1(-t_peak * self._rate_gap(tau1, tau2))
        return {"g": s["g"], "B": s["B"] + weight / peak}


class GapJunction(Synapse):
    """An electrical synapse: a conductance ``gGap`` (µS) between two points, part of the
    implicit voltage solve, exact and stable for any coupling strength (junctions that close
    a loop of cells and junctions cost one more tree solve per step each, see
    `dendrax.solve.loops`; several junctions between the same two points are one junction of
    their summed conductance). Connect it like any synapse; it has no direction: `fully_connect`,
    `sparse_connect` and `connectivity_matrix_connect` make one junction per two points (a
    pair they consider both ways round is connected once; `sparse_connect` draws each two
    points once, with probability ``p``).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.synapses import GapJunction
        >>> net = dx.Network([dx.Compartment()] * 2)
        >>> dx.connect(net.cell(0), net.cell(1), GapJunction())   # graded: no weight, no delay
        >>> net.synapses.GapJunction.set("gGap", 0.01)            # µS
        >>> net.synapses.GapJunction.n, net.synapses.GapJunction.get("gGap").tolist()
        (1, [0.01])
    """

    params = {"gGap": 1e-3}
    units = {"gGap": "uS"}

    def current(self, s, v, v_pre, p):
        return p["gGap"] * (v - v_pre)
