"""Sodium channels of the Hay et al. (2011) layer-5 pyramidal cell.

Hay E, Hill S, Schürmann F, Markram H, Segev I (2011). Models of neocortical layer 5b
pyramidal cells capturing a wide range of dendritic and perisomatic active properties.
PLoS Comput Biol 7:e1002107.

The equations are those of the model files published with the paper (ModelDB 139653),
written here from their rate functions; where those files step over a removable singularity
(``if (v == -38) v = v + 0.0001``) we evaluate the limit exactly (`dendrax.vtrap`).
Kinetics were measured at 21 °C and scaled with a Q10 of 2.3 to the model's 34 °C: as in
the published files the factor is fixed, ``2.3 ** ((34 - 21) / 10)``, whatever ``celsius``
is, so that these channels run as NEURON runs those files at any temperature (``celsius``
still sets the Nernst potentials and other mechanisms' rates).

Defaults of ``gbar`` are the published files' (1e-5 S/cm²); the paper's fitted densities
differ by region (e.g. somatic NaTs2_t, axonal NaTa_t and Nap_Et2): set them per selection.

Example:
    >>> import dendrax as dx
    >>> from dendrax.channels import Nap_Et2, NaTa_t, NaTs2_t
    >>> cell = dx.Cell([dx.Branch(length=20.0, radius=10.0), dx.Branch(length=60.0, radius=0.5, ncomp=3)], parents=[-1, 0])
    >>> soma, axon = cell.branch(0), cell.branch(1)
    >>> soma.insert(NaTs2_t())
    >>> axon.insert(NaTa_t())
    >>> axon.insert(Nap_Et2())
    >>> axon.set("NaTa_t_gbar", 3.0)          # S/cm²
    >>> cell.set("celsius", 34.0)
    >>> axon.get("NaTa_t_gbar").tolist(), soma.get("NaTs2_t_gbar").tolist()
    ([3.0, 3.0, 3.0], [1e-05])
"""

from __future__ import annotations

import jax.numpy as jnp

from ..mechanisms.channel import Channel
from ..mechanisms.gating import Gate, gate_from_rates, reciprocal, vtrap

__all__ = ["NaTa_t", "NaTs2_t", "Nap_Et2"]


#: Hay et al.'s temperature factor: kinetics measured at 21 °C, Q10 = 2.3, taken to the
#: model's 34 °C. Fixed, as in the published files (it followed ``celsius`` until 2026-11-27:
#: a Hay cell left at NEURON's default 6.3 °C ran about 10 times slower than in NEURON).
HAY_TEMPERATURE_FACTOR = 2.3 ** ((34.0 - 21.0) / 10.0)


def _transient_sodium(v, p, m_half: float, h_half: float) -> dict[str, Gate]:
    q = HAY_TEMPERATURE_FACTOR
    alpha_m = 0.182 * vtrap(-(v - m_half), 6.0)
    beta_m = 0.124 * vtrap(v - m_half, 6.0)
    alpha_h = 0.015 * vtrap(v - h_half, 6.0)
    beta_h = 0.015 * vtrap(-(v - h_half), 6.0)
    return {"m": gate_from_rates(alpha_m, beta_m, q), "h": gate_from_rates(alpha_h, beta_h, q)}


class NaTa_t(Channel):
    """Fast inactivating sodium current, axonal (Hay et al. 2011, after Colbert & Pan 2002).

    ``i = gbar m³ h (v - ena)`` with (1/ms, at 21 °C)::

        αm = 0.182 (v + 38) / (1 - exp(-(v + 38) / 6))    βm = 0.124 (-v - 38) / (1 - exp((v + 38) / 6))
        αh = -0.015 (v + 66) / (1 - exp((v + 66) / 6))    βh = -0.015 (-v - 66) / (1 - exp(-(v + 66) / 6))

    all multiplied by ``2.3 ** ((34 - 21) / 10)`` (at any ``celsius``).

    Parameters:
        gbar: maximal conductance, S/cm² (1e-5).

    States: ``m``, ``h``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import NaTa_t
        >>> axon = dx.Branch(length=60.0, radius=0.5, ncomp=3)   # µm
        >>> axon.insert(NaTa_t())
        >>> NaTa_t().params                                      # S/cm²
        {'gbar': 1e-05}
        >>> axon.set("NaTa_t_gbar", 3.0)                         # S/cm²: an axon initial segment
        >>> axon.get("NaTa_t_gbar").tolist()
        [3.0, 3.0, 3.0]
    """

    params = {"gbar": 1e-5}
    units = {"gbar": "S/cm2"}
    states = {"m": 0.0, "h": 1.0}
    ions = ("na",)

    def gates(self, v, p):
        return _transient_sodium(v, p, -38.0, -66.0)

    def current(self, s, v, p):
        return {"na": p["gbar"] * s["m"] ** 3 * s["h"] * (v - p["ena"])}


