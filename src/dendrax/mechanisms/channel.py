"""The interface every membrane mechanism implements.

A channel is a small, final class: it declares its parameters (with units and defaults)
and states, how its gates relax towards steady state, and the current density it carries.
dendrax does everything else (storage per compartment, linearisation of the current for
the implicit voltage step, the exponential-Euler gate update, recording, gradients).

Example: a delayed-rectifier potassium channel in about fifteen lines::

    import jax.numpy as jnp
    import dendrax as dx

    class Kdr(dx.Channel):
        \"\"\"Delayed rectifier (Hodgkin & Huxley 1952, Table 3).\"\"\"

        params = {"gK": 0.036}                # S/cm²
        units = {"gK": "S/cm2"}
        states = {"n": 0.3177}                # initial value if not at steady state
        ions = ("k",)                         # reads ek (mV)

        def gates(self, v, p):
            alpha = 0.01 * dx.vtrap(-(v + 55.0), 10.0)   # 1/ms
            beta = 0.125 * jnp.exp(-(v + 65.0) / 80.0)
            return {"n": dx.gate_from_rates(alpha, beta)}

        def current(self, s, v, p):           # mA/cm²
            return {"k": p["gK"] * s["n"] ** 4 * (v - p["ek"])}
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .gating import Gate
from .ions import ion_of
from .ions import names as ion_names

__all__ = ["Channel", "Mechanism"]


class _Defaults(dict):
    """A mechanism class's defaults: a `dict` that refuses to be changed."""

    def _refuse(self, *args, **kwargs):
        raise TypeError(
            "a mechanism's class defaults are read-only (they are shared by every model); "
            "set values on the model instead, e.g. cell.set('HH_gNa', 0.2)"
        )

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):  # copy and pickle through the constructor, not item by item
        return (type(self), (dict(self),))


# A pytree node like a dict (JAX treats dict subclasses as leaves otherwise).
jax.tree_util.register_pytree_node(
    _Defaults,
    lambda d: (tuple(d.values()), tuple(d.keys())),
    lambda keys, values: _Defaults(zip(keys, values)),
)


