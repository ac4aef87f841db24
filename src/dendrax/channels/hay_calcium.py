"""Calcium channels and the calcium buffer of the Hay et al. (2011) layer-5 pyramidal cell.

Hay E, Hill S, Schürmann F, Markram H, Segev I (2011). Models of neocortical layer 5b
pyramidal cells capturing a wide range of dendritic and perisomatic active properties.
PLoS Comput Biol 7:e1002107.

The equations are those of the model files published with the paper (ModelDB 139653),
written here from their rate functions. Calcium currents drive ``eca``, the ion's reversal
potential: a parameter (NEURON's default 132.458 mV) unless a mechanism writes ``cai`` in
the compartment, as `CaDynamics_E2` does; then ``eca`` follows the Nernst equation at the
model's temperature, as in NEURON.
"""

from __future__ import annotations

import jax.numpy as jnp

from ..mechanisms.channel import Channel, Mechanism
from ..mechanisms.gating import Gate, gate_from_rates, reciprocal, relax_linear, vtrap
from ..mechanisms.ions import FARADAY
from .hay_sodium import HAY_TEMPERATURE_FACTOR

__all__ = ["CaDynamics_E2", "Ca_HVA", "Ca_LVAst"]


class Ca_HVA(Channel):
    """High-voltage-activated calcium current (Hay et al. 2011, after Reuveni et al. 1993).

    ``i = gbar m² h (v - eca)`` with (1/ms, no temperature dependence)::

        αm = 0.055 (-27 - v) / (exp((-27 - v) / 3.8) - 1)    βm = 0.94 exp((-75 - v) / 17)
        αh = 0.000457 exp((-13 - v) / 50)                  βh = 0.0065 / (exp((-v - 15) / 28) + 1)

    (The same kinetics as Pospischil et al.'s `CaL`.)

    Parameters:
        gbar: maximal conductance, S/cm² (1e-5).

    States: ``m``, ``h``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import Ca_HVA
        >>> soma = dx.Compartment(length=20.0, radius=10.0)   # µm
        >>> soma.insert(Ca_HVA())
        >>> Ca_HVA().params                                   # S/cm²
        {'gbar': 1e-05}
        >>> round(float(soma.get("eca")[0]), 3)               # mV, NEURON's default (no buffer)
        132.458
    """

    params = {"gbar": 1e-5}
    units = {"gbar": "S/cm2"}
    states = {"m": 0.0, "h": 1.0}
    ions = ("ca",)

    def gates(self, v, p):
        alpha_m = 0.055 * vtrap(-27.0 - v, 3.8)
        beta_m = 0.94 * jnp.exp((-75.0 - v) / 17.0)
        alpha_h = 0.000457 * jnp.exp((-13.0 - v) / 50.0)
        beta_h = 0.0065 * reciprocal(jnp.exp((-v - 15.0) / 28.0) + 1.0)
        return {"m": gate_from_rates(alpha_m, beta_m), "h": gate_from_rates(alpha_h, beta_h)}

    def current(self, s, v, p):
        return {"ca": p["gbar"] * s["m"] ** 2 * s["h"] * (v - p["eca"])}


