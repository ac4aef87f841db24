"""What values a description accepts: waveforms, real numbers, and each quantity's physical
range (geometry, cable properties, concentrations, mechanism parameters, model-wide values).
One rule each, for `set`, `make_trainable`, `stimulate`, `clamp` and ``params=``."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from ..mechanisms.ions import ION_DEFAULTS, reversal_ion, uses_concentrations
from .tree import GEOMETRY, geometry_error

__all__ = [
    "ION_CONCENTRATIONS",
    "POSITIVE",
    "cable_error",
    "check_not_nernst",
    "check_values",
    "flag",
    "global_range_error",
    "is_numeric",
    "real_number",
    "real_values",
    "require_real_dtype",
    "shared_waveform",
    "waveform",
]

# Ion concentrations (mM) that `set` accepts: "nai", "nao", "ki", ..., "cao".
ION_CONCENTRATIONS = {var for ion in ION_DEFAULTS.values() for var in ion if not var.startswith("e")}

POSITIVE = {
    "length": "µm",
    "radius": "µm",
    "capacitance": "µF/cm²",
    "axial_resistivity": "Ω·cm",
}


# Ω·cm. Below it the cell is isopotential to 3e-6 mV (HH tree, against one compartment)
# and a smaller value only adds round-off to the voltage solve: 0.02 mV at 1e-9, NaN at 1e-50.
MIN_AXIAL_RESISTIVITY = 1e-3


def cable_error(name: str, values: Any) -> str | None:
    """Why values of a cable property are out of range (beyond > 0), or None."""
    values = np.asarray(values, dtype=np.float64)
    if name == "axial_resistivity" and np.any(values < MIN_AXIAL_RESISTIVITY):
        return (
            f"axial_resistivity must be >= {MIN_AXIAL_RESISTIVITY:g} Ω·cm (below it the cell is isopotential and "
            f"the solve only gathers round-off; for an isopotential cell use one compartment); got "
            f"{values[values < MIN_AXIAL_RESISTIVITY].ravel()[0]:g}"
        )
    return None


def waveform(values: Any, what: str) -> np.ndarray:
    if isinstance(values, jax.core.Tracer):
        many = "stimuli" if what == "stimulus" else "clamps"
        raise TypeError(
            f"a {what} stored in the description is a fixed array, and this one is a traced value (inside jit, "
            f"vmap or grad): register a placeholder outside (e.g. np.zeros(n_time_points)) and pass the traced "
            f"values at call time, integrate(..., {many}=...) or sim({many}=...)"
        )
    if not is_numeric(values):  # a complex waveform lost its imaginary part with a NumPy warning
        shown = f"an array of dtype {np.asarray(values).dtype}" if hasattr(values, "dtype") else repr(values)[:80]
        raise TypeError(f"a {what} takes real numbers, one per time point; got {shown}")
    wave = np.asarray(values, dtype=np.float64)
    if wave.ndim != 1 or len(wave) == 0:
        raise ValueError(f"a {what} is a 1-D array with one value per time point; got shape {wave.shape}")
    bad = np.flatnonzero(~np.isfinite(wave))
    if len(bad):
        raise ValueError(
            f"the {what} is {wave[bad[0]]} at index {bad[0]} (time point {bad[0]}); every value must be finite"
        )
    return wave


def shared_waveform(wave: np.ndarray) -> np.ndarray:
    """A read-only copy of ``wave``, stored once for all the points one call selects: one
    waveform on 2,000 sites was stored 2,000 times (and compiled and simulated as 2,000
    rows). Nothing writes to a stored waveform, so descriptions and their copies share it."""
    wave = np.array(wave, dtype=np.float64)
    wave.flags.writeable = False
    return wave


def is_numeric(value: Any) -> bool:
    """Whether ``value`` is real numbers: not booleans (``set("HH_gNa", True)`` meant
    nothing a user would write on purpose), strings or complex numbers."""
    try:
        arr = np.asarray(value)
    except Exception:
        return False
    return arr.dtype.kind in "iuf"


def flag(value: Any, what: str) -> bool:
    """``value`` as a bool: True or False only (``allow_self="no"`` is a truthy string)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} takes True or False; got {value!r}")
    return bool(value)