class Mechanism(eqx.Module):
    """Base of everything inserted into compartments (channels, pumps, ion dynamics).

    Class attributes a subclass sets:
        params: parameter name -> default value (a `dict` of floats).
        units: parameter or state name -> unit string, for documentation and error messages.
            A label only: values are never converted (give them in NEURON's units: S/cm², mV,
            ms, mM, µm). The unit also sets the range check: ``"S/cm2"`` must be >= 0;
            ``"mM"`` and ``"um"`` must be > 0; any other unit is not checked.
        states: state name -> default initial value.
        ions: ions whose variables the mechanism reads (``"ca"`` gives ``eca`` (mV), ``cai``
            and ``cao`` (mM), and in `update_states` also ``ica``, the density of all calcium
            currents in the compartment this step (mA/cm²); likewise ``"na"`` and ``"k"``).
        writes: ion concentrations that are states of this mechanism (e.g. ``("cai",)`` for
            a calcium buffer whose state ``cai`` is the compartment's calcium).
        reads: ion concentrations the mechanism reads without writing them (e.g. ``("cai",)``
            for a calcium-activated potassium channel). As in NEURON, where any mechanism
            reads or writes an ion's concentration, that ion's reversal potential follows
            the Nernst equation of the concentrations at the model's temperature; elsewhere
            it is a parameter (``eca``, ``ek``, ``ena``).
        nonnegative: parameters that must not be negative (conductances by default: every
            parameter whose unit is ``S/cm2``).
        positive: parameters and states that must be > 0 (by default every one whose unit is
            a concentration, ``mM``, or a length, ``um``; a mechanism adds its time constants).
        fractions: states that are fractions (a synapse's open fraction), in [0, 1].
        computed: values the mechanism computes with its current (`computed_values`), which
            can be recorded as ``"<Name>_<value>"`` like a current (NEURON: an ASSIGNED set
            in BREAKPOINT, e.g. a conductance or an open probability).

    The methods receive ``p``, a dict with the mechanism's parameters under their short
    names and the variables of its ions, each an array over the compartments where the
    mechanism is inserted, and ``celsius`` (°C, a scalar); ``s`` is a dict of its states;
    ``v`` is the membrane potential (mV); ``dt`` the time step (ms).

    Within a step, mechanisms that write a concentration update their states first, then the
    others, each group in insertion order: a mechanism reading a concentration sees this
    step's value (as NEURON does when the writer's .mod file was loaded first).

    Example:
        A mechanism without current: intracellular calcium that relaxes to 50 nM.

        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> class CaDecay(dx.Mechanism):
        ...     params = {"tau": 100.0}                   # ms
        ...     units = {"tau": "ms", "cai": "mM"}
        ...     states = {"cai": 5e-5}                    # mM
        ...     ions = ("ca",)
        ...     writes = ("cai",)                         # its state cai is the compartment's
        ...     def update_states(self, s, v, dt, p):
        ...         return {"cai": 5e-5 + (s["cai"] - 5e-5) * jnp.exp(-dt / p["tau"])}
        >>> comp = dx.Compartment()
        >>> comp.insert(CaDecay())
        >>> comp.get("CaDecay_tau").tolist()
        [100.0]
        >>> s = CaDecay().update_states({"cai": jnp.array([1e-3])}, jnp.array([-65.0]), 100.0, {"tau": 100.0})
        >>> f"{float(s['cai'][0]):.3e}"                  # mM, 100 ms later
        '3.995e-04'
    """

    params: ClassVar[Mapping[str, float]] = _Defaults()
    units: ClassVar[Mapping[str, str]] = _Defaults()
    states: ClassVar[Mapping[str, float]] = _Defaults()
    ions: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ()
    computed: ClassVar[tuple[str, ...]] = ()
    fractions: ClassVar[tuple[str, ...]] = ()
    #: Variables of its ions that are the mechanism's own parameters rather than the ion's
    #: (a .mod PARAMETER ``eca`` that USEION does not READ: NEURON's ``eca_<suffix>``); for
    #: them ``p`` holds the parameter.
    own_ion_variables: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        # The class's defaults are shared by every instance and every model built from it:
        # read-only copies, so that `HH.params["gNa"] = ...` fails instead of changing them all.
        super().__init_subclass__(**kwargs)
        for attr in ("params", "units", "states"):
            value = cls.__dict__.get(attr)
            if isinstance(value, dict) and not isinstance(value, _Defaults):
                setattr(cls, attr, _Defaults(value))
        # Names dendrax itself puts in ``p``: a parameter of the same name would be shadowed.
        ions = cls.ions if isinstance(cls.ions, (tuple, list)) else ()
        supplied = {"celsius"} | {var for ion in ions if isinstance(ion, str) for var in ion_names(ion)}
        supplied -= set(cls.own_ion_variables)
        clash = sorted(supplied & set(cls.params))
        if clash:
            name = clash[0]
            what = "the model's temperature (°C; cell.set('celsius', ...))" if name == "celsius" else (
                f"a variable of an ion it uses (cell.set({name!r}, ...) sets it)"
            )
            raise TypeError(
                f"{cls.__name__}.params declares {name!r}, but p[{name!r}] is {what}, which would hide this "
                f"parameter's value: rename the parameter, or drop it and use the one dendrax supplies"
            )

    @property
    def name(self) -> str:
        """Prefix of the mechanism's parameters and states (``"HH"`` gives ``"HH_gNa"``)."""
        return type(self).__name__

    @property
    def nonnegative(self) -> tuple[str, ...]:
        return tuple(k for k in self.params if self.units.get(k, "").replace(" ", "") in ("S/cm2", "S/cm²"))

    @property
    def positive(self) -> tuple[str, ...]:
        strictly = ("mM", "um", "µm")
        return tuple(
            k for k in (*self.params, *self.states) if self.units.get(k, "").replace(" ", "") in strictly
        )

    def out_of_range(self, name: str, values: ArrayLike) -> Any:
        """Where ``values`` of parameter or state ``name`` lie outside its physical range
        (`nonnegative`, `positive`): a boolean array of their shape, NumPy's for NumPy input
        and JAX's for JAX arrays (traced ones too: `range_error` phrases the NumPy case, the
        check of traced clamp values when a run starts uses the JAX one). Not-a-number is
        not this method's business."""
        xp = jnp if isinstance(values, jax.Array) else np
        values = xp.asarray(values)
        bad = xp.zeros(values.shape, bool)
        if name in self.nonnegative:
            bad = bad | (values < 0.0)
        if name in self.positive:
            bad = bad | (values <= 0.0)
        if name in self.fractions:
            bad = bad | (values < 0.0) | (values > 1.0)
        return bad

    def range_error(self, name: str, values: ArrayLike) -> str | None:
        """Why ``values`` of parameter or state ``name`` lie outside its physical range
        (`out_of_range`), e.g. ``"must be > 0 ms; got 0.0"``; None if they do not.
        Every check of a value (defaults, `set`, `make_trainable`, ``params=``) asks here."""
        values = np.asarray(values, dtype=np.float64)
        bad = Mechanism.out_of_range(self, name, values)
        if not bad.any():
            return None
        if name in self.fractions:
            return f"is a fraction and must be in [0, 1]; got {values[bad].ravel()[0]}"
        rule = "> 0" if name in self.positive else ">= 0"
        return f"must be {rule} {self.units.get(name, '')}; got {values[bad].ravel()[0]}"

    def conflicts(self, p: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Rules between parameters, each a message and where ``p`` breaks it (a boolean array).

        ``p`` maps each parameter's short name to its values over the mechanism's
        compartments (NumPy arrays, in the parameters' units). A message is formatted with
        the values at the first compartment where its rule is broken (``"{vReset:g}"``), and
        ``{name}`` is the mechanism's name; it says how to fix them. `conflict_error` asks
        here before compiling (the description's values) and for concrete values given at
        call time; traced values (under ``jit``, ``vmap`` or ``grad``) cannot be checked.
        Default: no rules (each value's own range is `out_of_range`'s business).

        Example:
            >>> import numpy as np
            >>> from dendrax.point_neurons import LIF
            >>> LIF().conflict_error({**LIF.params, "vReset": np.array([-70.0, -45.0])})[0]
            1
        """
        return {}

    def conflict_error(self, p: Mapping[str, ArrayLike]) -> tuple[int, str] | None:
        """The first compartment (its position in ``p``'s arrays) where the values ``p`` break
        a rule of `conflicts`, and the rule's message with its values there; None if none."""
        arrays = dict(zip(p, np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, np.float64)) for v in p.values()))))
        for message, bad in self.conflicts(arrays).items():
            bad = np.atleast_1d(np.asarray(bad, dtype=bool))
            if bad.any():
                i = int(np.argmax(bad))
                return i, message.format(name=self.name, **{k: float(a[i]) for k, a in arrays.items()})
        return None

    def __check_init__(self):
        # Defaults out of their physical range: a clear error when the mechanism is created.
        for k, default in {**self.states, **self.params}.items():
            if isinstance(default, bool) or not isinstance(default, (int, float, np.integer, np.floating)):
                raise TypeError(f"{type(self).__name__}: the default of {k!r} must be one number; got {default!r}")
            error = self.range_error(k, default)
            if error:
                raise ValueError(f"{type(self).__name__}: the default of {k!r} {error}")
        conflict = self.conflict_error(self.params)
        if conflict:
            raise ValueError(f"{type(self).__name__}'s defaults do not work together: {conflict[1]}")

    def init_states(self, v: Float[Array, " n"], p: Mapping[str, Array]) -> dict[str, Array]:
        """States at the start of a simulation (default: the declared values)."""
        return {k: jnp.full_like(v, x) for k, x in self.states.items()}

    def update_states(
        self, s: Mapping[str, Array], v: Float[Array, " n"], dt: Array, p: Mapping[str, Array]
    ) -> dict[str, Array]:
        """States one step ``dt`` (ms) later, given the new membrane potential ``v`` (mV).

        Arrays run over the mechanism's compartments. Each compartment's states must depend
        on that compartment's values only (as in NEURON's density mechanisms): gradients use
        this by default. A mechanism that reads other compartments needs
        ``checkpoint=dx.Checkpoint(adjoint=False)`` for correct gradients.
        """
        return dict(s)

    def current(
        self, s: Mapping[str, Array], v: Float[Array, " n"], p: Mapping[str, Array]
    ) -> Array | dict[str, Array]:
        """Outward membrane current density (mA/cm²).

        Either one array (a current carried by no ion in particular) or a dict from ion
        name (``"na"``, ``"k"``, ``"ca"``, or ``"nonspecific"``) to current density.
        """
        return jnp.zeros_like(v)

    def computed_values(
        self, s: Mapping[str, Array], v: Float[Array, " n"], p: Mapping[str, Array]
    ) -> dict[str, Array]:
        """The values named in `computed`, at voltage ``v`` (mV) and states ``s``, as
        `current` computes them (one array per name, over the compartments)."""
        return {}


