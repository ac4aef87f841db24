"""A passive leak current."""

from __future__ import annotations

from ..mechanisms.channel import Channel

__all__ = ["Leak"]


class Leak(Channel):
    """Passive membrane: ``i = gLeak (v - eLeak)``; NEURON's ``pas`` with its defaults.

    Parameters:
        gLeak: conductance, S/cm² (0.001).
        eLeak: reversal potential, mV (-70).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import Leak
        >>> branch = dx.Branch(length=100.0, radius=1.0, ncomp=4)
        >>> branch.insert(Leak())
        >>> branch.set("Leak_gLeak", 1.0 / 40000.0)   # Rm = 40 kΩ·cm²
    """

    params = {"gLeak": 0.001, "eLeak": -70.0}
    units = {"gLeak": "S/cm2", "eLeak": "mV"}

    def current(self, s, v, p):
        return p["gLeak"] * (v - p["eLeak"])