def real_number(value: Any, what: str) -> float:
    """``value`` as one float: a real number, not a boolean or a string (``"0.6"``)."""
    if not is_numeric(value) or np.ndim(value) != 0:
        raise TypeError(f"{what} takes one real number; got {value!r}")
    return float(value)


def real_values(value: Any, what: str) -> np.ndarray:
    """``value`` as float64 values, a copy (the caller's array may change later); a
    TypeError naming ``what`` for anything but real numbers (a complex value would otherwise
    lose its imaginary part without a word)."""
    if not is_numeric(value):
        raise TypeError(f"{what} takes a number or an array of real numbers; got {value!r}")
    return np.array(value, dtype=np.float64)


def require_real_dtype(dtype: Any, what: str) -> None:
    """A TypeError naming ``what`` unless ``dtype`` holds real numbers (works on traced arrays)."""
    if np.dtype(dtype).kind not in "iuf":
        raise TypeError(f"{what} takes real numbers; got an array of dtype {np.dtype(dtype)}")


def global_range_error(name: str, values: Any) -> str | None:
    """What is wrong with values of a model-wide quantity (``celsius``, ``<ion>_diffusion``;
    any other name: only that they are finite), or None. The one rule for `set`,
    `make_trainable`, `diffuse` and ``params=``; it also warns of a celsius above 100 °C
    (a temperature in kelvin?), which is allowed."""
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        return f"{name} must be finite; got {values[~np.isfinite(values)].ravel()[0]}"
    if name == "celsius" and np.any(values < -273.15):
        return f"celsius must be a temperature above -273.15 °C; got {values[values < -273.15].ravel()[0]}"
    if name == "celsius" and np.any(values > 100.0):
        import warnings

        from .view import user_stacklevel

        warnings.warn(
            f"celsius = {values[values > 100.0].ravel()[0]:g} °C is above boiling; dendrax's temperature is in "
            "degrees Celsius (NEURON's h.celsius): 37 °C, not 310 K",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    if name.endswith("_diffusion") and np.any(values < 0):
        return f"{name} is a diffusion coefficient and must be >= 0 µm²/ms; got {values[values < 0].ravel()[0]}"
    return None


def check_not_nernst(module: Any, key: str, comps: np.ndarray, where: str = "set") -> None:
    """Refuse a reversal potential where a mechanism uses the ion's concentrations: there it
    follows the Nernst equation, and a value set would be ignored."""
    ion = reversal_ion(key)
    if ion is None:
        return
    for mech_name, (mech, mask) in module._mechanisms.items():
        if uses_concentrations(mech, ion) and mask[comps].any():
            comp = int(comps[mask[comps]][0])
            raise ValueError(
                f"{where}({key!r}, ...): {key} is computed from the concentrations (Nernst) in compartment {comp}, "
                f"where {mech_name} uses them, so a value there would be ignored; {where} the concentrations "
                f"('{ion}i', '{ion}o') instead"
            )


def check_values(module: Any, name: str, key: str, values: np.ndarray, where: str) -> None:
    """Values for ``key`` (``name`` as the user wrote it) in their physical range."""
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{where} got a non-finite value: {values[~np.isfinite(values)][0]}")
    if name in POSITIVE and np.any(values <= 0.0):
        raise ValueError(f"{name} must be > 0 {POSITIVE[name]}; got {values[values <= 0.0][0]}")
    error = geometry_error(name, values) if key in GEOMETRY else cable_error(key, values)
    if error:
        raise ValueError(error)
    owner = module._owner(key)
    if owner is not None:
        mech_name, short, _ = owner
        mech = module._mechanisms[mech_name][0]
        error = mech.range_error(short, values)
        if error:
            conductance = mech.units.get(short, "").replace(" ", "") in ("S/cm2", "S/cm²")
            raise ValueError(f"{key}{' is a conductance and' if conductance else ''} {error}")
    elif key in ION_CONCENTRATIONS and np.any(values <= 0.0):
        raise ValueError(f"{key} is a concentration and must be > 0 mM; got {values[values <= 0][0]}")