def second_order_keywords(mechanism: Any, second_order: bool) -> dict[str, bool]:
    """``{"second_order": True}`` for a Crank–Nicolson step (``second_order``) of a mechanism
    whose ``update_states`` takes that keyword (generated from a .mod file with
    ``derivimplicit`` or KINETIC ``sparse`` blocks, which then follow NEURON's
    ``secondorder`` rule; a user's mechanism may take it too), else ``{}``."""
    if not second_order:
        return {}
    return {"second_order": True} if takes_keyword(type(mechanism), "update_states", "second_order") else {}


@functools.cache
def takes_keyword(cls: type, method: str, keyword: str) -> bool:
    """Whether ``cls.<method>`` takes ``keyword`` (optional arguments a mechanism may accept:
    ``second_order`` of ``update_states``, ``arrived`` of a synapse's ``receive``)."""
    try:
        return keyword in inspect.signature(getattr(cls, method)).parameters
    except (TypeError, ValueError):
        return False


@jax.tree_util.register_pytree_node_class
class Inputs(dict):
    """``p`` as a mechanism's methods see it: its parameters (short names), its ions'
    variables and ``celsius``. A name it lacks raises a KeyError that names the mechanism
    and what it has (a misspelt ``p["gk"]`` gave a bare ``KeyError: 'gk'`` while JAX traced
    the run)."""

    def __init__(self, values: Mapping[str, Array], mechanism: Mechanism):
        super().__init__(values)
        self.mechanism = mechanism

    # A pytree like a dict (jax.tree.map, lax.cond, jax.checkpoint on ``p`` work as before).
    def tree_flatten(self):
        keys = tuple(self)
        return tuple(self[k] for k in keys), (keys, self.mechanism)

    @classmethod
    def tree_unflatten(cls, aux, children):
        keys, mechanism = aux
        return cls(dict(zip(keys, children)), mechanism)

    def __missing__(self, key):
        import difflib

        mech = self.mechanism
        ion = ion_of(str(key))
        if ion is not None and ion not in mech.ions:
            raise KeyError(
                f"{mech.name}: p[{key!r}] is a variable of ion {ion!r}, which {mech.name} does not use: add it to "
                f"the class's ions, e.g. ions = {(*mech.ions, ion)!r}"
            )
        close = [k for k in self if k.lower() == str(key).lower()] or difflib.get_close_matches(str(key), list(self), n=2)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise KeyError(f"{mech.name}: p[{key!r}] is none of its inputs ({', '.join(sorted(self))}){hint}")


