"""Registering a trainable parameter (`View.make_trainable`): its groups of compartments,
its initial values, and the warnings where it hides or replaces values."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .trainable import Trainable, shadowed_by
from .values import check_not_nernst, check_values, global_range_error, real_values

__all__ = ["add_trainable", "warn_mean_replaces", "warn_shadowed"]


def add_trainable(module: Any, comps_selected: np.ndarray, selected_groups: list, name: str, init_value: Any) -> None:
    """Append the trainable of ``make_trainable(name, init_value)`` on a selection of
    ``module`` (its compartments ``comps_selected``, in groups ``selected_groups``) to the
    module, after every check (see `View.make_trainable`)."""
    if name in module._globals():
        if len(np.unique(comps_selected)) != module.n_comps:
            raise ValueError(
                f"make_trainable({name!r}): {name} is model-wide, one value for the whole model, so a part "
                f"of it cannot have its own; make it trainable on the module: cell.make_trainable({name!r})"
            )
        value = module._globals()[name] if init_value is None else init_value
        arr = np.atleast_1d(real_values(value, f"make_trainable({name!r}, init_value=...)"))
        if arr.shape != (1,):
            raise ValueError(f"{name} is model-wide: give one initial value; got shape {arr.shape}")
        error = global_range_error(name, arr)
        if error:
            raise ValueError(f"make_trainable({name!r}, init_value=...): {error}")
        tr = Trainable(name, np.zeros(0, np.int64), np.zeros(0, np.int64), arr, "global")
    else:
        key = module._resolve_name(name)
        owner = module._owner(key)
        kind = "state" if owner is not None and owner[2] == "state" else "param"
        if owner is not None:
            mask = module._mechanisms[owner[0]][1]
            missing = comps_selected[~mask[comps_selected]]
            if len(missing):
                raise ValueError(f"{owner[0]} is not inserted in compartment {missing[0]}; cannot train {key!r} there")
        groups = [np.asarray(g, dtype=np.int64) for g in selected_groups if len(g)]
        if not groups:
            raise ValueError("make_trainable on an empty selection")
        check_not_nernst(module, key, np.concatenate(groups), "make_trainable")
        column = module._data.columns[key]
        if init_value is None:
            held = [column[g] for g in groups]
            initial = np.array([values.mean() for values in held])
            if np.any(np.isnan(initial)):
                raise ValueError(
                    f"{key} starts at steady state (no value set): give make_trainable an init_value"
                )
            warn_mean_replaces(
                name, held, "compartments",
                "give those compartments values of their own (e.g. .comp('all').make_trainable(...), one per "
                "compartment)",
            )
        else:
            initial = real_values(init_value, f"make_trainable({name!r}, init_value=...)")
            initial = np.full(len(groups), float(initial)) if initial.ndim == 0 else initial
            if initial.shape != (len(groups),):
                raise ValueError(
                    f"init_value must be a number or one value per group ({len(groups)}); got shape {initial.shape}"
                )
            check_values(module, name, key, initial, f"make_trainable({name!r}, init_value=...)")
        groups = [np.unique(g) for g in groups]
        comps = np.concatenate(groups)
        values, counts = np.unique(comps, return_counts=True)
        if np.any(counts > 1):
            twice = int(values[counts > 1][0])
            raise ValueError(
                f"make_trainable({name!r}): compartment {twice} is in two groups of this selection, so two "
                "values would drive it (e.g. loc([0.2, 0.3]) on a one-compartment branch); select each "
                "compartment once"
            )
        index = np.concatenate([np.full(len(g), i) for i, g in enumerate(groups)])
        tr = Trainable(key, comps, index, initial, kind)
    warn_shadowed(module._trainables, tr, f"make_trainable({name!r})")
    module._trainables.append(tr)
    module._touch()


def warn_shadowed(trainables: list, new: Any, where: str) -> None:
    """Warn where ``new`` leaves an earlier trainable of its name driving nothing."""
    from .view import user_stacklevel  # view imports this module

    hidden = shadowed_by(trainables, new)
    if hidden:
        warnings.warn(
            f"{where}: entry {hidden[0]} of get_parameters() makes {new.name} trainable over the same values, which "
            "this one now drives (the later wins), so that entry's gradient is always 0 (a make_trainable run "
            "twice?); delete_trainables() and make them again to keep one",
            stacklevel=user_stacklevel(),
        )


def warn_mean_replaces(name: str, held: list[np.ndarray], what: str, keep: str) -> None:
    """Warn where one shared trainable value starts at the mean of differing held values."""
    from .view import user_stacklevel  # view imports this module

    values = next((x for x in held if len(x) > 1 and np.ptp(x) > 1e-12 * np.abs(x).max()), None)
    if values is not None:
        warnings.warn(
            f"make_trainable({name!r}): one value is shared by {what} that hold different values "
            f"({values.min():g} to {values.max():g}); it starts at their mean, {values.mean():g}, which "
            f"replaces them all. To keep them, {keep}, or pass init_value to silence this",
            stacklevel=user_stacklevel(),
        )


