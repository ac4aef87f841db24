"""Trainable parameters: which values drive which compartments.

``view.make_trainable("HH_gNa")`` registers one value per *group* of the selection: the
whole selection for a module, a named group or a mask; one per branch after
``.branch(...)``; one per compartment after ``.comp(...)`` or ``.loc(...)``. The values
form a plain pytree (`Module.get_parameters`): a list with one ``{name: array}`` per
`make_trainable` call, in call order. Passing it to `integrate` (or a `simulator`) sets
each group's compartments to its value; later calls win where selections overlap.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from .values import require_real_dtype

__all__ = ["Trainable", "apply_trainables", "shadowed_by"]


@dataclasses.dataclass(frozen=True, eq=False)
class Trainable:
    """One `make_trainable` call.

    Attributes:
        name: the parameter, initial state or model-wide quantity it sets.
        comps: the compartments it drives (module indices; empty for model-wide ones), or
            for a synapse parameter (``over == "synapses"``) the synapses (indices into
            ``net.synapses.<Type>``).
        value_index: for each of ``comps``, which value drives it.
        initial: the starting values, one per group.
        kind: ``"param"`` (a parameter), ``"state"`` (an initial state) or ``"global"``.
        over: what ``comps`` numbers: ``"compartments"`` or ``"synapses"``.
    """

    name: str
    comps: np.ndarray
    value_index: np.ndarray
    initial: np.ndarray
    kind: str
    over: str = "compartments"

    def __post_init__(self):
        # int32 indices, as the compiled layouts use: JAX caches NumPy index arrays by
        # identity, and an int64 one cached under float64 broke a later float32 run.
        # Private read-only copies: `module.trainables` hands these objects out, and an edit
        # of ``initial`` in place changed the parameters past every check (a review).
        for field, dtype in (("comps", np.int32), ("value_index", np.int32), ("initial", None)):
            arr = np.array(getattr(self, field), dtype=dtype)
            arr.flags.writeable = False
            object.__setattr__(self, field, arr)

    @property
    def n_values(self) -> int:
        return len(self.initial)

    def compartments(self, value: int) -> np.ndarray:
        """The compartments (for a synapse parameter: the synapses) that value number
        ``value`` drives."""
        return self.comps[self.value_index == value]

    def fingerprint(self) -> bytes:
        h = hashlib.sha1(self.name.encode() + self.kind.encode())
        h.update(self.comps.astype(np.int64).tobytes() + self.value_index.astype(np.int64).tobytes())
        return h.digest()

    def __repr__(self) -> str:
        where = "model-wide" if self.kind == "global" else f"{len(self.comps)} {self.over}"
        return f"Trainable({self.name!r}, {self.n_values} values, {where})"


def check_values(trainables: Sequence[Trainable], values: Sequence[Mapping[str, Array]]) -> None:
    """Raise a clear error if ``values`` does not have the structure of ``get_parameters()``."""
    snapshot = (
        " (a simulator or compiled System keeps the trainables of when it was made: after "
        "make_trainable or delete_trainables, make it again)"
    )
    if not isinstance(values, (list, tuple)) or len(values) != len(trainables):
        raise ValueError(
            f"trainable parameters must be a list of {len(trainables)} dicts, as returned by "
            f"get_parameters(); got {type(values).__name__} of length {len(values) if hasattr(values, '__len__') else '?'}"
            + (snapshot if isinstance(values, (list, tuple)) and trainables else "")
            + (
                "; without make_trainable, replace values with a dict instead: params={'HH_gNa': 0.1}"
                if not trainables and isinstance(values, (list, tuple))
                else ""
            )
        )
    for k, (tr, entry) in enumerate(zip(trainables, values)):
        if not isinstance(entry, Mapping) or list(entry) != [tr.name]:
            got = list(entry) if isinstance(entry, Mapping) else type(entry).__name__
            raise ValueError(
                f"parameters[{k}] must be {{{tr.name!r}: array of {tr.n_values}}}; got {got}"
                + (snapshot if isinstance(entry, Mapping) else "")
            )
        value = entry[tr.name]
        value = np.asarray(value) if isinstance(value, (list, tuple)) else value  # [0.1, 0.2] too
        try:
            if value is None or isinstance(value, (str, bytes)):  # result_type reads 'a' as a dtype name
                raise TypeError
            shape, dtype = jnp.shape(value), jnp.result_type(value)
        except TypeError:  # a string, None, an object array: JAX's or NumPy's message named none of it
            raise TypeError(
                f"parameters[{k}][{tr.name!r}] takes a number or an array of real numbers; got {value!r}"
            ) from None
        require_real_dtype(dtype, f"parameters[{k}][{tr.name!r}]")
        if shape not in ((tr.n_values,), ()):
            raise ValueError(f"parameters[{k}][{tr.name!r}] must have shape ({tr.n_values},); got {shape}")


def apply_trainables(
    trainables: Sequence[Trainable],
    values: Sequence[Mapping[str, Array]],
    params: dict[str, Array],
    initial_states: dict[str, Array],
) -> tuple[dict[str, Array], dict[str, Array]]:
    """Parameters and initial states with the trainable values written in (differentiable)."""
    params, initial_states = dict(params), dict(initial_states)
    # One write per parameter, whatever the number of make_trainable calls on it: a chain of
    # one .at[].set per call made XLA's compile time grow with the square of their number
    # (200 calls, one per branch: 49 s for jit(grad) against 0.8 s for one call on all).
    writes: dict[tuple[str, str], list[tuple[Trainable, Array]]] = {}
    for tr, entry in zip(trainables, values):
        value = jnp.broadcast_to(jnp.asarray(entry[tr.name]), (tr.n_values,))
        if not jnp.issubdtype(value.dtype, jnp.floating):  # an integer or bool written as a value
            value = value.astype(jnp.result_type(float))
        # float64 values (from get_parameters() with x64) in a run without x64: float32 first
        # (their scatter into the column failed under grad; a review).
        value = value.astype(jax.dtypes.canonicalize_dtype(value.dtype))
        if tr.kind == "global":
            params[tr.name] = value[0]
            continue
        writes.setdefault(("state" if tr.kind == "state" else "param", tr.name), []).append((tr, value))
    for (where, name), members in writes.items():
        target = initial_states if where == "state" else params
        # A float64 column in a float32 run (a System built with x64, called without it): the
        # run's float32, as the values.
        base = jnp.asarray(target[name])
        base = base.astype(jax.dtypes.canonicalize_dtype(base.dtype))
        comps = np.concatenate([tr.comps for tr, _ in members])
        # Where selections overlap, the later call wins: keep each compartment's last write.
        last = len(comps) - 1 - np.unique(comps[::-1], return_index=True)[1]
        offsets = np.cumsum([0] + [tr.n_values for tr, _ in members[:-1]])
        index = np.concatenate([offset + tr.value_index for offset, (tr, _) in zip(offsets, members)])
        driven = jnp.concatenate([value for _, value in members])[index[last]]  # one gather
        # The values take the column's dtype (never the reverse: an integer value would
        # truncate the untrained compartments' values, a float32 one lower their precision).
        target[name] = base.at[comps[last]].set(driven.astype(base.dtype))
    return params, initial_states


def driving(trainables: Sequence[Trainable]) -> list[Trainable]:
    """``trainables`` as they act: each without the compartments (or synapses) that a later
    one of its name takes over (the later wins where two drive one; `apply_trainables`).
    `Trainable.compartments` on the full list named compartments whose value another entry
    set, and whose gradient went there (a review)."""
    out = []
    for i, tr in enumerate(trainables):
        later = [t.comps for t in trainables[i + 1 :] if t.name == tr.name and t.over == tr.over]
        if tr.kind == "global" or not later:
            out.append(tr)
            continue
        keep = ~np.isin(tr.comps, np.concatenate(later))
        out.append(tr if keep.all() else dataclasses.replace(tr, comps=tr.comps[keep], value_index=tr.value_index[keep]))
    return out


def shadowed_by(earlier: Sequence[Trainable], new: Trainable) -> list[int]:
    """Positions of the ``earlier`` trainables of ``new``'s name that ``new`` (with those
    after them) leaves driving nothing: where two drive one compartment the later wins, so
    a `make_trainable` run twice (a notebook cell run again) left an entry whose gradient
    is always 0."""
    acting = driving([*earlier, new])
    return [
        i
        for i, (tr, act) in enumerate(zip(earlier, acting))
        if tr.name == new.name and tr.over == new.over and (tr.kind == "global" or act.comps.size == 0)
    ]
