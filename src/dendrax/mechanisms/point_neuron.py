"""The interface of point-neuron dynamics, which replace the capacitive membrane.

A point neuron (integrate-and-fire, Izhikevich, AdEx, a rate unit) owns the voltage of
the single compartment it is inserted in: each step it computes the new voltage from the
old one and the input current (stimuli, synapses and any channels in the compartment, in
nA), and reports whether it spiked. dendrax then holds the compartment at that voltage
for the rest of the step, like an ideal clamp.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from jaxtyping import Array, Float

from .channel import Mechanism

__all__ = ["PointNeuron"]


class PointNeuron(Mechanism):
    """Dynamics of a whole (single-compartment) neuron.

    Implement `update_voltage`; declare a state ``"spike"`` (1.0 in a step where the
    neuron fired, else 0.0) so that spikes can be recorded and sent over synapses, and a
    state ``"drive"`` (mV: the voltage before any reset minus the threshold, so that the
    spike is ``drive >= 0``) through which `dx.Surrogate` gives the spikes a gradient;
    without ``drive`` the spikes pass none. `update_voltage` returns ``(v_next, states)``:
    the voltage and every declared state, each like ``v`` (one value per compartment, in
    its dtype: ``spike.astype(v.dtype)``, not a bool), checked when the run is traced.
    Rules between parameters (a reset below the threshold) go in `Mechanism.conflicts`,
    checked before compiling.
    Built-in ones: `dendrax.point_neurons` (``LIF``, ``Izhikevich``, ``AdEx``, ``RateNeuron``).

    Example:
        A perfect integrator: ``C dv/dt = I``, reset to ``vReset`` on reaching ``vTh``.

        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> class Integrator(dx.PointNeuron):
        ...     params = {"C": 0.1, "vTh": -50.0, "vReset": -70.0}    # nF, mV, mV
        ...     units = {"C": "nF", "vTh": "mV", "vReset": "mV"}
        ...     states = {"spike": 0.0}
        ...     def update_voltage(self, v, s, i_in, dt, p):
        ...         v_next = v + dt * i_in / p["C"]                     # nA / nF = mV/ms
        ...         spike = v_next >= p["vTh"]
        ...         return jnp.where(spike, p["vReset"], v_next), {"spike": spike.astype(v.dtype)}
        >>> cell = dx.Compartment()
        >>> cell.insert(Integrator())
        >>> cell.set("v", -70.0)
        >>> cell.stimulate([0.1] * 1001)                                # nA: 1 mV/ms
        >>> cell.record("Integrator_spike")
        >>> int(dx.integrate(cell, t_max=25.0).sum())                   # one spike per 20 ms
        1
    """

    #: True: `update_voltage` also gets ``g_in`` (µS), minus the input's derivative in the
    #: voltage (its synapses' and channels' conductances), so that the input over a step is
    #: ``i_in - g_in (v_next - v)``: a large conductance is then integrated without
    #: overshooting its reversal potential (as `LIF` does).
    input_conductance: ClassVar[bool] = False
    #: False for a unit that never spikes (`RateNeuron`): event-driven synapses from it, and
    #: recordings of its spikes (`Network.record_spikes`), are refused.
    spikes: ClassVar[bool] = True

    def update_voltage(
        self,
        v: Float[Array, " n"],
        s: Mapping[str, Array],
        i_in: Float[Array, " n"],
        dt: Array,
        p: Mapping[str, Array],
    ) -> tuple[Array, dict[str, Array]]:
        """The voltage (mV) and states one step ``dt`` (ms) later, given the input ``i_in`` (nA)."""
        raise NotImplementedError
