"""Help for a name dendrax does not know: close matches, NEURON's name for it, the
mechanism prefix it lacks (the hints of "unknown parameter or state" errors)."""

from __future__ import annotations

import difflib
from typing import Any

__all__ = ["NEURON_NAMES", "insert_hint", "name_hint"]

# NEURON's built-in mechanisms, as NEURON users name them to insert().
NEURON_MECHANISMS = {"hh": "from dendrax.channels import HH; insert(HH())", "pas": "from dendrax.channels import Leak; insert(Leak())"}

# NEURON's names for what dendrax calls otherwise (hints in "unknown parameter" errors).
NEURON_NAMES = {
    "diam": "'radius' (µm) = diam / 2",
    "L": "'length' (µm), per compartment: L / ncomp",
    "nseg": "the Branch's ncomp, fixed when it is built",
    "ncomp": "dx.Branch(..., ncomp=...), fixed when it is built (set('length', ...) is per compartment)",
    "Ra": "'axial_resistivity' (Ω·cm)",
    "cm": "'capacitance' (µF/cm²)",
    "V": "'v' (mV)",
    "v_init": "'v' (mV, the initial membrane potential; h.finitialize(v_init) sets it everywhere)",
    "dt": "integrate(..., delta_t=...) (ms), not a value of the cell",
    "tstop": "integrate(..., t_max=...) (ms), not a value of the cell",
    "gnabar_hh": "'HH_gNa' (S/cm², after insert(HH()))",
    "gkbar_hh": "'HH_gK' (S/cm², after insert(HH()))",
    "gl_hh": "'HH_gLeak' (S/cm², after insert(HH()))",
    "el_hh": "'HH_eLeak' (mV, after insert(HH()))",
    "g_pas": "'Leak_gLeak' (S/cm², after insert(Leak()))",
    "e_pas": "'Leak_eLeak' (mV, after insert(Leak()))",
}


def name_hint(module: Any, name: str) -> str:
    """The hint after "unknown parameter or state 'name'." for ``module`` ('' if none)."""
    same_letters = [p for p in module.parameter_names if p.lower() == name.lower()]  # hh_m: HH_m
    close = same_letters or difflib.get_close_matches(name, module.parameter_names, n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    param, _, suffix = name.rpartition("_")
    # NEURON's gnabar_hh is hh_gnabar of a loaded hh.mod; m_hh is HH_m of the built-in HH.
    loaded = [
        f"{m}_{param}" for m, (mech, _) in module._mechanisms.items()
        if param and m.lower() == suffix.lower() and (param in mech.params or param in mech.states)
    ]
    bare = [f"{m}_{name}" for m, (mech, _) in module._mechanisms.items() if name in mech.params or name in mech.states]
    if loaded:
        hint = f" In dendrax: {loaded[0]!r} (NEURON's <name>_<suffix> is <suffix>_<name>)."
    elif name in NEURON_NAMES:
        hint = f" In dendrax: {NEURON_NAMES[name]}."
    elif bare:
        hint = f" Names carry their mechanism's prefix: {', '.join(repr(b) for b in bare)}."
    if "_" in name and not any(name.startswith(m + "_") for m in module._mechanisms):
        hint += f" Inserted mechanisms: {sorted(module._mechanisms) or 'none'}."
    return hint


def insert_hint(value: Any) -> str:
    """The hint after "insert() takes a dendrax Mechanism; got ..." ('' if none): NEURON's
    name of a mechanism, a module instead of its class, a class instead of an instance."""
    import types

    if isinstance(value, str):
        if value in NEURON_MECHANISMS:
            return f" (NEURON's {value!r}: {NEURON_MECHANISMS[value]})"
        return " (a name: insert an instance of the mechanism's class, or dx.nmodl.load('file.mod')() for a .mod file)"
    if isinstance(value, types.ModuleType):
        classes = sorted(n for n in getattr(value, "__all__", ()) if n[:1].isupper())
        return f", a module: insert an instance of its class, e.g. insert({classes[0]}())" if classes else ", a module"
    return ""
