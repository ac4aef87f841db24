"""The channels of Pospischil et al. (2008): minimal models of cortical and thalamic neurons.

Pospischil M, Toledo-Rodriguez M, Monier C, Piwkowska Z, Bal T, Frégnac Y, Markram H,
Destexhe A (2008). Minimal Hodgkin-Huxley type models for different classes of cortical and
thalamic neurons. Biol Cybern 99:427-441.

Four cell classes (fast spiking, regular spiking, intrinsically bursting, low-threshold
spiking) are built from a leak and these currents: `Na` and `K` (spikes), `Km` (spike-frequency
adaptation), `CaL` (bursting) and `CaT` (low-threshold spikes). The leak is
`dendrax.channels.Leak`; the paper's regular-spiking cell has ``gLeak`` = 1e-4 S/cm² and
``eLeak`` = -70 mV.

Defaults are those of the regular-spiking cell (and, for the calcium currents, of the
bursting and low-threshold cells) in the model files published with the paper (ModelDB
123623; Destexhe 2008-2009); the paper's fits to individual cells use other values of
``gbar``, ``vt`` and ``taumax``. Reversal potentials are the ions' (``ena``, ``ek``, ``eca``;
the published model files use 50, -100 and about 120 mV): set them, e.g.
``cell.set("ek", -100.0)``. Where a calcium buffer writes ``cai``, ``eca`` follows the Nernst
equation. (The published L-type file computes its own reversal potential by the Nernst
equation from fixed concentrations, 2.4e-4 mM inside and 2 mM outside, whatever a buffer
does: 120.26 mV at 36 °C, 119.5 at 34 °C. ``cell.set("eca", 120.26)`` reproduces it without
a buffer; 120 mV moves the bursting cell's spikes by up to 1.9 ms.)

How the published files differ from this module at the start of a run: they start the
gates at 0 (Na's ``m`` and ``h``, K's ``n``, Km's ``p``, CaT's ``u``, CaL's ``q`` and ``r``),
where dendrax starts every gate at its steady state at the initial voltage. From rest the
difference lasts until the slowest gate has relaxed: the regular-spiking demo's spikes move
by 5.5 ms, and the bursting cell (CaL's ``r`` relaxes with about 420 ms) fires 8 spikes in
2 s in the published files, 14 here. To reproduce them, set those states to 0 before
the run, e.g. ``cell.set("Na_m", 0.0)``; to avoid the transient, keep the steady state.

Temperature: the rates are for 36 °C; `Na` and `K` scale them by ``3 ** ((celsius - 36) / 10)``
and `Km` by ``2.3 ** ((celsius - 36) / 10)`` (as in the published model files), `CaL` has no
temperature dependence, and `CaT`'s inactivation has a Q10 of 3 from 24 °C (the paper's
factor 1/3.7 at 36 °C). Set ``cell.set("celsius", 36.0)`` to simulate the paper's cells.

Example: the regular-spiking cell, a single compartment of 29,000 µm², adapts its firing::

    >>> import numpy as np
    >>> import dendrax as dx
    >>> from dendrax.channels import K, Km, Leak, Na
    >>> soma = dx.Compartment(length=96.0, radius=48.0)
    >>> for channel in (Leak(), Na(), K(), Km()):
    ...     soma.insert(channel)
    >>> soma.set("Leak_gLeak", 1e-4)
    >>> soma.set("ek", -100.0)
    >>> soma.set("celsius", 36.0)
    >>> soma.set("v", -70.0)
    >>> soma.stimulate(dx.step_current(i_delay=10.0, i_dur=100.0, i_amp=0.75, delta_t=0.025, t_max=120.0))
    >>> soma.record("v")
    >>> v = np.asarray(dx.integrate(soma, t_max=120.0))[0]
    >>> spikes = np.flatnonzero((v[:-1] < 0.0) & (v[1:] >= 0.0))
    >>> [round(float(isi), 1) for isi in np.diff(spikes) * 0.025]   # ms: intervals lengthen
    [28.0, 39.2]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..mechanisms.channel import Channel
from ..mechanisms.gating import Gate, gate_from_rates, reciprocal, vtrap

__all__ = ["CaL", "CaT", "K", "Km", "Na"]


def _q10(q10: float, celsius, reference: float):
    return q10 ** ((celsius - reference) / 10.0)


class Na(Channel):
    """Fast sodium current (Pospischil et al. 2008, after Traub & Miles 1991).

    ``i = gbar m³ h (v - ena)``, with ``u = v - vt`` (mV)::

        αm = 0.32 (13 - u) / (exp((13 - u) / 4) - 1)     βm = 0.28 (u - 40) / (exp((u - 40) / 5) - 1)
        αh = 0.128 exp((17 - u) / 18)                     βh = 4 / (1 + exp((40 - u) / 5))

    (1/ms), all multiplied by ``3 ** ((celsius - 36) / 10)``.

    Parameters:
        gbar: maximal conductance, S/cm² (0.05).
        vt: threshold adjustment V_T, mV (-55; the paper's fits: about -56 to -63).

    States: ``m``, ``h``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import Na
        >>> soma = dx.Compartment(length=96.0, radius=48.0)   # µm
        >>> soma.insert(Na())
        >>> Na().params                                       # S/cm², mV
        {'gbar': 0.05, 'vt': -55.0}
        >>> soma.set("Na_vt", -58.0)                          # mV: spikes at lower voltages
        >>> soma.get("Na_vt").tolist()
        [-58.0]
    """

    params = {"gbar": 0.05, "vt": -55.0}
    units = {"gbar": "S/cm2", "vt": "mV"}
    states = {"m": 0.0, "h": 1.0}
    ions = ("na",)

    def gates(self, v, p):
        q = _q10(3.0, p["celsius"], 36.0)
        u = v - p["vt"]
        alpha_m = 0.32 * vtrap(13.0 - u, 4.0)
        beta_m = 0.28 * vtrap(u - 40.0, 5.0)
        alpha_h = 0.128 * jnp.exp((17.0 - u) / 18.0)
        beta_h = 4.0 * reciprocal(1.0 + jnp.exp((40.0 - u) / 5.0))
        return {"m": gate_from_rates(alpha_m, beta_m, q), "h": gate_from_rates(alpha_h, beta_h, q)}

    def current(self, s, v, p):
        return {"na": p["gbar"] * s["m"] ** 3 * s["h"] * (v - p["ena"])}


class K(Channel):
    """Delayed-rectifier potassium current (Pospischil et al. 2008, after Traub & Miles 1991).

    ``i = gbar n⁴ (v - ek)``, with ``u = v - vt`` (mV)::

        αn = 0.032 (15 - u) / (exp((15 - u) / 5) - 1)    βn = 0.5 exp((10 - u) / 40)

    (1/ms), multiplied by ``3 ** ((celsius - 36) / 10)``.

    Parameters:
        gbar: maximal conductance, S/cm² (0.005).
        vt: threshold adjustment V_T, mV (-55; the same value as `Na`'s in the paper).

    States: ``n``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import K
        >>> soma = dx.Compartment(length=96.0, radius=48.0)   # µm
        >>> soma.insert(K())
        >>> K().params                                        # S/cm², mV
        {'gbar': 0.005, 'vt': -55.0}
        >>> soma.set("ek", -100.0)                            # mV, as in the published model files
        >>> soma.get("ek").tolist()
        [-100.0]
    """

    params = {"gbar": 0.005, "vt": -55.0}
    units = {"gbar": "S/cm2", "vt": "mV"}
    states = {"n": 0.0}
    ions = ("k",)

    def gates(self, v, p):
        u = v - p["vt"]
        alpha = 0.032 * vtrap(15.0 - u, 5.0)
        beta = 0.5 * jnp.exp((10.0 - u) / 40.0)
        return {"n": gate_from_rates(alpha, beta, _q10(3.0, p["celsius"], 36.0))}

    def current(self, s, v, p):
        return {"k": p["gbar"] * s["n"] ** 4 * (v - p["ek"])}


class Km(Channel):
    """Slow non-inactivating potassium current, I_M (Pospischil et al. 2008).

    ``i = gbar p (v - ek)`` with::

        p∞ = 1 / (1 + exp(-(v + 35) / 10))
        τp = taumax / (3.3 exp((v + 35) / 20) + exp(-(v + 35) / 20))    (ms at 36 °C)

    and ``τp`` divided by ``2.3 ** ((celsius - 36) / 10)``.

    Parameters:
        gbar: maximal conductance, S/cm² (7e-5).
        taumax: largest time constant τ_max, ms (1000; must be > 0).

    States: ``p``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import Km
        >>> soma = dx.Compartment(length=96.0, radius=48.0)   # µm
        >>> soma.insert(Km())
        >>> Km().params                                       # S/cm², ms
        {'gbar': 7e-05, 'taumax': 1000.0}
        >>> soma.set("Km_taumax", 500.0)                      # ms: faster adaptation
        >>> soma.get("Km_taumax").tolist()
        [500.0]
    """

    params = {"gbar": 7e-5, "taumax": 1000.0}
    units = {"gbar": "S/cm2", "taumax": "ms"}
    states = {"p": 0.0}
    ions = ("k",)

    @property
    def positive(self):
        return (*super().positive, "taumax")

    def gates(self, v, p):
        x = (v + 35.0) / 20.0
        inf = reciprocal(1.0 + jnp.exp(-(v + 35.0) / 10.0))
        tau = p["taumax"] / (3.3 * jnp.exp(x) + jnp.exp(-x)) / _q10(2.3, p["celsius"], 36.0)
        return {"p": Gate(inf, tau)}

    def current(self, s, v, p):
        return {"k": p["gbar"] * s["p"] * (v - p["ek"])}


class CaL(Channel):
    """High-threshold (L-type) calcium current (Pospischil et al. 2008, after Reuveni et al. 1993).

    ``i = gbar q² r (v - eca)`` with (1/ms, at 36 °C, no temperature dependence)::

        αq = 0.055 (-27 - v) / (exp((-27 - v) / 3.8) - 1)    βq = 0.94 exp((-75 - v) / 17)
        αr = 0.000457 exp((-13 - v) / 50)                  βr = 0.0065 / (exp((-15 - v) / 28) + 1)

    (The same kinetics as Hay et al.'s `Ca_HVA`.)

    Parameters:
        gbar: maximal conductance, S/cm² (1e-4).

    States: ``q``, ``r``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import CaL
        >>> soma = dx.Compartment(length=96.0, radius=48.0)   # µm
        >>> soma.insert(CaL())
        >>> CaL().params                                      # S/cm²
        {'gbar': 0.0001}
        >>> soma.set("eca", 120.0)                            # mV, as in the published model files
        >>> soma.get("eca").tolist()
        [120.0]
    """

    params = {"gbar": 1e-4}
    units = {"gbar": "S/cm2"}
    states = {"q": 0.0, "r": 1.0}
    ions = ("ca",)

    def gates(self, v, p):
        alpha_q = 0.055 * vtrap(-27.0 - v, 3.8)
        beta_q = 0.94 * jnp.exp((-75.0 - v) / 17.0)
        alpha_r = 0.000457 * jnp.exp((-13.0 - v) / 50.0)
        beta_r = 0.0065 * reciprocal(jnp.exp((-15.0 - v) / 28.0) + 1.0)
        return {"q": gate_from_rates(alpha_q, beta_q), "r": gate_from_rates(alpha_r, beta_r)}

    def current(self, s, v, p):
        return {"ca": p["gbar"] * s["q"] ** 2 * s["r"] * (v - p["eca"])}


class CaT(Channel):
    """Low-threshold (T-type) calcium current (Pospischil et al. 2008, after Destexhe et al. 1998).

    ``i = gbar s∞(v)² u (v - eca)``: activation is instantaneous, inactivation ``u`` relaxes
    with, for ``w = v + vx`` (mV)::

        s∞ = 1 / (1 + exp(-(w + 57) / 6.2))        u∞ = 1 / (1 + exp((w + 81) / 4))
        τu = (30.8 + (211.4 + exp((w + 113.2) / 5)) / (1 + exp((w + 84) / 3.2))) / 3 ** ((celsius - 24) / 10)

    (ms; the paper writes the factor as 1/3.7 at 36 °C.)

    Parameters:
        gbar: maximal conductance, S/cm² (4e-4).
        vx: voltage shift V_x, mV (2).

    States: ``u``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import CaT
        >>> soma = dx.Compartment(length=96.0, radius=48.0)   # µm
        >>> soma.insert(CaT())
        >>> CaT().params                                      # S/cm², mV
        {'gbar': 0.0004, 'vx': 2.0}
        >>> soma.set("CaT_gbar", 1e-3)                        # S/cm²
        >>> soma.get("CaT_gbar").tolist()
        [0.001]
    """

    params = {"gbar": 4e-4, "vx": 2.0}
    units = {"gbar": "S/cm2", "vx": "mV"}
    states = {"u": 1.0}
    ions = ("ca",)

    def gates(self, v, p):
        w = v + p["vx"]
        inf = reciprocal(1.0 + jnp.exp((w + 81.0) / 4.0))
        # (211.4 + exp(a)) / (1 + exp(b)), with exp(a) / (1 + exp(b)) as exp(a - softplus(b)): the
        # plain quotient is inf/inf (NaN) in float32 above 328 mV, its slope above 198 mV.
        b = (w + 84.0) / 3.2
        tau = 30.8 + 211.4 * jax.nn.sigmoid(-b) + jnp.exp((w + 113.2) / 5.0 - jax.nn.softplus(b))
        return {"u": Gate(inf, tau / _q10(3.0, p["celsius"], 24.0))}

    def current(self, s, v, p):
        s_inf = reciprocal(1.0 + jnp.exp(-(v + p["vx"] + 57.0) / 6.2))
        return {"ca": p["gbar"] * s_inf**2 * s["u"] * (v - p["eca"])}
