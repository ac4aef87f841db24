"""Bounded parameters for gradient descent: maps from unconstrained numbers to valid values.

Optimisers work best on unconstrained numbers of order one; conductances must stay
positive, time constants within a range. A `ParamTransform` maps the optimiser's numbers
to parameter values (``forward``) and back (``inverse``), per parameter name:

- `Sigmoid(lower, upper)`: bounded on both sides; gradients vanish near the bounds, so
  start well inside. The usual choice when a plausible range is known.
- `Softplus(lower)`: bounded below only, about linear far from the bound; good for
  conductances without a known ceiling.
- `Exp(lower)`: bounded below, works on the logarithm: equal steps are equal *factors*;
  good for parameters spanning orders of magnitude (conductances from 1e-5 to 1e-1).
- `Affine(scale, shift)`: no bound; rescales a parameter to order one.

``inverse`` of a value outside a transform's range (a conductance of 0.12 for
``Sigmoid(0.2, 0.5)``, or exactly on a bound, which maps to infinity) raises a
``ValueError`` naming the value and the bounds, when the value is known (not traced).
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike

__all__ = ["Affine", "Exp", "Identity", "ParamTransform", "Sigmoid", "Softplus", "Transform"]


class Transform(eqx.Module):
    """A bijection from the real line (the optimiser's side) to a parameter's valid range.

    Subclasses implement ``forward`` (optimiser's number -> value) and ``inverse``.

    Example:
        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> class Log10(dx.fit.Transform):
        ...     def forward(self, x):
        ...         return 10.0 ** jnp.asarray(x)
        ...     def inverse(self, y):
        ...         return jnp.log10(jnp.asarray(y))
        >>> bounds = dx.fit.ParamTransform({"HH_gNa": Log10()})
        >>> u = bounds.inverse({"HH_gNa": 0.1})                     # S/cm² -> decades
        >>> round(float(u["HH_gNa"]), 6), round(float(bounds.forward(u)["HH_gNa"]), 6)
        (-1.0, 0.1)
    """

    def forward(self, x: ArrayLike) -> Array:
        raise NotImplementedError

    def inverse(self, y: ArrayLike) -> Array:
        raise NotImplementedError


def _concrete(x: Any) -> np.ndarray | None:
    """``x`` as a NumPy array, or None while it is traced (its value unknown until run time)."""
    if isinstance(x, jax.core.Tracer):
        return None
    return np.asarray(x)


def _check_finite(transform: Transform, **bounds: Any) -> None:
    """Raise unless each bound of ``transform`` is a finite number (traced bounds pass)."""
    for name, value in bounds.items():
        known = _concrete(value)
        if known is not None and known.dtype.kind not in "biuf":
            raise TypeError(f"{type(transform).__name__} takes a number (or an array of numbers) as {name}; got {value!r}")
        if known is not None and not np.all(np.isfinite(known)):
            raise ValueError(f"{type(transform).__name__} needs a finite {name}; got {value}")


def _check_real(transform: Any, y: ArrayLike, method: str) -> None:
    """Raise unless ``y`` (when known) holds real numbers: NumPy orders complex numbers, so
    ``0.5+0.1j`` passed the range check and came back complex (a review)."""
    values = _concrete(y)
    if values is not None and values.dtype.kind not in "biuf":
        raise TypeError(f"{transform!r}.{method} takes real numbers (parameter values); got {y!r}")


def _normal(z: Array) -> Array:
    """``z`` (> 0) raised to at least the smallest normal number of its dtype (2.2e-308 in
    float64): XLA flushes subnormal numbers to zero on CPU, so a value closer to its bound
    than that had an inverse of -inf (a NaN in the optimiser's first step)."""
    z = jnp.asarray(z)
    if not jnp.issubdtype(z.dtype, jnp.inexact):  # integers (an integer value and bound)
        z = z.astype(jnp.result_type(float))
    return jnp.maximum(z, jnp.finfo(z.dtype).tiny)


def _working_dtype(y: ArrayLike, *bounds: Any) -> Any:
    """The floating dtype ``inverse`` computes in: that of ``y`` with the bounds (float32
    unless JAX's 64-bit mode is on), floating point for integers."""
    floats = [d for d in (jnp.asarray(x).dtype for x in (y, *bounds)) if jnp.issubdtype(d, jnp.inexact)]
    return functools.reduce(np.promote_types, floats) if floats else jnp.result_type(float)


def _check_within(transform: Transform, y: ArrayLike, lower: float, upper: float = math.inf) -> None:
    """Raise unless the values ``y`` (when known) lie strictly between ``lower`` and ``upper``,
    compared in the dtype the inverse computes in (in float64 a float32 value one rounding
    above its bound passed, and its inverse was inf or NaN; a review)."""
    _check_real(transform, y, "inverse")
    values = _concrete(y)
    if values is None or _concrete(lower) is None or _concrete(upper) is None:  # traced
        return
    dtype = _working_dtype(y, lower, upper)
    given = np.asarray(lower, float), np.asarray(upper, float)  # as the user wrote them, for the message
    values, lower, upper = (np.asarray(jnp.asarray(x, dtype)) for x in (values, lower, upper))
    try:  # bounds may be arrays (one per value; a single value then checks against each)
        values, lower, upper, *given = np.broadcast_arrays(values, lower, upper, *given)
    except ValueError:
        raise ValueError(
            f"{transform!r}.inverse got values of shape {values.shape}, which do not match its "
            f"bounds' shape {np.broadcast_shapes(lower.shape, upper.shape)}: give one bound per value, "
            "or a single bound for all"
        ) from None
    outside = ~((values > lower) & (values < upper))  # NaN is outside too
    if not np.any(outside):
        return
    first = tuple(np.argwhere(outside)[0].tolist())
    where = "" if values.ndim == 0 else f" at index {first[0] if values.ndim == 1 else first}"
    count = "" if values.size == 1 else f" ({int(np.sum(outside))} of {values.size} values outside)"
    # Name the bounds of the first value outside.
    # On a bound, or one rounding beyond it: what forward returns for a saturated parameter.
    nearest = min(abs(values[first] - lower[first]), abs(values[first] - upper[first]))
    at_bound = nearest <= 16 * np.finfo(dtype).eps * max(abs(lower[first]), abs(values[first]))
    lower, upper = float(given[0][first]), float(given[1][first])
    range_ = f"strictly between {lower} and {upper}" if math.isfinite(upper) else f"strictly above {lower}"
    raise ValueError(
        f"{transform!r}.inverse needs values {range_} (a bound maps to infinity); "
        f"got {float(values[first])!r}{where}{count}. "
        + (
            "forward gives a bound (or a value a rounding beyond it) when the optimiser has pushed the parameter far "
            "against it (saturated, with no gradient left): move such values inside, e.g. "
            "by 1e-6 of the range, before inverse. "
            if at_bound
            else ""
        )
        + "Start from values inside the range, away from the bounds, or widen the bounds."
    )


class Identity(Transform):
    """No transformation.

    Example:
        >>> import dendrax as dx
        >>> t = dx.fit.Identity()
        >>> float(t.forward(-65.0)), float(t.inverse(-65.0))        # mV either way
        (-65.0, -65.0)
    """

    def forward(self, x):
        return jnp.asarray(x)

    def inverse(self, y):
        return jnp.asarray(y)


class Affine(Transform):
    """``y = scale * x + shift``.

    Example:
        >>> import dendrax as dx
        >>> t = dx.fit.Affine(scale=10.0, shift=-70.0)              # a voltage in units of 10 mV
        >>> float(t.forward(0.5)), float(t.inverse(-65.0))          # mV <-> optimiser's number
        (-65.0, 0.5)
    """

    scale: float = 1.0
    shift: float = 0.0

    def __check_init__(self):
        _check_finite(self, scale=self.scale, shift=self.shift)
        scale = _concrete(self.scale)
        if scale is not None and np.any(scale == 0):
            raise ValueError(f"Affine scale must be nonzero (0 maps every number to shift); got {self.scale}")

    def forward(self, x):
        return self.scale * jnp.asarray(x) + self.shift

    def inverse(self, y):
        return (jnp.asarray(y) - self.shift) / self.scale


class Sigmoid(Transform):
    """``y = lower + (upper - lower) * sigmoid(x)``: values strictly between the bounds.

    Example:
        >>> import dendrax as dx
        >>> t = dx.fit.Sigmoid(0.0, 0.5)
        >>> round(float(t.forward(t.inverse(0.12))), 12)
        0.12
    """

    lower: float
    upper: float

    def __check_init__(self):
        _check_finite(self, lower=self.lower, upper=self.upper)
        lower, upper = _concrete(self.lower), _concrete(self.upper)
        if lower is not None and upper is not None and not np.all(upper > lower):
            raise ValueError(f"Sigmoid needs lower < upper; got {self.lower}, {self.upper}")

    def forward(self, x):
        x = jnp.asarray(x)
        if not jnp.issubdtype(x.dtype, jnp.inexact):  # jax.nn.sigmoid refuses integers
            x = x.astype(jnp.result_type(float))
        return self.lower + (self.upper - self.lower) * jax.nn.sigmoid(x)

    def inverse(self, y):
        _check_within(self, y, self.lower, self.upper)
        dtype = _working_dtype(y, self.lower, self.upper)
        y, lower, upper = (jnp.asarray(x, dtype) for x in (y, self.lower, self.upper))
        # log(u / (1 - u)) for u = (y - lower) / (upper - lower), with each distance to a
        # bound exact and kept normal: 1 - u rounded to 0 near the upper bound (inf).
        return jnp.log(_normal(y - lower)) - jnp.log(_normal(upper - y))


class Softplus(Transform):
    """``y = lower + log(1 + exp(x))``: values above ``lower``.

    Example:
        >>> import dendrax as dx
        >>> t = dx.fit.Softplus(lower=0.0)
        >>> round(float(t.inverse(0.036)), 4), round(float(t.forward(t.inverse(0.036))), 6)   # S/cm²
        (-3.3062, 0.036)
        >>> f"{float(t.forward(-20.0)):.1e}"                        # far below: close to the bound
        '2.1e-09'
    """

    lower: float = 0.0

    def __check_init__(self):
        _check_finite(self, lower=self.lower)

    def forward(self, x):
        return self.lower + jax.nn.softplus(jnp.asarray(x))

    def inverse(self, y):
        _check_within(self, y, self.lower)
        z = _normal(jnp.asarray(y) - self.lower)
        return z + jnp.log(-jnp.expm1(-z))


class Exp(Transform):
    """``y = lower + exp(x)``: values above ``lower``, optimised on a log scale.

    Example:
        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> t = dx.fit.Exp()
        >>> u = t.inverse(jnp.array([1e-5, 1e-3, 1e-1]))            # S/cm²: equal factors, equal steps
        >>> [round(float(x), 3) for x in u]
        [-11.513, -6.908, -2.303]
        >>> [round(float(y), 6) for y in t.forward(u)]
        [1e-05, 0.001, 0.1]
    """

    lower: float = 0.0

    def __check_init__(self):
        _check_finite(self, lower=self.lower)

    def forward(self, x):
        return self.lower + jnp.exp(jnp.asarray(x))

    def inverse(self, y):
        _check_within(self, y, self.lower)
        return jnp.log(_normal(jnp.asarray(y) - self.lower))


def _own_copy(transforms: Any) -> Any:
    """A copy of the user's dict (or of each dict in a list): changing theirs afterwards
    skipped the checks, and a ``jax.jit(pt.forward)`` kept the old bounds (a review)."""
    if isinstance(transforms, Mapping):
        return dict(transforms)
    if isinstance(transforms, (list, tuple)):
        return [dict(entry) if isinstance(entry, Mapping) else entry for entry in transforms]
    return transforms


class ParamTransform(eqx.Module):
    """A `Transform` per parameter name, applied to a parameter pytree.

    The pytree is what ``module.get_parameters()`` returns (a list of ``{name: array}``)
    or a dict ``{name: array}``; names without a transform pass through unchanged. Each
    name with a transform must occur in the pytree (in one entry of the list at least):
    a misspelt name raises a ``ValueError`` rather than leaving its parameter unbounded.

    ``transforms`` is a dict (one transform per name, for every entry that has the name), or
    a list with one dict per entry of ``get_parameters()`` (``{}`` for none): the same
    parameter made trainable twice (the soma's gNa, the dendrites' gNa) then gets bounds
    of its own in each entry.

    Example:
        >>> import dendrax as dx
        >>> t = dx.fit.ParamTransform({"HH_gNa": dx.fit.Sigmoid(0.0, 0.5), "radius": dx.fit.Exp()})
        >>> params = [{"HH_gNa": 0.12}, {"radius": 1.0}, {"HH_gK": 0.036}]
        >>> back = t.forward(t.inverse(params))
        >>> [round(float(list(p.values())[0]), 9) for p in back]
        [0.12, 1.0, 0.036]
        >>> per_entry = dx.fit.ParamTransform([{"HH_gNa": dx.fit.Sigmoid(0.0, 0.5)}, {"HH_gNa": dx.fit.Sigmoid(0.0, 0.05)}])
        >>> [round(float(p["HH_gNa"]), 6) for p in per_entry.forward([{"HH_gNa": 0.0}, {"HH_gNa": 0.0}])]
        [0.25, 0.025]
    """

    transforms: dict[str, Transform] | list[dict[str, Transform]] = eqx.field(converter=_own_copy)

    # `jax.jit(pt.forward)` hashes the bound method, hence ``pt``: by identity (its dict of
    # transforms is not hashable; "unhashable type: 'dict'" otherwise).
    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __check_init__(self):
        entries = self.transforms if isinstance(self.transforms, (list, tuple)) else [self.transforms]
        for k, entry in enumerate(entries):
            where = f"ParamTransform[{k}]" if isinstance(self.transforms, (list, tuple)) else "ParamTransform"
            if not isinstance(entry, Mapping):
                raise TypeError(
                    f"{where} must be a dict from parameter name to transform (one per entry of "
                    f"get_parameters() in a list); got {entry!r}"
                )
            for name, t in entry.items():
                if not isinstance(name, str):
                    raise TypeError(
                        f"{where} maps parameter names (strings such as 'HH_gNa') to transforms; "
                        f"got the key {name!r}"
                    )
                if not isinstance(t, Transform):
                    raise TypeError(f"{where}[{name!r}] must be a dx.fit transform (e.g. Sigmoid); got {t!r}")

    @property
    def _per_entry(self) -> bool:
        return isinstance(self.transforms, (list, tuple))

    def _check_names(self, params: Any) -> None:
        """Raise if a name with a transform occurs nowhere in ``params`` (in the per-entry
        form: not in its own entry)."""
        if self._per_entry:
            if not isinstance(params, (list, tuple)) or len(params) != len(self.transforms):
                raise ValueError(
                    f"this ParamTransform has one dict per entry of get_parameters() ({len(self.transforms)}); "
                    f"got {type(params).__name__}"
                    + (f" of length {len(params)}" if isinstance(params, (list, tuple)) else "")
                )
            for k, (entry, p) in enumerate(zip(self.transforms, params)):
                if entry and not isinstance(p, Mapping):
                    raise TypeError(f"parameters[{k}] must be a dict of parameters (as from get_parameters()); got {p!r}")
                missing = [name for name in entry if not isinstance(p, Mapping) or name not in p]
                if missing:
                    raise ValueError(
                        f"ParamTransform[{k}] has a transform for {missing[0]!r}, but parameters[{k}] is "
                        f"{dict.fromkeys(p) if isinstance(p, Mapping) else p!r}: the list follows get_parameters()"
                    )
            return
        present: set[str] = set()

        def collect(p: Any) -> None:
            if isinstance(p, Mapping):
                present.update(p)
            elif isinstance(p, (list, tuple)):
                for entry in p:
                    collect(entry)
            else:
                raise TypeError(f"expected a dict or a list of dicts of parameters; got {type(p).__name__}")

        collect(params)
        for name in self.transforms:
            if name not in present:
                close = difflib.get_close_matches(name, sorted(present), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(
                    f"ParamTransform has a transform for {name!r}, but the parameters have no {name!r}; "
                    f"{hint}They have: {', '.join(sorted(present)) or 'none'}. Fix the name in the "
                    "ParamTransform (names are case-sensitive), or make that parameter trainable."
                )

    def _map(self, params: Any, method: str, where: str = "params", transforms: Any = None) -> Any:
        transforms = self.transforms if transforms is None else transforms

        def apply(name: str, value: ArrayLike) -> Array:
            t = transforms.get(name)
            try:
                _check_real(self if t is None else t, value, method)
            except TypeError as err:
                raise TypeError(f"{where}[{name!r}]: {err}") from None
            if t is None:
                return jnp.asarray(value)
            try:
                return getattr(t, method)(value)
            except ValueError as err:
                raise ValueError(f"{where}[{name!r}]: {err}") from None

        if isinstance(params, Mapping):
            return {k: apply(k, v) for k, v in params.items()}
        if self._per_entry:
            return [self._map(p, method, f"{where}[{i}]", t) for i, (p, t) in enumerate(zip(params, self.transforms))]
        return [self._map(p, method, f"{where}[{i}]") for i, p in enumerate(params)]

    def forward(self, params: Any) -> Any:
        """Optimiser's numbers -> parameter values."""
        self._check_names(params)
        return self._map(params, "forward")

    def inverse(self, params: Any) -> Any:
        """Parameter values -> optimiser's numbers."""
        self._check_names(params)
        return self._map(params, "inverse")
