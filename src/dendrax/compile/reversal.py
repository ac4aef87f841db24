"""Reversal potentials that follow the Nernst equation (NEURON's rule: where a mechanism
reads or writes the ion's concentrations), and the values a description may not give them
(nor a concentration whose writer's start value is set)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..mechanisms.ions import ION_DEFAULTS, reversal_ion
from ..mechanisms.ions import names as ion_names

if TYPE_CHECKING:
    from ..model.trainable import Trainable
    from .system import Placement

__all__ = [
    "check_concentration_trainables",
    "check_reversal_values",
    "computed_reversal",
    "concentration_set_by_writer",
    "ignored_concentration_message",
]


def computed_reversal(
    placements: Sequence[Placement], users: Sequence[tuple[str, int]], name: str
) -> dict[int, str] | None:
    """Where the reversal potential ``name`` (``"eca"``) follows the Nernst equation: description
    compartment -> the mechanism that reads or writes the ion's concentration there (None if
    ``name`` is not a reversal potential)."""
    ion = reversal_ion(name)
    if ion is None:
        return None
    concentrations = ion_names(ion)[1:3]
    return {int(c): placements[k].name for var, k in users if var in concentrations for c in placements[k].comps}


def check_reversal_values(
    columns: Mapping[str, np.ndarray],
    trainables: Sequence[Trainable],
    placements: Sequence[Placement],
    users: Sequence[tuple[str, int]],
    ions: Sequence[str],
) -> None:
    """Refuse a reversal potential set (away from its default) or made trainable where the
    Nernst equation computes it (``users``: (concentration, placement) of every mechanism
    that reads or writes one): the value would be ignored."""
    for ion in ions:
        name = f"e{ion}"
        computed = computed_reversal(placements, users, name) or {}
        odd = [c for c in computed if name in columns and columns[name][c] != ION_DEFAULTS[ion][name]]
        if odd:
            raise ValueError(
                f"{name} was set to {columns[name][odd[0]]:g} mV in compartment {odd[0]}, but there it is computed "
                f"from the concentrations (Nernst) because {computed[odd[0]]} uses them, so the value would be "
                f"ignored; set the concentrations ('{ion}i', '{ion}o') instead, or set {name} only where no "
                "mechanism uses them"
            )
    for tr in trainables:
        computed = computed_reversal(placements, users, tr.name)
        if computed is not None and tr.kind != "global":
            where = [c for c in tr.comps if c in computed]
            if where:
                raise ValueError(
                    f"make_trainable({tr.name!r}): {tr.name} is computed from the concentrations (Nernst) in "
                    f"compartment {where[0]}, where {computed[where[0]]} uses them, so it would get no gradient; "
                    f"train the concentrations or the mechanisms' parameters instead (delete_trainables() "
                    f"removes the trainables, this one with the others: make those again)"
                )


def concentration_set_by_writer(
    placements: Sequence[Placement],
    writers: Sequence[tuple[str, int]],
    is_set: Callable[[str], np.ndarray | None],
    name: str,
) -> dict[int, str]:
    """Compartment -> state, where a mechanism that writes the concentration ``name``
    (``"cai"``) has its own start value set (``is_set(state)``: a mask over compartments, or
    None): there that state is the start, and a value of ``name`` would be ignored (it was,
    silently, with a zero gradient; a review)."""
    out: dict[int, str] = {}
    for var, k in writers:
        mask = is_set(f"{placements[k].name}_{var}") if var == name else None
        if mask is not None:
            out.update((int(c), f"{placements[k].name}_{var}") for c in placements[k].comps if mask[c])
    return out


def ignored_concentration_message(what: str, name: str, ignored: Mapping[int, str], comps) -> str:
    """The refusal, naming the first of ``comps`` where the value of ``name`` is ignored."""
    comp = next(int(c) for c in comps if int(c) in ignored)
    key = ignored[comp]
    return (
        f"{what}: {name} starts at {key} in compartment {comp}, where that state's start value is set "
        f"(set({key!r}, ...) or a trainable), so a value of {name} would be ignored there; give the "
        f"start as {key} instead (set or make_trainable), or set {name} only where that is not set"
    )


def check_concentration_trainables(
    trainables: Sequence[Trainable],
    placements: Sequence[Placement],
    writers: Sequence[tuple[str, int]],
    initial_set: Mapping[str, np.ndarray],
    n_comps: int,
) -> None:
    """Refuse a trainable concentration (``make_trainable("cai")``) where its writer's start
    value is set: the trainable would drive nothing there."""

    def is_set(key: str) -> np.ndarray | None:
        driving = [t for t in trainables if t.name == key and t.kind != "global"]
        if key not in initial_set and not driving:
            return None
        mask = np.array(initial_set.get(key, np.zeros(n_comps, bool)), bool)
        for t in driving:
            mask[t.comps] = True
        return mask

    for tr in trainables:
        if tr.kind == "global" or not any(var == tr.name for var, _ in writers):
            continue
        ignored = concentration_set_by_writer(placements, writers, is_set, tr.name)
        if any(int(c) in ignored for c in tr.comps):
            raise ValueError(
                ignored_concentration_message(f"make_trainable({tr.name!r})", tr.name, ignored, tr.comps)
                + " (delete_trainables() removes the trainables, this one with the others: make those again)"
            )
