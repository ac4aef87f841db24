"""Reversal potentials that follow the Nernst equation (NEURON's rule: where a mechanism
reads or writes the ion's concentrations), and the values a description may not give them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..mechanisms.ions import ION_DEFAULTS, reversal_ion
from ..mechanisms.ions import names as ion_names

if TYPE_CHECKING:
    from ..model.trainable import Trainable
    from .system import Placement

__all__ = ["check_reversal_values", "computed_reversal"]


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
