"""The interface of synapses: point processes that connect two sites.

A synapse sits at a postsynaptic site and reads the voltage at a presynaptic site. Its
current is a point current (nA, outward positive, like NEURON's point processes), its
conductances are in µS. Two kinds:

- graded (``event_driven = False``): driven continuously by the presynaptic voltage;
- event-driven (``event_driven = True``): driven by spikes of the presynaptic site, which
  arrive after the connection's delay with its weight (NEURON's NetCon); `receive` adds
  the delivered weight to the states at the start of every step: 0 where no spike arrives,
  the summed weight where several arrive in one step (two spikes of a spike train within
  ``delta_t``). That is right when `receive` is linear in the weight (as ExpSyn's ``g +
  weight``); a synapse with ``per_event = True`` gets each spike apart instead, in order,
  and nothing in steps without one (NET_RECEIVE blocks of .mod files, which may be
  nonlinear: facilitation ``F = F + f``).

Example: NEURON's ``ExpSyn`` in a dozen lines::

    import jax.numpy as jnp
    import dendrax as dx

    class MyExpSyn(dx.Synapse):
        params = {"tau": 2.0, "e": 0.0}        # ms, mV
        states = {"g": 0.0}                    # µS
        event_driven = True

        def current(self, s, v, v_pre, p):     # nA
            return s["g"] * (v - p["e"])

        def update_states(self, s, v, v_pre, dt, p):
            return {"g": s["g"] * jnp.exp(-dt / p["tau"])}

        def receive(self, s, weight, p):       # weight in µS
            return {"g": s["g"] + weight}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .channel import Mechanism

__all__ = ["Synapse"]


class Synapse(Mechanism):
    """Base of synapses (see the module docstring). Arrays are over synapses of this type.

    Example:
        A graded synapse whose conductance follows the presynaptic voltage.

        >>> import jax
        >>> import dendrax as dx
        >>> class Sigmoidal(dx.Synapse):
        ...     params = {"gS": 1e-3, "eS": 0.0, "vHalf": -40.0}   # µS, mV, mV
        ...     units = {"gS": "uS", "eS": "mV", "vHalf": "mV"}
        ...     def current(self, s, v, v_pre, p):                # nA
        ...         return p["gS"] * jax.nn.sigmoid((v_pre - p["vHalf"]) / 5.0) * (v - p["eS"])
        >>> net = dx.Network([dx.Compartment()] * 2)
        >>> dx.connect(net.cell(0), net.cell(1), Sigmoidal())
        >>> Sigmoidal.event_driven, net.synapses.Sigmoidal.n, net.synapses.Sigmoidal.get("gS").tolist()
        (False, 1, [0.001])
    """

    event_driven: ClassVar[bool] = False
    #: `receive` once per arriving spike, with the connection's weight, instead of once per
    #: step with the weight that arrives then: for a ``receive`` that is not linear in the
    #: weight (facilitation ``F = F + f``, a state set to a value). Its ``receive(s, weight,
    #: p)`` may take a keyword ``arrived`` (a boolean array, all true: .mod files use it).
    per_event: ClassVar[bool] = False
    #: Connection weights may be negative (NEURON allows any sign; a .mod NET_RECEIVE may
    #: branch on it). Built-in synapses take conductances, which must be >= 0.
    signed_weights: ClassVar[bool] = False

    def weight_error(self, weights: np.ndarray) -> str | None:
        """Why connection ``weights`` (µS) are out of range, e.g. ``"must be >= 0 µS; got
        -0.1"`` (negative weights, unless `signed_weights`); None if they are not."""
        negative = np.asarray(weights) < 0
        if self.signed_weights or not negative.any():
            return None
        return f"must be >= 0 µS; got {np.asarray(weights)[negative].ravel()[0]}"

    @property
    def nonnegative(self) -> tuple[str, ...]:
        """Conductances (unit ``uS`` or ``nS``), parameters and states, must not be negative
        (a negative initial conductance ran: a review)."""
        return tuple(
            k for k in (*self.params, *self.states) if self.units.get(k, "").replace(" ", "") in ("uS", "µS", "nS")
        )

    @property
    def positive(self) -> tuple[str, ...]:
        """Time constants (unit ``ms``) must be > 0 (a concentration such as NMDA's ``mg``
        may be 0)."""
        return tuple(k for k in self.params if self.units.get(k, "").replace(" ", "") == "ms")

    def init_states(self, v: Float[Array, " n"], v_pre: Float[Array, " n"], p: Mapping[str, Array]) -> dict[str, Array]:
        """States at t = 0 (default: the declared values)."""
        return {k: jnp.full_like(v, x) for k, x in self.states.items()}

    def current(self, s: Mapping[str, Array], v: Array, v_pre: Array, p: Mapping[str, Array]) -> Array:
        """Outward current (nA) at postsynaptic voltage ``v`` (mV)."""
        raise NotImplementedError

    def update_states(self, s: Mapping[str, Array], v: Array, v_pre: Array, dt: Array, p: Mapping[str, Array]) -> dict[str, Array]:
        """States one step ``dt`` (ms) later, given the new voltages."""
        return dict(s)

    def receive(self, s: Mapping[str, Array], weight: Array, p: Mapping[str, Array]) -> dict[str, Array]:
        """An event-driven synapse's states after spikes deliver ``weight`` (µS, or the unit
        the synapse gives it), at the start of a step.

        By default it is called at **every** step, with the weight that arrives then: 0
        where no spike arrives, the sum where several do. So it must leave the states as
        they are for a weight of 0 and be linear in the weight (``g + weight``). A synapse
        whose response is not (facilitation ``F = F + f``, a state reset on each spike)
        sets ``per_event = True``: then `receive` runs once per arriving spike, with the
        connection's weight, and only its result where a spike arrived is kept.
        """
        return dict(s)
