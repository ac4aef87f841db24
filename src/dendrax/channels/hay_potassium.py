"""Potassium channels of the Hay et al. (2011) layer-5 pyramidal cell.

Hay E, Hill S, Schürmann F, Markram H, Segev I (2011). Models of neocortical layer 5b
pyramidal cells capturing a wide range of dendritic and perisomatic active properties.
PLoS Comput Biol 7:e1002107.

The equations are those of the model files published with the paper (ModelDB 139653),
written here from their rate functions. `K_Pst`, `K_Tst` and `Im` were measured at 21 °C and
scale with a Q10 of 2.3 to the model's 34 °C: as in the published files the factor is fixed,
``2.3 ** ((34 - 21) / 10)``, whatever ``celsius`` is. `SKv3_1` and `SK_E2` have no
temperature dependence.
Defaults of ``gbar`` are the published files'; the paper's fitted densities differ by region.
"""

from __future__ import annotations

import jax.numpy as jnp

from ..mechanisms.channel import Channel
from ..mechanisms.gating import Gate, gate_from_rates, reciprocal
from .hay_sodium import HAY_TEMPERATURE_FACTOR

__all__ = ["Im", "K_Pst", "K_Tst", "SK_E2", "SKv3_1"]


class K_Pst(Channel):
    """Persistent potassium current (Hay et al. 2011, after Korngreen & Sakmann 2000).

    ``i = gbar m² h (v - ek)``. With ``w = v + 10`` (the data shifted by -10 mV for the liquid
    junction potential)::

        m∞ = 1 / (1 + exp(-(w + 1) / 12))
        τm = 1.25 + 175.03 exp(0.026 w)  for w < -50,   1.25 + 13 exp(-0.026 w)  otherwise
        h∞ = 1 / (1 + exp((w + 54) / 11))
        τh = 360 + (1010 + 24 (w + 55)) exp(-((w + 75) / 48)²)

    (ms at 21 °C; divided by ``2.3 ** ((34 - 21) / 10)`` at any ``celsius``; ``τm`` is continuous, with a
    kink, at w = -50 mV).

    Parameters:
        gbar: maximal conductance, S/cm² (1e-5).

    States: ``m``, ``h``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import K_Pst
        >>> soma = dx.Compartment(length=20.0, radius=10.0)   # µm
        >>> soma.insert(K_Pst())
        >>> K_Pst().params                                    # S/cm²
        {'gbar': 1e-05}
        >>> soma.set("celsius", 34.0)                         # °C: the published Q10 factor
        >>> soma.set("K_Pst_gbar", 0.2)                       # S/cm²
        >>> soma.get("K_Pst_gbar").tolist()
        [0.2]
    """

    params = {"gbar": 1e-5}
    units = {"gbar": "S/cm2"}
    states = {"m": 0.0, "h": 1.0}
    ions = ("k",)

    def gates(self, v, p):
        q = HAY_TEMPERATURE_FACTOR
        w = v + 10.0
        m_inf = reciprocal(1.0 + jnp.exp(-(w + 1.0) / 12.0))
        tau_m = 1.25 + jnp.where(w < -50.0, 175.03 * jnp.exp(0.026 * w), 13.0 * jnp.exp(-0.026 * w))
        h_inf = reciprocal(1.0 + jnp.exp((w + 54.0) / 11.0))
        tau_h = 360.0 + (1010.0 + 24.0 * (w + 55.0)) * jnp.exp(-(((w + 75.0) / 48.0) ** 2))
        return {"m": Gate(m_inf, tau_m / q), "h": Gate(h_inf, tau_h / q)}

    def current(self, s, v, p):
        return {"k": p["gbar"] * s["m"] ** 2 * s["h"] * (v - p["ek"])}


class K_Tst(Channel):
    """Transient potassium current (Hay et al. 2011, after Korngreen & Sakmann 2000).

    ``i = gbar m⁴ h (v - ek)``. With ``w = v + 10`` (shifted by -10 mV)::

        m∞ = 1 / (1 + exp(-w / 19))          τm = 0.34 + 0.92 exp(-((w + 71) / 59)²)
        h∞ = 1 / (1 + exp((w + 66) / 10))    τh = 8 + 49 exp(-((w + 73) / 23)²)

    (ms at 21 °C; divided by ``2.3 ** ((34 - 21) / 10)`` at any ``celsius``).

    Parameters:
        gbar: maximal conductance, S/cm² (1e-5).

    States: ``m``, ``h``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import K_Tst
        >>> soma = dx.Compartment(length=20.0, radius=10.0)   # µm
        >>> soma.insert(K_Tst())
        >>> K_Tst().params                                    # S/cm²
        {'gbar': 1e-05}
        >>> soma.get("ek").tolist()                           # mV: NEURON's default
        [-77.0]
    """

    params = {"gbar": 1e-5}
    units = {"gbar": "S/cm2"}
    states = {"m": 0.0, "h": 1.0}
    ions = ("k",)

    def gates(self, v, p):
        q = HAY_TEMPERATURE_FACTOR
        w = v + 10.0
        m_inf = reciprocal(1.0 + jnp.exp(-w / 19.0))
        tau_m = 0.34 + 0.92 * jnp.exp(-(((w + 71.0) / 59.0) ** 2))
        h_inf = reciprocal(1.0 + jnp.exp((w + 66.0) / 10.0))
        tau_h = 8.0 + 49.0 * jnp.exp(-(((w + 73.0) / 23.0) ** 2))
        return {"m": Gate(m_inf, tau_m / q), "h": Gate(h_inf, tau_h / q)}

    def current(self, s, v, p):
        return {"k": p["gbar"] * s["m"] ** 4 * s["h"] * (v - p["ek"])}


