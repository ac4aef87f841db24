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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
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
        if not self.upper > self.lower:
            raise ValueError(f"Sigmoid needs lower < upper; got {self.lower}, {self.upper}")

    def forward(self, x):
        return self.lower + (self.upper - self.lower) * jax.nn.sigmoid(jnp.asarray(x))

    def inverse(self, y):
        u = (jnp.asarray(y) - self.lower) / (self.upper - self.lower)
        return jnp.log(u) - jnp.log1p(-u)


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

    def forward(self, x):
        return self.lower + jax.nn.softplus(jnp.asarray(x))

    def inverse(self, y):
        z = jnp.asarray(y) - self.lower
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

    def forward(self, x):
        return self.lower + jnp.exp(jnp.asarray(x))

    def inverse(self, y):
        return jnp.log(jnp.asarray(y) - self.lower)


class ParamTransform(eqx.Module):
    """A `Transform` per parameter name, applied to a parameter pytree.

    The pytree is what ``module.get_parameters()`` returns (a list of ``{name: array}``)
    or a dict ``{name: array}``; names without a transform pass through unchanged.

    Example:
        >>> import dendrax as dx
        >>> t = dx.fit.ParamTransform({"HH_gNa": dx.fit.Sigmoid(0.0, 0.5), "radius": dx.fit.Exp()})
        >>> params = [{"HH_gNa": 0.12}, {"radius": 1.0}, {"HH_gK": 0.036}]
        >>> back = t.forward(t.inverse(params))
        >>> [round(float(list(p.values())[0]), 9) for p in back]
        [0.12, 1.0, 0.036]
    """

    transforms: dict[str, Transform]

    def __check_init__(self):
        for name, t in self.transforms.items():
            if not isinstance(t, Transform):
                raise TypeError(f"ParamTransform[{name!r}] must be a dx.fit transform (e.g. Sigmoid); got {t!r}")

    def _map(self, params: Any, method: str) -> Any:
        def apply(name: str, value: ArrayLike) -> Array:
            t = self.transforms.get(name)
            return jnp.asarray(value) if t is None else getattr(t, method)(value)

        if isinstance(params, Mapping):
            return {k: apply(k, v) for k, v in params.items()}
        if isinstance(params, (list, tuple)):
            return [self._map(p, method) for p in params]
        raise TypeError(f"expected a dict or a list of dicts of parameters; got {type(params).__name__}")

    def forward(self, params: Any) -> Any:
        """Optimiser's numbers -> parameter values."""
        return self._map(params, "forward")

    def inverse(self, params: Any) -> Any:
        """Parameter values -> optimiser's numbers."""
        return self._map(params, "inverse")
