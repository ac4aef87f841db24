"""Which names can be recorded where: ``"v"``, mechanism states, membrane currents and the
voltage clamp's current, with refusals that say what can be recorded instead."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..mechanisms.ions import ION_DEFAULTS
from .site import Site

__all__ = ["CLAMP_CURRENT", "NO_MEMBRANE", "check_recordable", "is_current", "state_hint"]

CLAMP_CURRENT = "i_clamp"  # the current a voltage clamp injects (nA), as NEURON's SEClamp.i


def check_recordable(module: Any, sites: Sequence[Site], name: str) -> None:
    """Raise unless ``name`` (``"v"``, a state, a current) can be recorded at every site."""
    current = is_current(module, name)
    if name != "v" and not current:
        if name in ("i_membrane", "i_cap"):
            raise ValueError(
                f"cannot record {name!r}: dendrax records the membrane's ionic current, 'i' (mA/cm², "
                f"all mechanisms); the capacitive current is cm dV/dt, from a recording of 'v'"
            )
        mech, _, short = name.partition("_")
        if mech in module._mechanisms and short.startswith("i") and short not in module._mechanisms[mech][0].states:
            if name not in module._data.columns:
                raise ValueError(f"cannot record {name!r}: one mechanism's current is recorded as 'i_{mech}'")
        if name not in module._data.columns and _looks_like_a_current(name):
            ions = sorted({ion for m, _ in module._mechanisms.values() for ion in m.ions})
            if not module._mechanisms:
                raise ValueError(
                    f"cannot record {name!r}: no mechanism is inserted yet (of the currents only 'i', the total, is "
                    "recordable, and it is 0); insert the mechanisms first (e.g. insert(HH())), then record their currents"
                )
            raise ValueError(
                f"cannot record {name!r}: no inserted mechanism carries that current. Currents here: "
                f"'i' (all), {', '.join(repr('i' + ion) for ion in ions) or 'no ion currents'}, and "
                f"{', '.join(repr('i_' + m) for m in module._mechanisms)} (one mechanism each)"
            )
        if name in {var for ion in ION_DEFAULTS.values() for var in ion if var[0] != "e"}:  # cai, nao, ...
            writers = [f"{m}_{name}" for m, (mech, _) in module._mechanisms.items() if name in mech.states]
            if writers:
                why = " or ".join(repr(w) for w in writers)
            elif name in module._data.columns:
                why = f"none here writes {name}, so it keeps its value, module.get({name!r})"
            else:
                why = f"no inserted mechanism uses {name}"
            pool = " (a calcium pool such as CaDynamics_E2 makes it one: 'CaDynamics_E2_cai')" if name == "cai" else ""
            raise ValueError(
                f"cannot record {name!r}: a concentration is recorded as the state of the mechanism that writes "
                f"it ({why}){'' if writers else pool}"
            )
        if name in {f"e{ion}" for ion in ION_DEFAULTS}:
            ion = name[1:]
            writers = [f"{m}_{ion}i" for m, (mech, _) in module._mechanisms.items() if f"{ion}i" in mech.states]
            raise ValueError(
                f"cannot record {name!r}: reversal potentials are not recorded. A fixed one is a parameter "
                f"(module.get({name!r})); where a mechanism reads or writes the concentrations, it follows Nernst (get "
                f"then shows the unused parameter): record the concentration's state ({' or '.join(repr(w) for w in writers) or f'the {ion}i of the mechanism that writes it'}) "
                f"and compute dendrax.mechanisms.ions.nernst({ion}i, {ion}o, valence, celsius)"
            )
        key = module._resolve_name(name)
        owner = module._owner(key)
        if owner is None or owner[2] != "state":
            raise ValueError(
                f"can record 'v', a mechanism state (e.g. 'HH_m') or a current ('i', 'ina', 'i_HH'); "
                f"{name!r} is not a state{state_hint(module, name)}"
            )
        mech_name = owner[0]
        mask = module._mechanisms[mech_name][1]
        for site in sites:
            if site.kind != "comp":
                raise ValueError(f"cannot record {name!r} at {site.describe()}: {NO_MEMBRANE}")
            if not mask[site.index]:
                raise ValueError(f"cannot record {name!r} at {site.describe()}: {mech_name} is not there")
    if current:
        # As NEURON (``seg._ref_ina`` where no mechanism uses sodium is an error): a current
        # recorded where nothing carries it would be a row of zeros.
        if name == "i":
            carriers = None
        elif (owner := computed_owner(module, name)) is not None:
            carriers = [owner]
        elif name.startswith("i_") and name[2:] in module._mechanisms:
            carriers = [name[2:]]
        else:
            carriers = [m for m, (mech, _) in module._mechanisms.items() if name in {f"i{ion}" for ion in mech.ions}]
        for site in sites:
            if site.kind != "comp":
                raise ValueError(f"membrane currents live in compartments; {site.describe()} has no membrane")
            if carriers is not None and not any(module._mechanisms[m][1][site.index] for m in carriers):
                raise ValueError(
                    f"cannot record {name!r} at {site.describe()}: no mechanism there carries it "
                    f"({', '.join(carriers)} {'is' if len(carriers) == 1 else 'are'} not inserted there)"
                )


NO_MEMBRANE = (
    "a branch's end (x = 0 or 1) is a node without membrane, as in NEURON, so it has no "
    "mechanism states; use a point inside (.loc(0.01), .loc(0.99)) or the end compartment (.comp(0), .comp(-1))"
)


def state_hint(module, name: str) -> str:
    """``"; did you mean 'capool_cai'?"`` when inserted mechanisms have a state ``name``
    (NEURON's ``_ref_cai`` is the concentration a mechanism writes: its state here)."""
    full = [f"{m}_{name}" for m, (mech, _) in module._mechanisms.items() if name in mech.states]
    return f"; did you mean {' or '.join(repr(f) for f in full)}?" if full else ""


def _looks_like_a_current(name: str) -> bool:
    """``"i_<mechanism>"`` or ``"i<ion>"`` of an ion dendrax knows: a current's name, not a
    typo of a state's."""
    return name.startswith("i_") or name in {f"i{ion}" for ion in ION_DEFAULTS}


def computed_owner(module, name: str) -> str | None:
    """The inserted mechanism whose computed value (`Mechanism.computed`) ``name`` is
    (``"bo_o"``: ``"bo"``), else None."""
    for m, (mech, _) in module._mechanisms.items():
        if name.startswith(m + "_") and name[len(m) + 1 :] in mech.computed:
            return m
    return None


def is_current(module, name: str) -> bool:
    """Whether ``name`` is a recordable membrane current of ``module``, or a value a
    mechanism computes with its current (recorded alike)."""
    if name == "i" or computed_owner(module, name) is not None:
        return True
    ions = {ion for m, _ in module._mechanisms.values() for ion in m.ions}
    if name in {f"i{ion}" for ion in ions}:
        return True
    return name.startswith("i_") and name[2:] in module._mechanisms
