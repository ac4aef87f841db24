"""Ions known to dendrax and NEURON's default values for their variables."""

from __future__ import annotations

__all__ = ["ION_DEFAULTS", "ion_variables"]

# NEURON's defaults: reversal potential (mV), intra- and extracellular concentration (mM).
ION_DEFAULTS: dict[str, dict[str, float]] = {
    "na": {"ena": 50.0, "nai": 10.0, "nao": 140.0},
    "k": {"ek": -77.0, "ki": 54.4, "ko": 2.5},
    "ca": {"eca": 132.4579341637009, "cai": 5e-5, "cao": 2.0},
}


def ion_variables(ion: str) -> dict[str, float]:
    """The variables (name -> default) of ``ion``; raises ValueError for an unknown ion."""
    try:
        return ION_DEFAULTS[ion]
    except KeyError:
        known = ", ".join(repr(k) for k in ION_DEFAULTS)
        raise ValueError(f"unknown ion {ion!r}; dendrax knows {known}") from None
