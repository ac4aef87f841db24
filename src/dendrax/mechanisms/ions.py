"""Ions known to dendrax: NEURON's default values, valences and the Nernst potential."""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike

__all__ = [
    "FARADAY", "GAS_CONSTANT", "ION_DEFAULTS", "VALENCE", "ion_of", "ion_variables", "nernst", "reversal_ion",
    "uses_concentrations",
]

# NEURON 9's constants (CODATA 2018): C/mol and J/(mol K).
FARADAY = 96485.33212331001
GAS_CONSTANT = 8.31446261815324

VALENCE = {"na": 1, "k": 1, "ca": 2}

# NEURON's defaults: reversal potential (mV), intra- and extracellular concentration (mM).
# eca: NEURON's eca0_ca_ion, 12.5 mV * ln(cao / cai) = 132.458 mV (not the Nernst value of
# these concentrations at 6.3 °C, 127.59 mV); it applies where no mechanism reads or writes
# cai or cao (there, as in NEURON, eca is the Nernst potential of the concentrations).
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


def names(ion: str) -> tuple[str, str, str, str]:
    """(reversal, inside, outside, current) variable names of ``ion``: ``("eca", "cai", "cao", "ica")``."""
    return f"e{ion}", f"{ion}i", f"{ion}o", f"i{ion}"


def ion_of(variable: str) -> str | None:
    """The known ion that ``variable`` (``"eca"``, ``"cai"``, ``"cao"``, ``"ica"``) belongs to, or None.

    Example:
        >>> from dendrax.mechanisms.ions import ion_of
        >>> ion_of("eca"), ion_of("ko"), ion_of("gNa")
        ('ca', 'k', None)
    """
    return next((ion for ion in ION_DEFAULTS if variable in names(ion)), None)


def reversal_ion(variable: str) -> str | None:
    """The ion whose reversal potential ``variable`` is (``"eca"`` gives ``"ca"``), or None.

    Example:
        >>> from dendrax.mechanisms.ions import reversal_ion
        >>> reversal_ion("eca"), reversal_ion("cai")
        ('ca', None)
    """
    ion = ion_of(variable)
    return ion if ion is not None and variable == f"e{ion}" else None


def uses_concentrations(mechanism, ion: str) -> bool:
    """Whether ``mechanism`` reads or writes a concentration of ``ion``: there, as in NEURON,
    the ion's reversal potential follows the Nernst equation."""
    return any(var in names(ion)[1:3] for var in (*mechanism.reads, *mechanism.writes))


def nernst(inside: ArrayLike, outside: ArrayLike, valence: int, celsius: ArrayLike) -> Array:
    """Nernst potential (mV) of concentrations ``inside`` and ``outside`` (mM) at ``celsius`` (°C).

    A concentration that is not positive (a pool driven below zero by a large outward
    current) gets NEURON's values: +1e6 mV when ``inside <= 0``, else -1e6 mV when
    ``outside <= 0``, whatever the valence (NEURON's ``nernst``); the run goes on as NEURON's
    does, instead of turning to NaN, and the gradient there is 0.

    Example:
        >>> from dendrax.mechanisms.ions import nernst
        >>> round(float(nernst(5e-5, 2.0, 2, 6.3)), 6)   # NEURON: nernst(5e-5, 2, 2)
        127.589511
        >>> float(nernst(-1e-5, 2.0, 2, 6.3)), float(nernst(1e-5, 0.0, 2, 6.3))
        (1000000.0, -1000000.0)
    """
    inside, outside = jnp.asarray(inside), jnp.asarray(outside)
    factor = 1000.0 * GAS_CONSTANT * (jnp.asarray(celsius) + 273.15) / (valence * FARADAY)
    positive = (inside > 0) & (outside > 0)
    # The log of a safe ratio where either is not positive: no NaN in the value or gradient.
    ratio = jnp.where(positive, outside, 1.0) / jnp.where(positive, inside, 1.0)
    return jnp.where(positive, factor * jnp.log(ratio), jnp.where(inside <= 0, 1e6, -1e6))