class Ca_LVAst(Channel):
    """Low-voltage-activated calcium current (Hay et al. 2011, after Avery & Johnston 1996).

    ``i = gbar m² h (v - eca)``. With ``w = v + 10`` (shifted by -10 mV)::

        m∞ = 1 / (1 + exp(-(w + 30) / 6))      τm = 5 + 20 / (1 + exp((w + 25) / 5))
        h∞ = 1 / (1 + exp((w + 80) / 6.4))     τh = 20 + 50 / (1 + exp((w + 40) / 7))

    (ms at 21 °C; divided by ``2.3 ** ((34 - 21) / 10)`` at any ``celsius``, as in the
    published files).

    Parameters:
        gbar: maximal conductance, S/cm² (1e-5).

    States: ``m``, ``h``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import Ca_LVAst
        >>> soma = dx.Compartment(length=20.0, radius=10.0)   # µm
        >>> soma.insert(Ca_LVAst())
        >>> Ca_LVAst().params                                 # S/cm²
        {'gbar': 1e-05}
        >>> soma.set("celsius", 34.0)                         # °C: the model's temperature
        >>> soma.set("Ca_LVAst_gbar", 3e-3)                   # S/cm²
        >>> soma.get("Ca_LVAst_gbar").tolist()
        [0.003]
    """

    params = {"gbar": 1e-5}
    units = {"gbar": "S/cm2"}
    states = {"m": 0.0, "h": 1.0}
    ions = ("ca",)

    def gates(self, v, p):
        q = HAY_TEMPERATURE_FACTOR
        w = v + 10.0
        m_inf = reciprocal(1.0 + jnp.exp(-(w + 30.0) / 6.0))
        tau_m = 5.0 + 20.0 * reciprocal(1.0 + jnp.exp((w + 25.0) / 5.0))
        h_inf = reciprocal(1.0 + jnp.exp((w + 80.0) / 6.4))
        tau_h = 20.0 + 50.0 * reciprocal(1.0 + jnp.exp((w + 40.0) / 7.0))
        return {"m": Gate(m_inf, tau_m / q), "h": Gate(h_inf, tau_h / q)}

    def current(self, s, v, p):
        return {"ca": p["gbar"] * s["m"] ** 2 * s["h"] * (v - p["eca"])}


class CaDynamics_E2(Mechanism):
    """Free calcium in a submembrane shell (Hay et al. 2011): influx, buffering, removal.

    The compartment's ``cai`` (mM) obeys::

        dcai/dt = -10⁴ · gamma · ica / (2 F depth) - (cai - minCai) / decay

    with ``ica`` the density of all calcium currents (mA/cm²), F Faraday's constant and
    ``depth`` in µm (10⁴ converts the units to mM/ms). It is linear in ``cai`` for the
    current held over a step, so each step is exact (NEURON's ``cnexp``). ``cai`` starts at
    the ion's ``cai`` (default 5e-5 mM, NEURON's ``cai0_ca_ion``), and ``eca`` follows it by
    the Nernst equation. Mechanisms that read ``cai`` (e.g. `SK_E2`) see the value of the same
    step, wherever they are inserted (writers update first).

    Parameters:
        gamma: fraction of the calcium influx that stays free (not buffered), dimensionless (0.05).
        decay: time constant of removal, ms (80).
        depth: depth of the shell, µm (0.1).
        minCai: resting concentration, mM (1e-4).

    States: ``cai`` (mM).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import CaDynamics_E2, Ca_HVA
        >>> comp = dx.Compartment(length=20.0, radius=10.0)
        >>> comp.insert(CaDynamics_E2())
        >>> comp.insert(Ca_HVA())
        >>> comp.record("CaDynamics_E2_cai")
    """

    params = {"gamma": 0.05, "decay": 80.0, "depth": 0.1, "minCai": 1e-4}
    units = {"decay": "ms", "depth": "um", "minCai": "mM", "cai": "mM"}  # gamma: dimensionless
    states = {"cai": 5e-5}
    ions = ("ca",)
    writes = ("cai",)

    @property
    def nonnegative(self):
        return ("gamma", "minCai")  # a floor of 0 mM is allowed, as in NEURON

    @property
    def positive(self):
        return (*(k for k in super().positive if k != "minCai"), "decay")

    def init_states(self, v, p):
        return {"cai": jnp.broadcast_to(p["cai"], jnp.shape(v)).astype(v.dtype)}

    def update_states(self, s, v, dt, p):
        influx = -1e4 * p["gamma"] * p["ica"] / (2.0 * FARADAY * p["depth"])  # mM/ms
        steady = p["minCai"] + p["decay"] * influx
        return {"cai": relax_linear(s["cai"], steady, dt / p["decay"])}
