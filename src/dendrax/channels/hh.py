"""Hodgkin-Huxley sodium, potassium and leak currents of the squid giant axon."""

from __future__ import annotations

import math

import jax.numpy as jnp

from ..mechanisms.channel import Channel
from ..mechanisms.gating import gate_from_rates, reciprocal, vtrap

__all__ = ["HH"]


class HH(Channel):
    """Hodgkin & Huxley (1952), J. Physiol. 117:500-544, with NEURON's ``hh.mod`` conventions.

    Rates are those of the paper shifted to a resting potential of -65 mV; all rates are
    multiplied by ``3 ** ((celsius - 6.3) / 10)``. Reversal potentials come from the ions
    (``ena``, ``ek``; NEURON's defaults 50 and -77 mV), the leak reversal is a parameter.

    Parameters:
        gNa: maximal sodium conductance, S/cm² (0.12).
        gK: maximal potassium conductance, S/cm² (0.036).
        gLeak: leak conductance, S/cm² (0.0003).
        eLeak: leak reversal potential, mV (-54.3).

    States: ``m``, ``h`` (sodium activation, inactivation), ``n`` (potassium activation).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> comp = dx.Compartment(length=10.0, radius=5.0)
        >>> comp.insert(HH())
        >>> comp.set("HH_gNa", 0.2)
    """

    params = {"gNa": 0.12, "gK": 0.036, "gLeak": 0.0003, "eLeak": -54.3}
    units = {"gNa": "S/cm2", "gK": "S/cm2", "gLeak": "S/cm2", "eLeak": "mV"}
    states = {"m": 0.0529, "h": 0.5961, "n": 0.3177}
    ions = ("na", "k")

    def gates(self, v, p):
        q10 = 3.0 ** ((p["celsius"] - 6.3) / 10.0)
        # Three exponentials give all six rates: exp(-(v+40)/10) also yields the ones at
        # v+35 and v+55 (shifted by constant factors), exp(-(v+65)/80) also the one at /20
        # (as the fourth power of beta_n: written as powers of e65 itself, XLA turns
        # exp(a) * exp(a) back into exp(2 a) and computes a fourth exponential).
        e40 = jnp.exp(-(v + 40.0) / 10.0)
        e65 = jnp.exp(-(v + 65.0) / 80.0)
        alpha_m = 0.1 * vtrap(-(v + 40.0), 10.0, e40)
        beta_m = 4.0 * jnp.exp(-(v + 65.0) / 18.0)
        beta_h = reciprocal(e40 * math.exp(0.5) + 1.0)  # 1 / (exp(-(v+35)/10) + 1)
        alpha_n = 0.01 * vtrap(-(v + 55.0), 10.0, e40 * math.exp(-1.5))
        beta_n = 0.125 * e65
        alpha_h = (0.07 * 8.0**4) * (beta_n * beta_n) * (beta_n * beta_n)  # 0.07 exp(-(v+65)/20)
        return {
            "m": gate_from_rates(alpha_m, beta_m, q10),
            "h": gate_from_rates(alpha_h, beta_h, q10),
            "n": gate_from_rates(alpha_n, beta_n, q10),
        }

    def current(self, s, v, p):
        i_na = p["gNa"] * s["m"] ** 3 * s["h"] * (v - p["ena"])
        i_k = p["gK"] * s["n"] ** 4 * (v - p["ek"])
        i_leak = p["gLeak"] * (v - p["eLeak"])
        return {"na": i_na, "k": i_k, "nonspecific": i_leak}