class Channel(Mechanism):
    """A membrane current with gating variables.

    Implement `gates` (each gate's steady state and time constant, or its opening and
    closing rates via `gate_from_rates`) and `current`. States then start at their steady
    state at the initial voltage and advance by exponential Euler (NEURON's ``cnexp``),
    exact for gates with voltage held over the step. Channels whose states follow other
    dynamics override `init_states` and `update_states` instead.

    Example:
        A slow potassium current with one gate given by its steady state and time constant.

        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> class Kslow(dx.Channel):
        ...     params = {"gbar": 1e-3}                   # S/cm²
        ...     units = {"gbar": "S/cm2"}
        ...     states = {"n": 0.0}
        ...     ions = ("k",)                             # reads ek (mV)
        ...     def gates(self, v, p):
        ...         n_inf = 1.0 / (1.0 + jnp.exp(-(v + 40.0) / 10.0))
        ...         return {"n": dx.Gate(n_inf, jnp.full_like(v, 50.0))}   # tau = 50 ms
        ...     def current(self, s, v, p):               # mA/cm²
        ...         return {"k": p["gbar"] * s["n"] * (v - p["ek"])}
        >>> comp = dx.Compartment()
        >>> comp.insert(Kslow())
        >>> [n for n in comp.parameter_names if n.startswith("Kslow")], comp.get("ek").tolist()
        (['Kslow_gbar', 'Kslow_n'], [-77.0])
        >>> n = Kslow().gates(jnp.array([-65.0, -40.0]), {})["n"]   # at -65 and -40 mV
        >>> [round(float(x), 4) for x in n.steady_state]
        [0.0759, 0.5]
    """

    def gates(self, v: Float[Array, " n"], p: Mapping[str, Array]) -> dict[str, Gate]:
        """Steady state and time constant (ms) of each gating variable at voltage ``v``."""
        return {}

    def out_of_range(self, name: str, values: ArrayLike) -> Any:
        """As `Mechanism.out_of_range`; also a gating variable (a state that `gates` returns)
        must lie in [0, 1]: it is the fraction of open gates."""
        bad = super().out_of_range(name, values)
        if name not in self.states:
            return bad
        values = jnp.asarray(values) if isinstance(values, jax.Array) else np.asarray(values)
        outside = (values < 0.0) | (values > 1.0)
        # Which states are gates is asked only when some value lies outside [0, 1] (tracing
        # `gates` takes milliseconds: not at every check); traced values always ask.
        if (isinstance(outside, jax.Array) or outside.any()) and name in self.gate_names():
            bad = bad | outside
        return bad

    def range_error(self, name: str, values: ArrayLike) -> str | None:
        """As `Mechanism.range_error`, and the rule for gating variables (`out_of_range`)."""
        error = super().range_error(name, values)
        if error is None:
            values = np.asarray(values, dtype=np.float64)
            bad = self.out_of_range(name, values)
            if bad.any():
                return f"is a gating variable (the fraction of open gates) and must be in [0, 1]; got {values[bad].ravel()[0]}"
        return error

    def gate_names(self) -> frozenset[str]:
        """The states `gates` returns (gating variables, in [0, 1]), found by tracing it on
        shapes alone (no computation, nothing compiled); none when it cannot be traced so
        (it needs more than the mechanism's parameters, its ions' variables and ``celsius``).

        Example:
            >>> from dendrax.channels import HH
            >>> sorted(HH().gate_names())
            ['h', 'm', 'n']
        """
        one = jax.ShapeDtypeStruct((1,), jnp.result_type(float))
        names = list(self.params) + [f"{k}{ion}" for ion in self.ions for k in ("e", "i")]
        names += [f"{ion}{side}" for ion in self.ions for side in ("i", "o")]
        p = {k: one for k in names} | {"celsius": jax.ShapeDtypeStruct((), jnp.result_type(float))}
        try:
            return frozenset(jax.eval_shape(self.gates, one, p))
        except Exception:  # a user's gates() that needs something else: no range check
            return frozenset()

    def _gates(self, v, p) -> dict[str, Gate]:
        gates = self.gates(v, p)
        unknown = sorted(set(gates) - set(self.states))
        if unknown:
            raise ValueError(
                f"{self.name}.gates() returned {', '.join(map(repr, unknown))}, not among its states "
                f"({', '.join(map(repr, self.states))}): a gate must have the name of the state it moves"
            )
        return gates

    def init_states(self, v, p):
        gates = self._gates(v, p)
        out = {k: jnp.full_like(v, x) for k, x in self.states.items()}
        out.update({k: g.steady_state for k, g in gates.items()})
        return out

    def update_states(self, s, v, dt, p):
        gates = self._gates(v, p)
        out = dict(s)
        for k, g in gates.items():
            out[k] = g.relax(s[k], dt)
        return out
