"""The hyperpolarisation-activated cation current of the Hay et al. (2011) layer-5 pyramidal cell.

Hay E, Hill S, Schürmann F, Markram H, Segev I (2011). Models of neocortical layer 5b
pyramidal cells capturing a wide range of dendritic and perisomatic active properties.
PLoS Comput Biol 7:e1002107. Kinetics of Kole, Hallermann & Stuart (2006), J Neurosci
26:1677-1687, fitted at 34 °C; written here from the rate functions of the model files
published with Hay et al. (ModelDB 139653).
"""

from __future__ import annotations

import jax.numpy as jnp

from ..mechanisms.channel import Channel
from ..mechanisms.gating import gate_from_rates, vtrap

__all__ = ["Ih"]


class Ih(Channel):
    """Hyperpolarisation-activated cation (HCN) current (Hay et al. 2011, after Kole et al. 2006).

    ``i = gbar m (v - ehcn)``, a non-specific current, with (1/ms, no temperature dependence)::

        αm = 0.001 · 6.43 (v + 154.9) / (exp((v + 154.9) / 11.9) - 1)    βm = 0.001 · 193 exp(v / 33.1)

    (``αm`` evaluated stably at its removable singularity v = -154.9 mV, which the published
    files step over with ``v = v + 0.0001``).

    Parameters:
        gbar: maximal conductance, S/cm² (1e-5).
        ehcn: reversal potential, mV (-45).

    States: ``m``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import Ih
        >>> dend = dx.Branch(length=300.0, radius=1.0, ncomp=3)   # µm
        >>> dend.insert(Ih())
        >>> Ih().params                                           # S/cm², mV
        {'gbar': 1e-05, 'ehcn': -45.0}
        >>> dend.set("Ih_gbar", [1e-4, 2e-4, 4e-4])               # S/cm²: rising along the branch
        >>> dend.get("Ih_gbar").tolist()
        [0.0001, 0.0002, 0.0004]
    """

    params = {"gbar": 1e-5, "ehcn": -45.0}
    units = {"gbar": "S/cm2", "ehcn": "mV"}
    states = {"m": 0.0}

    def gates(self, v, p):
        alpha = 0.001 * 6.43 * vtrap(v + 154.9, 11.9)
        beta = 0.001 * 193.0 * jnp.exp(v / 33.1)
        return {"m": gate_from_rates(alpha, beta)}

    def current(self, s, v, p):
        return {"nonspecific": p["gbar"] * s["m"] * (v - p["ehcn"])}