class NaTs2_t(Channel):
    """Fast inactivating sodium current, somatic (Hay et al. 2011, after Colbert & Pan 2002).

    As `NaTa_t` with the activation centred at -32 mV instead of -38 mV and the inactivation
    at -60 mV instead of -66 mV.

    Parameters:
        gbar: maximal conductance, S/cm² (1e-5).

    States: ``m``, ``h``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import NaTs2_t
        >>> soma = dx.Compartment(length=20.0, radius=10.0)   # µm
        >>> soma.insert(NaTs2_t())
        >>> NaTs2_t().params                                  # S/cm²
        {'gbar': 1e-05}
        >>> soma.set("NaTs2_t_gbar", 0.98)                    # S/cm²
        >>> soma.set("ena", 50.0)                             # mV
        >>> soma.get("NaTs2_t_gbar").tolist(), soma.get("ena").tolist()
        ([0.98], [50.0])
    """

    params = {"gbar": 1e-5}
    units = {"gbar": "S/cm2"}
    states = {"m": 0.0, "h": 1.0}
    ions = ("na",)

    def gates(self, v, p):
        return _transient_sodium(v, p, -32.0, -60.0)

    def current(self, s, v, p):
        return {"na": p["gbar"] * s["m"] ** 3 * s["h"] * (v - p["ena"])}


class Nap_Et2(Channel):
    """Persistent sodium current (Hay et al. 2011, after Magistretti & Alonso 1999).

    ``i = gbar m³ h (v - ena)`` with::

        m∞ = 1 / (1 + exp(-(v + 52.6) / 4.6))    τm = 6 / (αm + βm)   (αm, βm of `NaTa_t`)
        h∞ = 1 / (1 + exp((v + 48.8) / 10))     τh = 1 / (αh + βh)
        αh = -2.88e-6 (v + 17) / (1 - exp((v + 17) / 4.63))
        βh = 6.94e-6 (v + 64.4) / (1 - exp(-(v + 64.4) / 2.63))

    (ms and 1/ms at 21 °C; time constants divided by ``2.3 ** ((34 - 21) / 10)`` at any ``celsius``).

    Parameters:
        gbar: maximal conductance, S/cm² (1e-5).

    States: ``m``, ``h``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import Nap_Et2
        >>> soma = dx.Compartment(length=20.0, radius=10.0)   # µm
        >>> soma.insert(Nap_Et2())
        >>> Nap_Et2().params                                  # S/cm²
        {'gbar': 1e-05}
        >>> [n for n in soma.parameter_names if n.startswith("Nap_Et2")]
        ['Nap_Et2_gbar', 'Nap_Et2_m', 'Nap_Et2_h']
    """

    params = {"gbar": 1e-5}
    units = {"gbar": "S/cm2"}
    states = {"m": 0.0, "h": 1.0}
    ions = ("na",)

    def gates(self, v, p):
        q = HAY_TEMPERATURE_FACTOR
        alpha_m = 0.182 * vtrap(-(v + 38.0), 6.0)
        beta_m = 0.124 * vtrap(v + 38.0, 6.0)
        m_inf = reciprocal(1.0 + jnp.exp(-(v + 52.6) / 4.6))
        h_inf = reciprocal(1.0 + jnp.exp((v + 48.8) / 10.0))
        alpha_h = 2.88e-6 * vtrap(v + 17.0, 4.63)
        beta_h = 6.94e-6 * vtrap(-(v + 64.4), 2.63)
        return {
            "m": Gate(m_inf, 6.0 * reciprocal((alpha_m + beta_m) * q)),
            "h": Gate(h_inf, reciprocal((alpha_h + beta_h) * q)),
        }

    def current(self, s, v, p):
        return {"na": p["gbar"] * s["m"] ** 3 * s["h"] * (v - p["ena"])}
