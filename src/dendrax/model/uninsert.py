"""Taking a mechanism out of some compartments (NEURON's ``sec.uninsert("hh")``)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..mechanisms.channel import Mechanism
from .recordable import check_recordable

__all__ = ["uninsert"]


def uninsert(module: Any, mechanism: Mechanism | str, comps: np.ndarray) -> None:
    """Remove ``mechanism`` (an instance, or its name such as ``"HH"``) from the compartments
    ``comps`` of ``module`` where it is inserted; the model then simulates as if it had never
    been inserted there. Its parameters and states there are dropped (inserting it again
    starts from its defaults). Refused, with nothing changed, where it is inserted in none
    of them, or where a trainable, a recording or a clamp uses one of its values there
    (delete those first)."""
    name = _inserted_name(module, mechanism)
    mech, mask = module._mechanisms[name]
    comps = np.unique(np.asarray(comps, dtype=np.int64))
    removed = comps[mask[comps]]
    if not len(removed):
        raise ValueError(
            f"{name} is not inserted in any of the {len(comps)} selected compartments (it is in "
            f"{int(mask.sum())} of the model's {module.n_comps}); nothing to uninsert"
        )
    hit = np.zeros(module.n_comps, dtype=bool)
    hit[removed] = True
    values = {f"{name}_{k}" for k in (*mech.params, *mech.states)}
    for t in module._trainables:
        if t.over == "compartments" and t.name in values and np.any(hit[t.comps]):
            raise ValueError(
                f"{t.name} is trainable in compartments {name} would leave (e.g. compartment "
                f"{int(t.comps[hit[t.comps]][0])}); call delete_trainables() first, then make the rest trainable again"
            )
    mask = mask.copy()
    mask[removed] = False
    # Every recording there must stay recordable once it is gone, by `record`'s own rule
    # (its states, its current, an ion's current nothing else there carries: a review).
    after = copy.copy(module)
    after._mechanisms = {m: entry for m, entry in module._mechanisms.items() if m != name}
    if mask.any():
        after._mechanisms[name] = (mech, mask)
    for site, var in module._recordings:
        if site.kind == "comp" and hit[site.index]:
            try:
                check_recordable(after, [site], var)
            except ValueError as err:
                raise ValueError(
                    f"{var} is recorded at {site.describe()}, which {name} would leave ({err}); call "
                    "delete_recordings() first, then record the rest again"
                ) from None
    for site, var, _ in module._clamps:
        if var in values and site.kind == "comp" and hit[site.index]:
            raise ValueError(
                f"{var} is clamped at {site.describe()}, which {name} would leave; call delete_clamps() first"
            )
    # Checked: now change the description.
    cols = module._data.columns
    if mask.any():
        module._mechanisms[name] = (mech, mask)
        for key in values:
            cols[key][removed] = np.nan  # as in compartments it was never inserted in
    else:
        del module._mechanisms[name]
        for key in values:
            del cols[key]
    module._touch()


def _inserted_name(module: Any, mechanism: Mechanism | str) -> str:
    inserted = list(module._mechanisms)
    if isinstance(mechanism, type) and issubclass(mechanism, Mechanism):
        mechanism = mechanism.__name__
    if isinstance(mechanism, Mechanism):
        name = mechanism.name
        if name in module._mechanisms and module._mechanisms[name][0] != mechanism:
            raise ValueError(
                f"the inserted {name} is a different mechanism ({module._mechanisms[name][0]!r}) from {mechanism!r}; "
                f"uninsert it by name: uninsert({name!r})"
            )
    elif isinstance(mechanism, str):
        name = mechanism
    else:
        raise TypeError(f"uninsert() takes a mechanism or its name (e.g. 'HH'); got {mechanism!r}")
    if name not in module._mechanisms:
        raise ValueError(f"no mechanism named {name!r} is inserted; inserted: {inserted or 'none'}")
    return name