class SKv3_1(Channel):
    """Fast non-inactivating Kv3.1 potassium current (Hay et al. 2011, after Rettig et al. 1992).

    ``i = gbar m (v - ek)`` with (no temperature dependence)::

        m∞ = 1 / (1 + exp((v - 18.7) / -9.7))    τm = 0.2 · 20 / (1 + exp((v + 46.56) / -44.14))  (ms)

    Parameters:
        gbar: maximal conductance, S/cm² (1e-5).

    States: ``m``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import SKv3_1
        >>> soma = dx.Compartment(length=20.0, radius=10.0)   # µm
        >>> soma.insert(SKv3_1())
        >>> SKv3_1().params                                   # S/cm²
        {'gbar': 1e-05}
        >>> soma.set("SKv3_1_gbar", 0.3)                      # S/cm²: fast repolarisation
        >>> soma.get("SKv3_1_gbar").tolist()
        [0.3]
    """

    params = {"gbar": 1e-5}
    units = {"gbar": "S/cm2"}
    states = {"m": 0.0}
    ions = ("k",)

    def gates(self, v, p):
        m_inf = reciprocal(1.0 + jnp.exp((v - 18.7) / -9.7))
        tau_m = 0.2 * 20.0 * reciprocal(1.0 + jnp.exp((v + 46.56) / -44.14))
        return {"m": Gate(m_inf, tau_m)}

    def current(self, s, v, p):
        return {"k": p["gbar"] * s["m"] * (v - p["ek"])}


class SK_E2(Channel):
    """Small-conductance calcium-activated potassium current (Hay et al. 2011, after Köhler et al. 1996).

    ``i = gbar z (v - ek)``; ``z`` relaxes with time constant ``zTau`` to::

        z∞ = 1 / (1 + (0.00043 / c) ** 4.8),   c = cai (mM), or cai + 1e-7 where cai < 1e-7

    (the published guard against cai = 0, kept as it is). It reads ``cai`` (this step's, once
    a calcium buffer such as `CaDynamics_E2` has updated it), so where it is inserted ``eca``
    is the Nernst potential of ``cai`` and ``cao`` (NEURON's rule for a read concentration).

    Parameters:
        gbar: maximal conductance, S/cm² (1e-6).
        zTau: time constant, ms (1; must be > 0).

    States: ``z``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import CaDynamics_E2, Ca_HVA, SK_E2
        >>> soma = dx.Compartment(length=20.0, radius=10.0)   # µm
        >>> soma.insert(CaDynamics_E2())                      # writes cai (mM)
        >>> soma.insert(Ca_HVA())
        >>> soma.insert(SK_E2())
        >>> SK_E2().params                                    # S/cm², ms
        {'gbar': 1e-06, 'zTau': 1.0}
        >>> SK_E2.reads                                       # eca then follows Nernst
        ('cai',)
    """

    params = {"gbar": 1e-6, "zTau": 1.0}
    units = {"gbar": "S/cm2", "zTau": "ms"}
    states = {"z": 0.0}
    ions = ("k", "ca")
    reads = ("cai",)

    @property
    def positive(self):
        return (*super().positive, "zTau")

    def gates(self, v, p):
        cai = p["cai"]
        c = jnp.where(cai < 1e-7, cai + 1e-7, cai)
        z_inf = reciprocal(1.0 + (0.00043 / c) ** 4.8)
        return {"z": Gate(z_inf, jnp.broadcast_to(p["zTau"], jnp.shape(z_inf)))}

    def current(self, s, v, p):
        return {"k": p["gbar"] * s["z"] * (v - p["ek"])}


class Im(Channel):
    """Muscarinic (M-type) potassium current (Hay et al. 2011, after Adams et al. 1982).

    ``i = gbar m (v - ek)`` with (1/ms at 21 °C, multiplied by ``2.3 ** ((34 - 21) / 10)`` at any ``celsius``)::

        αm = 3.3e-3 exp(2.5 · 0.04 (v + 35))    βm = 3.3e-3 exp(-2.5 · 0.04 (v + 35))

    Parameters:
        gbar: maximal conductance, S/cm² (1e-5).

    States: ``m``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import Im
        >>> soma = dx.Compartment(length=20.0, radius=10.0)   # µm
        >>> soma.insert(Im())
        >>> Im().params                                       # S/cm²
        {'gbar': 1e-05}
        >>> soma.set("celsius", 34.0)                         # °C: rates × 2.3 ** 1.3
        >>> soma.get("Im_gbar").tolist()
        [1e-05]
    """

    params = {"gbar": 1e-5}
    units = {"gbar": "S/cm2"}
    states = {"m": 0.0}
    ions = ("k",)

    def gates(self, v, p):
        x = 0.1 * (v + 35.0)
        return {"m": gate_from_rates(3.3e-3 * jnp.exp(x), 3.3e-3 * jnp.exp(-x), HAY_TEMPERATURE_FACTOR)}

    def current(self, s, v, p):
        return {"k": p["gbar"] * s["m"] * (v - p["ek"])}
